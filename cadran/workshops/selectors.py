"""Reads about workshops and sessions, for the services, the pages and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.db.models.functions import Lower

from cadran.core import clock
from cadran.core.french import de
from cadran.core.tokens import hash_token
from cadran.scheduling.calendars import public_holidays
from cadran.scheduling.models import Closure, Permanence
from cadran.scheduling.slots import WeeklyRule, localize, occurrence_dates

from .conditions import overlaps
from .enums import LIVE_SESSION_STATUSES, OPEN_SESSION_STATUSES, RegistrationStatus, SessionStatus
from .models import Registration, Session, SessionQuerySet


def hm(value: dt.datetime) -> str:
    return f"{clock.paris(value):%d/%m/%Y %H:%M}"


def registration_target(session: Session) -> Session:
    """The session people register on: the session itself, or its cycle's first session."""
    if session.cycle_group_id is None or session.is_registration_target:
        return session
    return Session.objects.get(pk=session.cycle_group_id)


def cycle_sessions(session: Session) -> list[Session]:
    """Every session of the cycle in time order (just the session when it is not a cycle)."""
    if session.cycle_group_id is None:
        return [session]
    return list(
        Session.objects.filter(cycle_group_id=session.cycle_group_id).order_by("start", "pk")
    )


def adviser_conflicts(
    *, adviser, start: dt.datetime, end: dt.datetime, exclude_session_ids=()
) -> list[str]:
    """Why the adviser is not free between ``start`` and ``end`` (empty list: free).

    Another live session, an occurrence of one of their permanences (from their arrival
    time; none on public holidays), or a closure for them or for the whole territory.
    """
    reasons: list[str] = []
    other = (
        Session.objects.filter(advisers=adviser, status__in=LIVE_SESSION_STATUSES)
        .between(start, end)
        .exclude(pk__in=list(exclude_session_ids))
        .select_related("workshop", "venue")
        .order_by("start")
    )
    for session in other:
        reasons.append(
            f"{adviser} anime déjà « {session.workshop.title} » le {hm(session.start)} "
            f"({session.place.name})."
        )
    local_start, local_end = clock.paris(start).date(), clock.paris(end).date()
    holidays = public_holidays(local_start, local_end)
    permanences = (
        Permanence.objects.filter(adviser=adviser)
        .active_between(local_start, local_end)
        .select_related("commune")
    )
    for permanence in permanences:
        rule = WeeklyRule.of(permanence)
        for day in occurrence_dates(rule, local_start, local_end):
            if day in holidays:
                continue
            begin = localize(
                dt.datetime.combine(day, permanence.adviser_arrival_time or permanence.start_time)
            )
            finish = localize(dt.datetime.combine(day, permanence.end_time))
            if begin and finish and overlaps(begin, finish, start, end):
                reasons.append(
                    f"{adviser} tient sa permanence {de(permanence.commune)} "
                    f"{permanence.hours_label}."
                )
    territory_id = adviser.territory_id
    closures = (
        Closure.objects.filter(territory_id=territory_id)
        .overlapping(start, end)
        .filter(
            Q(adviser=adviser) | Q(adviser__isnull=True, commune__isnull=True, venue__isnull=True)
        )
    )
    for closure in closures:
        who = f"{adviser} est absent" if closure.adviser_id else "Le territoire est fermé"
        reasons.append(f"{who} : {closure.reason} ({hm(closure.start)} – {hm(closure.end)}).")
    return reasons


def venue_closures(*, venue, start: dt.datetime, end: dt.datetime) -> list[str]:
    """Closures of the venue or its commune over the period, in French."""
    closures = (
        Closure.objects.filter(territory_id=venue.commune.territory_id, adviser__isnull=True)
        .overlapping(start, end)
        .filter(Q(venue=venue) | Q(venue__isnull=True, commune_id=venue.commune_id))
    )
    return [f"{venue.name} est fermé : {c.reason} ({hm(c.start)} – {hm(c.end)})." for c in closures]


