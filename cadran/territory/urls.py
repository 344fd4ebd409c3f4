from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.index, name="index"),
    path("changement/declarer/", views.declare, name="declare"),
    path("changement/<int:pk>/", views.change_detail, name="change_detail"),
    path("changement/<int:pk>/confirmer/", views.change_confirm, name="change_confirm"),
    path("changement/<int:pk>/refuser/", views.change_refuse, name="change_refuse"),
]
