from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "cadran.activity"
    verbose_name = "Activité (comptes rendus)"
