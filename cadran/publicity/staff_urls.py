"""Staff page (under /espace/): an adviser's private calendar link."""

from django.urls import path

from . import views

app_name = "calendar_feed"
urlpatterns = [
    path("", views.feed_token, name="token"),
]
