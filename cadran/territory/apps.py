from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "cadran.territory"
    label = "territory"
    verbose_name = "Territoire"
