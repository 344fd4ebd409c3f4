from django.urls import path

from . import views

app_name = "board"
urlpatterns = [
    path("", views.week, name="week"),
    path("mois/", views.month, name="month"),
    path("couverture/", views.coverage_page, name="coverage"),
    path("seances/<int:pk>/deplacer/", views.session_move, name="session_move"),
]
