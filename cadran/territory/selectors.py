"""Read queries for the venue pages: a commune's venues, the venue changes and what they move.

Each function loads what a screen needs in a fixed number of queries, whatever the number
of rows, and starts from a ``visible_to(user)`` QuerySet where a user is involved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment, Permanence
from cadran.workshops.conditions import venue_shortfalls as format_shortfalls
from cadran.workshops.enums import ACTIVE_REGISTRATION_STATUSES, CANCELLED_SESSION_STATUSES
from cadran.workshops.models import Session

from . import identity, routing
from .models import (
    Commune,
    Territory,
    Venue,
    VenueChange,
    VenueChangeQuerySet,
    VenueChangeStatus,
)

# Who uses these pages: the commune's referents declare, the territory's staff decide.
DECLARE_ROLES = frozenset({Role.COMMUNE_REFERENT, *TERRITORY_ROLES})
DECIDE_ROLES = TERRITORY_ROLES
PAGE_ROLES = DECLARE_ROLES

# What a permanence needs (convention, art. 3 and 4): « des lieux municipaux, assurés »,
# « salubres, chauffés, connectés (WIFI) », and for individual appointments « un espace
# confidentiel ». Workshops add what their format needs (cadran.workshops.conditions).
PERMANENCE_NEEDS: list[tuple[str, str]] = [
    ("heated", "le lieu n'est pas chauffé"),
    ("wifi", "il n'y a pas de wifi"),
    ("insured", "le lieu n'est pas assuré"),
    ("confidential", "il n'y a pas de bureau fermé pour parler en privé"),
]


def has_role(user, roles) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in roles))


def paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)


# --- What a venue lacks ---------------------------------------------------------------------


@dataclass
class Shortfall:
    """One missing condition, and the interventions that need it."""

    missing: str
    needed_for: list[str] = field(default_factory=list)


def venue_shortfalls(
    venue: Venue, *, permanences: list[Permanence], sessions: list[Session]
) -> list[Shortfall]:
    """What ``venue`` lacks for the permanences and sessions that would move there."""
    found: dict[str, Shortfall] = {}

    def add(missing: str, what: str) -> None:
        shortfall = found.setdefault(missing, Shortfall(missing))
        if what not in shortfall.needed_for:
            shortfall.needed_for.append(what)

    for permanence in permanences:
        what = f"la permanence {permanence.hours_label}"
        for attribute, missing in PERMANENCE_NEEDS:
            if not getattr(venue, attribute):
                add(missing, what)
    for session in sessions:
        what = f"l'atelier « {session.workshop.title} »"
        for missing in format_shortfalls(session.workshop.format, venue):
            add(missing, what)
    return list(found.values())


# --- A commune's venues ---------------------------------------------------------------------


def declarable_communes(user):
    """Communes whose venues ``user`` may declare a change for."""
    communes = Commune.objects.visible_to(user)
    if not has_role(user, DECLARE_ROLES):
        return communes.none()
    return communes.order_by("name")


def commune_venues(communes) -> list[Commune]:
    """The communes with their venues and current permanences (3 queries)."""
    today = clock.today()
    return list(
        communes.prefetch_related(
            Prefetch("venues", queryset=Venue.objects.order_by("name")),
            Prefetch(
                "permanences",
                queryset=Permanence.objects.filter(
                    Q(valid_until__isnull=True) | Q(valid_until__gte=today)
                )
                .select_related("venue")
                .order_by("weekday", "start_time", "valid_from"),
            ),
        )
    )


# --- Venue changes ----------------------------------------------------------------------------


def _booked_after(change_field: str = "effective_date"):
    return Appointment.objects.filter(
        permanence__venue=OuterRef("old_venue"),
        start__date__gte=OuterRef(change_field),
        status=AppointmentStatus.BOOKED,
    )


def _count(qs) -> Coalesce:
    """``COUNT(*)`` of a correlated subquery, as a column (no GROUP BY)."""
    counted = qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def venue_changes(user) -> VenueChangeQuerySet:
    """Every change ``user`` may see, with ``pending_appointments`` and ``pending_sessions``:
    what a confirmation would move today (meaningful while the change is pending)."""
    sessions = (
        Session.objects.filter(
            venue=OuterRef("old_venue"), start__date__gte=OuterRef("effective_date")
        )
        .exclude(status__in=CANCELLED_SESSION_STATUSES)
        .filter(off_site_name="")
    )
    return (
        VenueChange.objects.visible_to(user)
        .with_related()
        .annotate(
            pending_appointments=_count(_booked_after()),
            pending_sessions=_count(sessions),
        )
    )


@dataclass
class Impact:
    """What a venue change moves: permanences, booked appointments, live sessions."""

    permanences: list[Permanence]
    appointments: list[Appointment]
    sessions: list[Session]
    shortfalls: list[Shortfall]

    @property
    def registrations_count(self) -> int:
        # ``people`` is annotated by :func:`impact`.
        return sum(getattr(s, "people", 0) for s in self.sessions)


def affected_permanences(change: VenueChange):
    return Permanence.objects.filter(venue_id=change.old_venue_id).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=change.effective_date)
    )


def affected_appointments(change: VenueChange):
    """Every appointment on a permanence of the old venue from the date on (any status)."""
    return Appointment.objects.filter(
        permanence__venue_id=change.old_venue_id,
        start__gte=paris_midnight(change.effective_date),
    )


def affected_sessions(change: VenueChange):
    """Live sessions at the old venue from the date on. An off-site (« hors les murs »)
    session is not held there: it stays where it is, attached to the old venue, and nobody
    registered is told anything (docs/lieux.md)."""
    return (
        Session.objects.filter(
            venue_id=change.old_venue_id, start__gte=paris_midnight(change.effective_date)
        )
        .exclude(status__in=CANCELLED_SESSION_STATUSES)
        .filter(off_site_name="")
    )


def impact(change: VenueChange) -> Impact:
    """What confirming ``change`` would move, and what the new venue lacks (4 queries)."""
    permanences = list(
        affected_permanences(change)
        .select_related("adviser")
        .order_by("weekday", "start_time", "pk")
    )
    appointments = list(
        affected_appointments(change)
        .filter(status=AppointmentStatus.BOOKED)
        .select_related("beneficiary")
        .order_by("start", "pk")
    )
    sessions = list(
        affected_sessions(change)
        .select_related("workshop__format")
        .annotate(
            people=Count(
                "cycle_group__registrations",
                filter=Q(cycle_group__registrations__status__in=ACTIVE_REGISTRATION_STATUSES),
                distinct=True,
            )
            + Count(
                "registrations",
                filter=Q(
                    cycle_group__isnull=True,
                    registrations__status__in=ACTIVE_REGISTRATION_STATUSES,
                ),
                distinct=True,
            )
        )
        .order_by("start", "pk")
    )
    return Impact(
        permanences=permanences,
        appointments=appointments,
        sessions=sessions,
        shortfalls=venue_shortfalls(change.new_venue, permanences=permanences, sessions=sessions),
    )


def status_label(change: VenueChange) -> str:
    return VenueChangeStatus(change.status).label


# --- Which territory a page belongs to ------------------------------------------------------


def set_current_territory(request, territory=None, *, territory_id: int | None = None) -> None:
    """A view that knows its territory (a commune's page) says so before rendering; with
    ``territory_id`` alone, the ``Territory`` row is loaded only if something asks for it."""
    if territory is not None:
        request.territory = territory
        territory_id = territory.pk
    request.territory_identity = identity.for_id(territory_id)


STAFF_PATHS = ("/espace/", "/admin/", "/compte/", "/api/")


def current_identity(request) -> identity.Identity:
    """The identity a page shows (no query once cached): ``request.territory`` when a view
    set it (a commune's page); on a staff page, the signed-in user's territory; else the
    territory of the address (its domain or ``/territoire/<slug>/``, or the install's only
    one: cadran.territory.routing); else the user's; else the product's (« Cadran »)."""
    cached = getattr(request, "territory_identity", None)
    if cached is not None:
        return cached
    territory = getattr(request, "territory", None)
    if territory is not None:
        found = identity.for_territory(territory)
    else:
        user = getattr(request, "user", None)
        user_territory = None
        if user is not None and user.is_authenticated:
            user_territory = getattr(user, "territory_id", None)
        site = routing.site_territory_id(request) if hasattr(request, "get_host") else None
        if user_territory and request.path_info.startswith(STAFF_PATHS):
            territory_id = user_territory
        else:
            territory_id = site or user_territory or identity.sole_territory_id()
        found = identity.for_id(territory_id)
    request.territory_identity = found
    return found


def current_territory(request):
    """The ``Territory`` of the page (see :func:`current_identity`), or None: reads
    ``request.territory`` when set, else resolves it and sets it."""
    territory = getattr(request, "territory", None)
    if territory is not None:
        return territory
    found = current_identity(request)
    territory = (
        Territory.objects.filter(pk=found.territory_id).first() if found.territory_id else None
    )
    request.territory = territory
    return territory
