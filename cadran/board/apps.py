from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "cadran.board"
    label = "board"
    verbose_name = "Cadran des interventions"
