from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cadran.core"
    label = "core"
    verbose_name = "Socle"
