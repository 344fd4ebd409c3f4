import datetime as dt

from django.urls import path, register_converter

from . import views


class IsoDateConverter:
    """``2026-12-02`` in the URL, a ``date`` in the view; an impossible date is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)

    def to_url(self, value: dt.date | str) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "permanences/<int:pk>/jour/<isodate:day>/",
        views.day_sheet,
        name="day_sheet",
    ),
    path("rendez-vous/nouveau/", views.book, name="book"),
    path("personnes/recherche/", views.beneficiary_search, name="beneficiary_search"),
    path("rendez-vous/<int:pk>/", views.appointment_detail, name="appointment"),
    path("rendez-vous/<int:pk>/annuler/", views.appointment_cancel, name="appointment_cancel"),
    path("rendez-vous/<int:pk>/deplacer/", views.appointment_move, name="appointment_move"),
    path(
        "rendez-vous/<int:pk>/presence/",
        views.appointment_attendance,
        name="appointment_attendance",
    ),
    path("fermetures/", views.closures, name="closures"),
    path("fermetures/<int:pk>/supprimer/", views.closure_delete, name="closure_delete"),
    path("communes/<str:insee>/", views.commune_calendar, name="commune_calendar"),
    path("journal/", views.audit_log, name="audit_log"),
]
