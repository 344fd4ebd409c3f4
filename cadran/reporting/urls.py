from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.index, name="index"),
    path("territoire/", views.dashboard, name="dashboard"),
    path("territoire/telecharger.<str:fmt>", views.dashboard_download, name="dashboard_download"),
    path("communes/<str:insee>/", views.commune_report, name="commune"),
    path(
        "communes/<str:insee>/telecharger.<str:fmt>",
        views.commune_report_download,
        name="commune_download",
    ),
]
