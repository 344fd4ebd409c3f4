"""Reads for the activity screens, the export and the API: pre-filled forms and lists."""

from __future__ import annotations

import datetime as dt

from cadran.core import clock
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from cadran.territory.models import Commune
from cadran.workshops.models import Attendance, Session

from .enums import TypeActivite, TypeLieu
from .models import ActivityRecord, ActivityRecordQuerySet


def records_for(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """The records a member of staff may read, newest first, with what lists show."""
    qs: ActivityRecordQuerySet = ActivityRecord.objects.visible_to(user)
    return qs.between(date_from, date_to).with_related().order_by("-date", "-pk")


def is_first_visit(appointment: Appointment) -> bool:
    """No earlier appointment of the same person was seen (« premier accompagnement »)."""
    return not Appointment.objects.filter(
        beneficiary_id=appointment.beneficiary_id,
        status=AppointmentStatus.SEEN,
        start__lt=appointment.start,
    ).exists()


def initial_for_appointment(appointment: Appointment) -> dict:
    """A record pre-filled from an appointment seen: its reasons, the slot's length, the
    permanence's venue, first visit or not, and what is known of the person."""
    beneficiary = appointment.beneficiary
    return {
        "kind": TypeActivite.INDIVIDUEL,
        "date": clock.paris(appointment.start).date(),
        "duration_minutes": int((appointment.end - appointment.start).total_seconds() // 60),
        "place_type": TypeLieu.LIEU_ACTIVITE,
        "venue": appointment.permanence.venue_id,
        "thematiques": [t.thematique for t in appointment.topics.all()],
        "first_visit": is_first_visit(appointment),
        "birth_year": beneficiary.birth_year,
        "commune_insee": beneficiary.residence_insee,
        "oriented": False,
    }


def present_registrations(session: Session) -> list:
    """The registrations marked present at this session (the attendance list)."""
    return [
        a.registration
        for a in Attendance.objects.filter(session=session, present=True)
        .select_related("registration")
        .order_by("registration__last_name", "registration__first_name", "pk")
    ]


def initial_for_session(session: Session) -> dict:
    """A collective record pre-filled from a held session: level, title, length, venue and
    the people who came without registering."""
    return {
        "kind": TypeActivite.COLLECTIF,
        "date": clock.paris(session.start).date(),
        "duration_minutes": int((session.end - session.start).total_seconds() // 60),
        "place_type": TypeLieu.LIEU_ACTIVITE,
        "venue": session.venue_id,
        "level": session.workshop.level,
        "title": session.workshop.title,
        "anon_total": session.anonymous_count,
    }


def communes_by_insee(codes) -> dict[str, Commune]:
    """The territory communes among ``codes``, by INSEE code (one query)."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return {c.insee_code: c for c in Commune.objects.filter(insee_code__in=codes)}


PENDING_LIMIT = 20


def pending_appointments(user) -> list[Appointment]:
    """Appointments marked « venu » whose record is still to write: the adviser's own
    permanences (territory roles: the territory's), oldest first."""
    qs = Appointment.objects.visible_to(user).filter(
        status=AppointmentStatus.SEEN, activity_record__isnull=True
    )
    if user.is_adviser:
        qs = qs.filter(permanence__adviser=user)
    return list(
        qs.select_related("beneficiary", "permanence__commune").order_by("start")[:PENDING_LIMIT]
    )


def pending_sessions(user) -> list[Session]:
    """Held sessions whose collective record is still to write."""
    from cadran.workshops.enums import SessionStatus

    qs = Session.objects.visible_to(user).filter(
        status=SessionStatus.HELD, activity_record__isnull=True
    )
    if user.is_adviser:
        qs = qs.filter(advisers=user)
    return list(qs.select_related("workshop", "venue__commune").order_by("start")[:PENDING_LIMIT])
