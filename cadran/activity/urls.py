from django.urls import path

from . import views

app_name = "activity"
urlpatterns = [
    path("", views.record_list, name="record_list"),
    path("nouveau/", views.record_new, name="record_new"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("rendez-vous/<int:appointment_id>/", views.from_appointment, name="from_appointment"),
    path("ateliers/<int:session_id>/", views.from_session, name="from_session"),
    path("<int:pk>/", views.record_detail, name="record_detail"),
    path("<int:pk>/modifier/", views.record_edit, name="record_edit"),
]
