"""Staff pages of the collective interventions, mounted at ``/espace/ateliers/``."""

from django.urls import path

from . import risk_views, views

app_name = "workshops"
urlpatterns = [
    path("", views.programme, name="programme"),
    path("nouveau/", views.workshop_new, name="workshop_new"),
    path("<int:pk>/", views.workshop_detail, name="workshop_detail"),
    path("<int:pk>/modifier/", views.workshop_edit, name="workshop_edit"),
    path("<int:pk>/etape/<slug:step>/", views.workshop_step, name="workshop_step"),
    path("demandes/", views.request_list, name="request_list"),
    path("demandes/nouvelle/", views.request_new, name="request_new"),
    path("demandes/<int:pk>/", views.request_detail, name="request_detail"),
    path("demandes/<int:pk>/examen/", views.request_examine, name="request_examine"),
    path("demandes/<int:pk>/accepter/", views.request_accept, name="request_accept"),
    path("demandes/<int:pk>/refuser/", views.request_refuse, name="request_refuse"),
    path("demandes/<int:pk>/retirer/", views.request_withdraw, name="request_withdraw"),
    path("seances/", views.session_list, name="session_list"),
    path("seances/a-risque/", risk_views.sessions_at_risk, name="sessions_at_risk"),
    path("seances/<int:pk>/annoncer/", risk_views.session_announce, name="session_announce"),
    path("seances/<int:pk>/", views.session_detail, name="session_detail"),
    path("seances/<int:pk>/inscrire/", views.session_register, name="session_register"),
    path(
        "seances/<int:pk>/inscriptions/<int:registration_pk>/annuler/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path("seances/<int:pk>/annuler/", views.session_cancel, name="session_cancel"),
    path("seances/<int:pk>/decision/", views.session_override, name="session_override"),
    path("seances/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("seances/<int:pk>/appel/", views.attendance, name="attendance"),
]
