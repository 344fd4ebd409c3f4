from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.message_list, name="message_list"),
    path("<int:pk>/renvoyer/", views.message_retry, name="message_retry"),
    path("taches/", views.failed_tasks, name="failed_tasks"),
]
