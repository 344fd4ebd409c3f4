from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cadran.accounts"
    label = "accounts"
    verbose_name = "Comptes"
