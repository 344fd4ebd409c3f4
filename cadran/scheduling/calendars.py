"""Public holidays (which close permanences) and school holidays (which are only shown)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _public_holidays_for_year(year: int) -> dict[dt.date, str]:
    return dict(holidays.France(years=year, language="fr").items())


def public_holidays(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Metropolitan French public holidays between two dates (inclusive)."""
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _public_holidays_for_year(year).items():
            if start <= day <= end:
                found[day] = name
    return found


@lru_cache(maxsize=64)
def _school_holidays_for_year(year: int, zone: str) -> dict[dt.date, str]:
    return dict(
        holidays.France(years=year, subdiv=zone, categories=("school",), language="fr").items()
    )


def school_holidays(start: dt.date, end: dt.date, zone: str = "Zone B") -> dict[dt.date, str]:
    """School holiday days of a zone (shown on calendars; they close nothing by themselves)."""
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _school_holidays_for_year(year, zone).items():
            if start <= day <= end:
                found[day] = name
    return found


def appointment_calendar(appointment) -> str:
    """One appointment as a calendar file, for « Ajouter à mon agenda » on its private page.

    The same event as the e-mail invitations (:mod:`cadran.scheduling.notifications`): the
    same UID (``rendez-vous-<pk>@host``) and SEQUENCE, so a calendar that already holds the
    invitation updates it rather than adding a second one. ``METHOD:PUBLISH``: a file
    downloaded and opened, not an invitation to answer.
    """
    from cadran.core.models import AuditLog
    from cadran.notifications.ics import APPOINTMENT_CHANGES, appointment_uid, build_ics
    from cadran.territory import identity as territory_identity

    from .notifications import appointment_context

    context = appointment_context(appointment)
    moves = AuditLog.objects.for_object(appointment).filter(action__in=APPOINTMENT_CHANGES)
    return build_ics(
        method="PUBLISH",
        uid=appointment_uid(appointment.pk),
        sequence=moves.count(),
        start=appointment.start,
        end=appointment.end,
        summary="Rendez-vous avec un conseiller numérique",
        location=f"{context['place']}, {context['address']}",
        description=(
            f"Référence {appointment.reference}. Pour toute question : "
            f"{context['service_name']}, {context['contact_phone']}."
        ),
        organizer_name=context["service_name"],
        organizer_email=territory_identity.for_id(
            appointment.permanence.commune.territory_id
        ).from_email,
    )
