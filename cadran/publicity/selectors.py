"""Reads for the feeds, the widget and the posters: a fixed number of queries whatever the
number of rows, and nothing about inhabitants (counts at most).

Nothing here writes; nothing here knows about requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import CharField, Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.formatting import day_label, hour_label
from cadran.notifications.ics import APPOINTMENT_CHANGES, SESSION_CHANGES
from cadran.scheduling.enums import ACTIVE_STATUSES, CANCELLED_STATUSES
from cadran.scheduling.models import Appointment, Closure, Permanence
from cadran.scheduling.selectors import OccurrenceSummary, summarize_occurrences
from cadran.scheduling.slots import Slot, free_slots
from cadran.territory import identity
from cadran.territory.models import Commune, Territory
from cadran.workshops.enums import CANCELLED_SESSION_STATUSES, WorkshopStatus
from cadran.workshops.models import Session

from .models import Charter

# How far ahead the public feeds list permanences (the public booking window) and sessions.
FEED_PERMANENCE_DAYS = 92
FEED_SESSION_DAYS = 366
# An adviser's own feed also keeps the last weeks (to look back at what was done).
ADVISER_FEED_PAST_DAYS = 30
ADVISER_FEED_DAYS = 183
# A cancelled appointment or session stays in the adviser's feed, as STATUS:CANCELLED, until
# this many days after the day it was to start (so that a calendar which has it learns
# that it is cancelled, instead of just losing it); from the next day on, it is gone.
CANCELLED_FEED_RETENTION_DAYS = 30
# The widget: how many free slots and sessions it shows.
WIDGET_SLOTS = 3
WIDGET_SESSIONS = 3


def territory_url(territory_id: int | None, viewname: str, *args) -> str:
    """An absolute address on the territory's public site (its domain, or its prefix on
    the install's address: cadran.territory.routing); no query once the identity is cached."""
    return identity.for_id(territory_id).reverse(viewname, *args)


def charter_for(territory: Territory) -> Charter:
    """The territory's charte graphique, or the default one (not saved) when none is set."""
    charter = Charter.objects.filter(territory=territory).first()
    if charter is None:
        charter = Charter(territory=territory, logo_text=territory.short_name)
    else:
        charter.territory = territory
    return charter


def _current_permanences(today: dt.date):
    return (
        Permanence.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("commune", "venue__commune")
        .order_by("weekday", "start_time", "pk")
    )


def place_label(venue) -> str:
    parts = [venue.name]
    if venue.room:
        parts.append(venue.room)
    if venue.address:
        parts.append(venue.address)
    return ", ".join(parts)


# --- Feeds ---------------------------------------------------------------------------------


@dataclass
class FeedSource:
    """What one feed shows, loaded in a fixed number of queries."""

    title: str
    territory: Territory | None
    occurrences: list[OccurrenceSummary] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)


def _change_count(model: str, actions: tuple[str, ...]):
    """How many times a row was moved (its audit entries ``actions``), as a subquery: the
    feeds' SEQUENCE, counted as the e-mails count it (cadran.notifications.ics), with no
    query more."""
    entries = (
        AuditLog.objects.filter(
            content_type__app_label=model.split(".")[0],
            content_type__model=model.split(".")[1],
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
            action__in=actions,
        )
        .order_by()
        .values("object_id")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    return Coalesce(Subquery(entries, output_field=IntegerField()), 0)


def _with_session_changes(sessions):
    return sessions.annotate(ics_changes=_change_count("workshops.session", SESSION_CHANGES))


def _public_sessions(*, date_from: dt.date, date_to: dt.date):
    """Dated sessions of published workshops (cancelled ones too: a calendar that has them
    must learn that they are cancelled)."""
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=PARIS)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=PARIS)
    return _with_session_changes(
        Session.objects.filter(
            workshop__status=WorkshopStatus.PUBLISHED, start__gte=start, start__lt=end
        )
        .select_related("workshop", "venue__commune")
        .order_by("start", "pk")
    )


def commune_feed(*, commune: Commune, today: dt.date, now: dt.datetime) -> FeedSource:
    """A commune's permanence dates and sessions (four queries)."""
    permanences = list(_current_permanences(today).filter(commune=commune))
    for permanence in permanences:
        permanence.commune = commune  # with its territory, already loaded
    occurrences = summarize_occurrences(
        permanences,
        date_from=today,
        date_to=today + dt.timedelta(days=FEED_PERMANENCE_DAYS),
        now=now,
    )
    sessions = list(
        _public_sessions(
            date_from=today, date_to=today + dt.timedelta(days=FEED_SESSION_DAYS)
        ).filter(venue__commune=commune)
    )
    return FeedSource(
        title=f"Conseillers numériques à {commune.name}",
        territory=commune.territory,
        occurrences=occurrences,
        sessions=sessions,
    )


def territory_feed(*, territory: Territory, today: dt.date, now: dt.datetime) -> FeedSource:
    """Every commune's permanence dates and sessions of one territory (four queries)."""
    permanences = list(_current_permanences(today).filter(commune__territory=territory))
    for permanence in permanences:
        permanence.commune.territory = territory
    occurrences = summarize_occurrences(
        permanences,
        date_from=today,
        date_to=today + dt.timedelta(days=FEED_PERMANENCE_DAYS),
        now=now,
    )
    sessions = list(
        _public_sessions(
            date_from=today, date_to=today + dt.timedelta(days=FEED_SESSION_DAYS)
        ).filter(workshop__territory=territory)
    )
    return FeedSource(
        title=f"Conseillers numériques — {territory.short_name or territory.name}",
        territory=territory,
        occurrences=occurrences,
        sessions=sessions,
    )


