"""Reads for the public pages: a fixed number of queries whatever the number of rows.

Nothing here writes; nothing here knows about requests. Free slots come from
:func:`cadran.scheduling.slots.free_slots`, computed for every permanence of the page at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.db.models import Prefetch, Q

from cadran.core.clock import PARIS
from cadran.scheduling.models import Permanence
from cadran.scheduling.slots import Slot, free_slots, localize, parse_slot_id
from cadran.territory.models import Commune, Territory

# How many weeks the commune page shows at once.
WEEKS_SHOWN = 4
# Dates further than this from today are refused outright (no booking window is that long).
MAX_DAYS_AWAY = 3 * 366


def _horizon(permanences: Sequence[Permanence], today: dt.date) -> dt.date:
    """The last day anyone may book online, for these permanences."""
    days = max(
        (p.booking_window_days for p in permanences if p.online_booking),
        default=settings.CADRAN_BOOKING_WINDOW_DAYS,
    )
    return today + dt.timedelta(days=days)


def _current_permanences(today: dt.date):
    """Permanences still running (or about to start), with their venue."""
    return (
        Permanence.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("venue__commune")
        .order_by("weekday", "start_time", "pk")
    )


@dataclass
class PermanenceCard:
    permanence: Permanence
    next_slot: Slot | None = None


@dataclass
class CommuneCard:
    commune: Commune
    permanences: list[PermanenceCard] = field(default_factory=list)


def home_communes(*, now: dt.datetime, territory_id: int | None = None) -> list[CommuneCard]:
    """Every commune (of ``territory_id`` when given), with its permanences and the first
    free slot of each.

    Four queries: communes (with their territory), permanences (with their venue),
    then the closures and appointments read by ``free_slots``.
    """
    today = now.astimezone(PARIS).date()
    scope = Commune.objects.all()
    if territory_id is not None:
        scope = scope.filter(territory_id=territory_id)
    communes: list = list(
        scope.select_related("territory")
        .prefetch_related(
            Prefetch("permanences", queryset=_current_permanences(today), to_attr="current")
        )
        .order_by("territory__name", "name")
    )
    online = [p for c in communes for p in c.current if p.online_booking]
    first: dict[int, Slot] = {}
    for slot in free_slots(online, date_from=today, date_to=_horizon(online, today), now=now):
        first.setdefault(slot.permanence_id, slot)
    return [
        CommuneCard(
            commune=c,
            permanences=[PermanenceCard(p, first.get(p.pk)) for p in c.current],
        )
        for c in communes
    ]


def territories_of(cards: Sequence[CommuneCard]) -> list[Territory]:
    """The distinct territories of a list of communes, in order (no query)."""
    seen: dict[int, Territory] = {}
    for card in cards:
        seen.setdefault(card.commune.territory_id, card.commune.territory)
    return list(seen.values())


def week_start(value: str | None, *, today: dt.date) -> dt.date:
    """The Monday of the week asked for in ``?semaine=``; this week when absent or wrong."""
    this_monday = today - dt.timedelta(days=today.weekday())
    try:
        asked = dt.date.fromisoformat(value) if value else this_monday
    except ValueError:
        asked = this_monday
    asked = min(asked, today + dt.timedelta(days=MAX_DAYS_AWAY))
    monday = asked - dt.timedelta(days=asked.weekday())
    return max(monday, this_monday)


@dataclass
class SlotDay:
    day: dt.date
    slots: list[Slot]


@dataclass
class PermanenceSlots:
    permanence: Permanence
    days: list[SlotDay]


@dataclass
class CommuneSlots:
    permanences: list[PermanenceSlots]
    window_start: dt.date
    window_end: dt.date
    previous_week: dt.date | None
    next_week: dt.date | None
    next_slot: Slot | None  # the first free slot after the window, when the window has none
    has_online: bool
    horizon: dt.date  # the last day open to online booking

    @property
    def durations(self) -> list[str]:
        """The appointment lengths of these permanences, each once: ``["30 minutes"]``."""
        return list(dict.fromkeys(p.permanence.slot_duration_label for p in self.permanences))

    @property
    def beyond_horizon(self) -> bool:
        return self.window_start > self.horizon

    @property
    def is_empty(self) -> bool:
        return not any(p.days for p in self.permanences)

    @property
    def next_slot_week(self) -> dt.date | None:
        if self.next_slot is None:
            return None
        day = self.next_slot.local_start.date()
        return day - dt.timedelta(days=day.weekday())


def commune_slots(*, commune: Commune, monday: dt.date, now: dt.datetime) -> CommuneSlots:
    """Free slots of a commune for ``WEEKS_SHOWN`` weeks from ``monday``, by permanence and day.

    Three queries: the permanences (with their venue), then ``free_slots``'s two.
    """
    today = now.astimezone(PARIS).date()
    permanences = list(_current_permanences(today).filter(commune=commune))
    for permanence in permanences:
        permanence.commune = commune  # already loaded: no query per permanence
    online = [p for p in permanences if p.online_booking]
    horizon = _horizon(online, today)
    window_start = max(monday, today)
    window_end = monday + dt.timedelta(weeks=WEEKS_SHOWN) - dt.timedelta(days=1)
    slots = free_slots(online, date_from=window_start, date_to=horizon, now=now)
    shown = [s for s in slots if s.local_start.date() <= window_end]
    later = [s for s in slots if s.local_start.date() > window_end]
    by_permanence: list[PermanenceSlots] = []
    for permanence in permanences:
        mine = [s for s in shown if s.permanence_id == permanence.pk]
        days = [
            SlotDay(day=day, slots=list(group))
            for day, group in groupby(mine, key=lambda s: s.local_start.date())
        ]
        by_permanence.append(PermanenceSlots(permanence=permanence, days=days))
    this_monday = today - dt.timedelta(days=today.weekday())
    next_monday = monday + dt.timedelta(weeks=WEEKS_SHOWN)
    previous_monday = monday - dt.timedelta(weeks=WEEKS_SHOWN)
    return CommuneSlots(
        permanences=by_permanence,
        window_start=window_start,
        window_end=window_end,
        previous_week=max(previous_monday, this_monday) if monday > this_monday else None,
        next_week=next_monday if next_monday <= horizon else None,
        next_slot=later[0] if later and not shown else None,
        has_online=bool(online),
        horizon=horizon,
    )


@dataclass
class SlotChoice:
    """A slot as the booking form shows it; whether it is still free is the service's call."""

    id: str
    permanence: Permanence
    start: dt.datetime
    end: dt.datetime


