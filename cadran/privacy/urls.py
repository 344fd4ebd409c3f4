from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.policy, name="policy"),
    path("registre/", views.register, name="register"),
    path("personnes/", views.search, name="search"),
    path("personnes/dossier/", views.person, name="person"),
    path("personnes/dossier/export.<str:fmt>", views.person_export, name="person_export"),
    path("personnes/effacer/", views.erase, name="erase"),
    path("personnes/<int:pk>/corriger/", views.correct_beneficiary, name="correct_beneficiary"),
    path(
        "inscriptions/<int:pk>/corriger/", views.correct_registration, name="correct_registration"
    ),
]