def adviser_feed(*, user, today: dt.date, now: dt.datetime) -> FeedSource:
    """An adviser's own schedule: permanence dates, booked appointments (times only),
    sessions and closures (six queries). Cancelled appointments and sessions are kept
    until :data:`CANCELLED_FEED_RETENTION_DAYS` after their day."""
    date_from = today - dt.timedelta(days=ADVISER_FEED_PAST_DAYS)
    date_to = today + dt.timedelta(days=ADVISER_FEED_DAYS)
    range_start = dt.datetime.combine(date_from, dt.time.min, tzinfo=PARIS)
    range_end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=PARIS)
    cancelled_since = dt.datetime.combine(
        today - dt.timedelta(days=CANCELLED_FEED_RETENTION_DAYS), dt.time.min, tzinfo=PARIS
    )
    permanences = list(
        Permanence.objects.filter(adviser=user)
        .active_between(date_from, date_to)
        .select_related("commune", "venue__commune")
        .order_by("weekday", "start_time", "pk")
    )
    occurrences = summarize_occurrences(permanences, date_from=date_from, date_to=date_to, now=now)
    # Only what a calendar needs: never the person, the reasons or the contact.
    appointments = list(
        Appointment.objects.filter(permanence__adviser=user, start__lt=range_end)
        .filter(
            Q(status__in=ACTIVE_STATUSES, start__gte=range_start)
            | Q(status__in=CANCELLED_STATUSES, start__gte=cancelled_since)
        )
        .annotate(ics_changes=_change_count("scheduling.appointment", APPOINTMENT_CHANGES))
        .select_related("permanence__commune", "permanence__venue")
        .order_by("start", "pk")
    )
    sessions = list(
        _with_session_changes(
            Session.objects.filter(advisers=user, start__lt=range_end, end__gt=range_start)
            .exclude(status__in=CANCELLED_SESSION_STATUSES, start__lt=cancelled_since)
            .select_related("workshop", "venue__commune")
            .order_by("start", "pk")
        )
    )
    closures = list(
        Closure.objects.visible_to(user)
        .overlapping(range_start, range_end)
        .select_related("commune", "venue__commune", "adviser")
        .order_by("start", "pk")
    )
    return FeedSource(
        title=f"Mon planning — {user.get_full_name()}",
        territory=None,
        occurrences=occurrences,
        sessions=sessions,
        appointments=appointments,
        closures=closures,
    )


# --- Widget --------------------------------------------------------------------------------


@dataclass
class WidgetSession:
    session: Session
    day: str
    hours: str
    places_left: int


@dataclass
class Widget:
    commune: Commune
    charter: Charter
    permanences: list[Permanence]
    slots: list[Slot]
    sessions: list[WidgetSession]
    has_online: bool


def widget(*, commune: Commune, now: dt.datetime) -> Widget:
    """A commune's permanences, its next free slots and its next open sessions (five
    queries: permanences, closures, appointments, sessions, charter)."""
    today = now.astimezone(PARIS).date()
    permanences = list(_current_permanences(today).filter(commune=commune))
    online = [p for p in permanences if p.online_booking]
    horizon = max((p.booking_window_days for p in online), default=0)
    slots = free_slots(
        online, date_from=today, date_to=today + dt.timedelta(days=horizon), now=now
    )[:WIDGET_SLOTS]
    sessions = (
        Session.objects.registration_targets()
        .open_for_registration(now)
        .filter(venue__commune=commune)
        .with_counts()
        .select_related("workshop", "venue__commune")
        .order_by("start", "pk")[:WIDGET_SESSIONS]
    )
    return Widget(
        commune=commune,
        charter=charter_for(commune.territory),
        permanences=permanences,
        slots=slots,
        sessions=[
            WidgetSession(
                session=s,
                day=day_label(s.start, year=False),
                hours=f"de {hour_label(s.start)} à {hour_label(s.end)}",
                places_left=s.places_left,
            )
            for s in sessions
        ],
        has_online=bool(online),
    )


# --- Posters -------------------------------------------------------------------------------


@dataclass
class PosterLine:
    """One permanence said plainly: « Le mercredi de 9h à 12h », the place, the room."""

    when: str
    place: str
    room: str
    address: str
    by_phone_only: bool


def commune_poster(*, commune: Commune, today: dt.date) -> list[PosterLine]:
    """The permanences of a commune, for its poster (one query)."""
    return [
        PosterLine(
            when=p.hours_label.capitalize(),
            place=p.venue.name,
            room=p.venue.room,
            address=p.venue.address,
            by_phone_only=not p.online_booking,
        )
        for p in _current_permanences(today).filter(commune=commune)
    ]


@dataclass
class SessionPoster:
    session: Session
    dates: list[tuple[str, str]]  # (day, hours)


def session_poster(*, pk: int) -> SessionPoster | None:
    """A session of a published workshop and the dates of its cycle (two queries)."""
    session = (
        Session.objects.filter(pk=pk, workshop__status=WorkshopStatus.PUBLISHED)
        .select_related("workshop__territory", "workshop__format", "venue__commune")
        .first()
    )
    if session is None:
        return None
    if session.cycle_group_id:
        cycle: Sequence[Session] = list(
            Session.objects.filter(cycle_group_id=session.cycle_group_id).order_by("start", "pk")
        )
    else:
        cycle = [session]
    return SessionPoster(
        session=session,
        dates=[
            (day_label(s.start), f"de {hour_label(s.start)} à {hour_label(s.end)}") for s in cycle
        ],
    )


def commune_url(commune: Commune) -> str:
    return territory_url(commune.territory_id, "public:commune", commune.slug)


def session_url(session: Session) -> str:
    return territory_url(
        session.workshop.territory_id, "public:session", session.cycle_group_id or session.pk
    )
