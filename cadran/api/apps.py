from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cadran.api"
    label = "api"
    verbose_name = "API"
