from django.urls import path

from . import confirmation_views, poster_views, views, widget_views, workshop_views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("communes/<slug:slug>/", views.commune_detail, name="commune"),
    path("communes/<slug:slug>/creneaux/<str:slot_id>/", views.book, name="book"),
    path("rendez-vous/<str:token>/", views.appointment_detail, name="appointment"),
    path("rendez-vous/<str:token>/annuler/", views.appointment_cancel, name="cancel"),
    path("rendez-vous/<str:token>/agenda.ics", views.appointment_ics, name="appointment_ics"),
    path("rendez-vous/<str:token>/changer/", views.appointment_reschedule, name="reschedule"),
    path(
        "rendez-vous/<str:token>/changer/<str:slot_id>/",
        views.appointment_reschedule_confirm,
        name="reschedule_confirm",
    ),
    # « Vous venez toujours ? » (docs/decisions/0013-confirm-or-release.md).
    path(
        "rendez-vous/reponse/<str:token>/<slug:answer>/",
        confirmation_views.appointment_answer,
        name="appointment_answer",
    ),
    path(
        "ateliers/reponse/<str:token>/<slug:answer>/",
        confirmation_views.registration_answer,
        name="registration_answer",
    ),
    path("sms/reponses/", confirmation_views.sms_replies, name="sms_replies"),
    path("sms/reponses/<str:secret>/", confirmation_views.sms_replies, name="sms_replies_secret"),
    path("ateliers/", workshop_views.agenda, name="agenda"),
    path("ateliers/<int:pk>/", workshop_views.session_detail, name="session"),
    path(
        "ateliers/<int:pk>/inscription/",
        workshop_views.session_register,
        name="session_register",
    ),
    path(
        "ateliers/inscription/<str:token>/",
        workshop_views.workshop_registration,
        name="workshop_registration",
    ),
    path(
        "ateliers/inscription/<str:token>/annuler/",
        workshop_views.workshop_registration_cancel,
        name="workshop_registration_cancel",
    ),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    # Widget for the communes' own sites, and posters (issue 7; docs/visibilite.md).
    path("widget/<str:insee>/", widget_views.widget, name="widget"),
    path("widget/<str:insee>/code/", widget_views.widget_code, name="widget_code"),
    path("affiches/communes/<str:insee>/", poster_views.commune_poster, name="commune_poster"),
    path("affiches/ateliers/<int:pk>/", poster_views.session_poster, name="session_poster"),
]
