from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "cadran.equipment"
    label = "equipment"
    verbose_name = "Matériel et prêts"
