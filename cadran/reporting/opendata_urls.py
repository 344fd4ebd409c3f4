"""Public open data, at addresses that never change (they are published on data.gouv.fr)."""

from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("lieux-de-mediation-numerique.csv", views.venues_open_data, name="venues"),
]
