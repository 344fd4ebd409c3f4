from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "cadran.scheduling"
    label = "scheduling"
    verbose_name = "Permanences et rendez-vous"
