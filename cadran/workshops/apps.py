from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "cadran.workshops"
    label = "workshops"
    verbose_name = "Ateliers et interventions collectives"
