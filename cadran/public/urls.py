from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("communes/<slug:slug>/", views.commune_detail, name="commune"),
    path("communes/<slug:slug>/creneaux/<str:slot_id>/", views.book, name="book"),
    path("rendez-vous/<str:token>/", views.appointment_detail, name="appointment"),
    path("rendez-vous/<str:token>/annuler/", views.appointment_cancel, name="cancel"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
]