def slot_of_commune(*, commune: Commune, slot_id: str, today: dt.date) -> SlotChoice | None:
    """The slot behind an id, if its permanence belongs to this commune (one query)."""
    try:
        permanence_id, start = parse_slot_id(slot_id)
    except (ValueError, OverflowError):  # OverflowError: year 1 cannot be turned into UTC
        return None
    if abs(start.date() - today) > dt.timedelta(days=MAX_DAYS_AWAY):
        return None  # far outside any booking window (and away from the calendar's edges)
    permanence = (
        Permanence.objects.select_related("venue").filter(pk=permanence_id, commune=commune).first()
    )
    if permanence is None:
        return None
    permanence.commune = commune
    naive_end = start.replace(tzinfo=None) + dt.timedelta(minutes=permanence.slot_minutes)
    end = localize(naive_end) or start + dt.timedelta(minutes=permanence.slot_minutes)
    return SlotChoice(id=slot_id, permanence=permanence, start=start, end=end)


def residence_choices(*, territory_id: int) -> list[tuple[str, str]]:
    """The territory's communes (INSEE code, name), for "where do you live?"."""
    return list(
        Commune.objects.filter(territory_id=territory_id)
        .order_by("name")
        .values_list("insee_code", "name")
    )


def all_territories() -> list[Territory]:
    return list(Territory.objects.order_by("name"))


@dataclass
class AddressTerritories:
    """The territory a public page without commune is about, and those it may offer.

    ``territory`` is the one of the address (its domain, its ``/territoire/<slug>/``
    prefix, the install's only one) or the one named by ``?territoire=`` on a shared
    address; None means the page asks which (``offered`` then lists them all)."""

    territory: Territory | None
    offered: list[Territory]

    @property
    def must_ask(self) -> bool:
        return self.territory is None and len(self.offered) > 1


def address_territories(site_territory_id: int | None, asked_slug: str = "") -> AddressTerritories:
    """One query. On a territory's own address, only that territory exists for the page;
    on the install's shared address, every territory, ``asked_slug`` choosing one."""
    if site_territory_id is not None:
        found = Territory.objects.filter(pk=site_territory_id).first()
        return AddressTerritories(found, [found] if found else [])
    territories = all_territories()
    chosen = next((t for t in territories if asked_slug and t.slug == asked_slug), None)
    if chosen is None and len(territories) == 1:
        chosen = territories[0]
    return AddressTerritories(chosen, territories)
