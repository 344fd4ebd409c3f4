from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "cadran.reporting"
    verbose_name = "Rapports"
