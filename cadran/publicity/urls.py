"""Public addresses: the calendar feeds and the charte graphique read by the widget."""

from django.urls import path

from . import views

app_name = "publicity"
urlpatterns = [
    path("agenda.ics", views.territory_feed, name="territory_feed"),
    path("agenda/conseiller/<str:token>.ics", views.adviser_feed, name="adviser_feed"),
    path("agenda/<str:insee>.ics", views.commune_feed, name="commune_feed"),
    # Under /widget/: the widget's own page links them, from inside other sites' frames.
    path("widget/charte/<slug:slug>.css", views.charter_css, name="charter_css"),
    path("widget/charte/<slug:slug>/logo.svg", views.charter_logo, name="charter_logo"),
]
