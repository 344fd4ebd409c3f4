from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cadran.notifications"
    label = "notifications"
    verbose_name = "Messages envoyés"