def get_registration_by_token(token: str) -> Registration | None:
    """The registration behind a private link (the database keeps only the hash)."""
    if not token or len(token) > 100:
        return None
    return (
        Registration.objects.select_related(
            "session__workshop__territory", "session__venue__commune"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def waiting_position(registration: Registration) -> int | None:
    """1 for the first person waiting; None when the registration is not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = Registration.objects.filter(
        session_id=registration.session_id,
        status=RegistrationStatus.WAITING,
        pk__lt=registration.pk,  # the order of RegistrationQuerySet.waiting()
    ).count()
    return ahead + 1


def next_sessions(session: Session, *, now: dt.datetime, limit: int = 3) -> list[Session]:
    """Other sessions of the same workshop people can still register for (for the message
    that announces a cancellation)."""
    exclude = [session.pk]
    if session.cycle_group_id:
        exclude.append(session.cycle_group_id)
    return list(
        Session.objects.registration_targets()
        .open_for_registration(now)
        .filter(workshop_id=session.workshop_id)
        .exclude(pk__in=exclude)
        .exclude(cycle_group_id__in=exclude)
        .select_related("venue__commune")
        .order_by("start", "pk")[:limit]
    )


def public_agenda(
    *,
    territory,
    date_from: dt.date,
    date_to: dt.date,
    commune_insee: str = "",
    now: dt.datetime | None = None,
) -> SessionQuerySet:
    """Sessions (and cycles) people can register for, with ``places_left``.

    Dates are Paris days, inclusive. Query count does not depend on the number of rows
    (counts are annotated, advisers are not loaded).
    """
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=clock.PARIS)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=clock.PARIS)
    qs = (
        Session.objects.registration_targets()
        .open_for_registration(now)
        .filter(workshop__territory=territory, start__gte=start, start__lt=end)
    )
    if commune_insee:
        qs = qs.filter(venue__commune__insee_code=commune_insee)
    return (
        qs.with_counts()
        .select_related("workshop__format", "venue__commune")
        .order_by("start", "pk")
    )


# --- What waits on the start page (cadran.scheduling.start_page) ----------------------------

# A session whose decision comes within this delay is shown as « décision proche ».
DECISION_SOON = dt.timedelta(hours=48)


def decisions_due(sessions: SessionQuerySet, *, now: dt.datetime) -> SessionQuerySet:
    """Sessions (or cycles) still waiting for their decision whose decision instant is past
    or comes within ``DECISION_SOON``: confirm, cancel or let the automatic decision go."""
    return sessions.registration_targets().filter(
        status=SessionStatus.SCHEDULED, decision_at__lte=now + DECISION_SOON
    )


def upcoming_with_counts(sessions: SessionQuerySet, *, now: dt.datetime) -> SessionQuerySet:
    """Sessions (or cycles) still to come and still taking place, with their counts."""
    return (
        sessions.registration_targets()
        .filter(status__in=OPEN_SESSION_STATUSES, start__gte=now)
        .with_counts()
        .select_related("workshop", "venue__commune")
        .order_by("start", "pk")
    )


def waiting_printer_loans(*, commune_ids, today: dt.date):
    """3D-printer loans asked for these communes, not yet accepted and not over: what a
    3D-printer session waits for before it can be scheduled (docs/ateliers.md)."""
    from cadran.equipment.enums import EquipmentKind, LoanStatus
    from cadran.equipment.models import Loan

    return (
        Loan.objects.filter(
            status=LoanStatus.REQUESTED,
            equipment__kind=EquipmentKind.PRINTER_3D,
            commune_id__in=list(commune_ids),
            end_date__gte=today,
        )
        .select_related("equipment", "commune", "library")
        .order_by("start_date", "pk")
    )


# --- Sessions at risk (issue 16) -------------------------------------------------------------


def sessions_at_risk(sessions: SessionQuerySet, *, now: dt.datetime) -> SessionQuerySet:
    """Sessions (or cycles) that may still fill before their decision but would be
    cancelled if it were taken now: not yet decided, decision instant strictly after
    ``now``, open to registration, and people registered plus people waiting under the
    session's minimum (``min_attendance``, copied from the format or the territory when the
    session was scheduled). People waiting count: a place freed before the decision goes
    to them. Soonest decision first, with ``confirmed_count``, ``waiting_count`` and
    ``missing`` (how many more people the minimum needs)."""
    from django.db.models import F

    return (
        sessions.registration_targets()
        .open_for_registration(now)
        .filter(status=SessionStatus.SCHEDULED, decision_at__gt=now)
        .with_counts()
        # The counts are annotated by ``with_counts()``: django-stubs cannot see them.
        .annotate(missing=F("min_attendance") - F("confirmed_count") - F("waiting_count"))  # type: ignore[misc]
        .filter(missing__gt=0)
        .select_related("workshop__format", "venue__commune")
        .order_by("decision_at", "pk")
    )


def days_before(instant: dt.datetime, *, now: dt.datetime) -> int:
    """Whole Paris days from today to ``instant``'s day (0: today, 1: tomorrow)."""
    return (clock.paris(instant).date() - clock.paris(now).date()).days


def similar_waiting_registrations(session: Session, *, now: dt.datetime):
    """People waiting for another session of the same format in the same territory (still
    to come, still open), who hold no registration on ``session`` (same e-mail or same
    phone, whatever the state of that registration: a person who cancelled is not asked
    again): whom « Prévenir les personnes en liste d'attente d'ateliers semblables »
    writes to. Three queries; oldest first."""
    here = Registration.objects.filter(
        Q(session_id=session.pk) | Q(session__cycle_group_id=session.pk)
    )
    emails = [e.lower() for e in here.exclude(email="").values_list("email", flat=True)]
    phones = list(here.exclude(phone="").values_list("phone", flat=True))
    qs = (
        Registration.objects.filter(
            status=RegistrationStatus.WAITING,
            session__workshop__format_id=session.workshop.format_id,
            session__workshop__territory_id=session.workshop.territory_id,
            session__status__in=OPEN_SESSION_STATUSES,
            session__start__gt=now,
        )
        .exclude(session_id=session.pk)
        .exclude(session__cycle_group_id=session.pk)
    )
    if emails:
        qs = qs.annotate(email_lower=Lower("email")).exclude(email_lower__in=emails)
    if phones:
        qs = qs.exclude(phone__in=phones)
    return qs.order_by("pk")
