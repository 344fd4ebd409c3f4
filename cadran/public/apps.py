from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "cadran.public"
    label = "public"
    verbose_name = "Pages publiques"
