from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "cadran.privacy"
    verbose_name = "Données personnelles (conservation et droits)"
