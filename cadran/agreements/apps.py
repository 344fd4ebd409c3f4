from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "cadran.agreements"
    label = "agreements"
    verbose_name = "Conventions de partenariat"
