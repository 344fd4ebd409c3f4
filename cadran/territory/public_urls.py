"""Public addresses of a territory: the colours of its charte, for every page."""

from django.urls import path

from . import identity_views

app_name = "territory_public"
urlpatterns = [
    path("<slug:slug>.css", identity_views.colours_css, name="colours_css"),
]
