"""Slots are computed, never stored.

A permanence's occurrences (weekly, fortnightly or monthly: :mod:`.recurrence`), cut into slots, minus public holidays, closures and
active appointments, in Europe/Paris wall-clock time (so 9h stays 9h across daylight-saving
changes), never before the minimum notice nor beyond the booking window.

The pure part (:func:`compute_free_slots`) knows nothing of the database, so hypothesis can
check it; :func:`free_slots` loads what it needs in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cadran.core.clock import PARIS

from .calendars import public_holidays
from .enums import Frequency
from .recurrence import Recurrence, first_weekday_from

Interval = tuple[dt.datetime, dt.datetime]

# An appointment is one slot: at most 240 minutes (an hour more across a DST change).
MAX_APPOINTMENT_SPAN = dt.timedelta(days=1)

SLOT_ID_RE = re.compile(r"([0-9]{1,12})-([0-9]{12})")


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """A permanence's hours, validity and recurrence (every week unless told otherwise)."""

    weekday: int
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    valid_from: dt.date
    valid_until: dt.date | None = None
    frequency: str = Frequency.WEEKLY
    anchor: dt.date | None = None  # fortnightly: the first date
    week_of_month: int | None = None  # monthly: 1..4 or -1 (the last)

    @classmethod
    def of(cls, permanence) -> WeeklyRule:
        recurrence = permanence.recurrence_rule
        return cls(
            weekday=permanence.weekday,
            start_time=permanence.start_time,
            end_time=permanence.end_time,
            slot_minutes=permanence.slot_minutes,
            valid_from=permanence.valid_from,
            valid_until=permanence.valid_until,
            frequency=recurrence.frequency,
            anchor=recurrence.anchor,
            week_of_month=recurrence.week_of_month,
        )

    @property
    def recurrence(self) -> Recurrence:
        anchor = self.anchor
        if self.frequency == Frequency.FORTNIGHTLY and anchor is None:
            # No first date given: the first weekday of the validity.
            anchor = first_weekday_from(self.valid_from, self.weekday)
        return Recurrence(
            weekday=self.weekday,
            frequency=self.frequency,
            anchor=anchor,
            week_of_month=self.week_of_month,
        )

    def occurs_on(self, day: dt.date) -> bool:
        """Whether ``day`` is an occurrence: within the validity and on the rule."""
        if day < self.valid_from or (self.valid_until is not None and day > self.valid_until):
            return False
        return self.recurrence.occurs_on(day)


@dataclass(frozen=True, slots=True)
class Slot:
    permanence_id: int
    start: dt.datetime
    end: dt.datetime

    @property
    def id(self) -> str:
        return make_slot_id(self.permanence_id, self.start)

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(PARIS)

    @property
    def local_end(self) -> dt.datetime:
        return self.end.astimezone(PARIS)


def make_slot_id(permanence_id: int, start: dt.datetime) -> str:
    return f"{permanence_id}-{start.astimezone(PARIS):%Y%m%d%H%M}"


def parse_slot_id(slot_id: str) -> tuple[int, dt.datetime]:
    """Return (permanence id, aware start) or raise ValueError."""
    match = SLOT_ID_RE.fullmatch(slot_id) if isinstance(slot_id, str) else None
    if not match:
        raise ValueError("Ce créneau n'existe pas.")
    try:
        naive = dt.datetime.strptime(match.group(2), "%Y%m%d%H%M")
    except ValueError:
        # 13th month, 31 February…: the id was typed or tampered with.
        raise ValueError("Ce créneau n'existe pas.") from None
    if not 2000 <= naive.year <= 2999:
        # Year 1 or 9999 would overflow once converted to UTC.
        raise ValueError("Ce créneau n'existe pas.")
    start = localize(naive)
    if start is None:
        raise ValueError("Ce créneau n'existe pas.")
    return int(match.group(1)), start


def localize(naive: dt.datetime) -> dt.datetime | None:
    """Paris wall-clock time to an aware datetime; None when that time does not exist (DST gap)."""
    aware = naive.replace(tzinfo=PARIS)
    if aware.astimezone(dt.UTC).astimezone(PARIS).replace(tzinfo=None) != naive:
        return None
    return aware


def occurrence_dates(rule: WeeklyRule, date_from: dt.date, date_to: dt.date) -> Iterator[dt.date]:
    """The dates of the rule's occurrences between two dates (inclusive), within its validity."""
    first = max(date_from, rule.valid_from)
    last = min(date_to, rule.valid_until) if rule.valid_until else date_to
    yield from rule.recurrence.occurrences(first, last)


def occurrence_slots(rule: WeeklyRule, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The slots of one occurrence, as aware Paris datetimes."""
    step = dt.timedelta(minutes=rule.slot_minutes)
    cursor = dt.datetime.combine(day, rule.start_time)
    stop = dt.datetime.combine(day, rule.end_time)
    while cursor + step <= stop:
        start, end = localize(cursor), localize(cursor + step)
        if start is not None and end is not None and end > start:
            yield start, end
        cursor += step


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def compute_free_slots(
    *,
    permanence_id: int,
    rule: WeeklyRule,
    date_from: dt.date,
    date_to: dt.date,
    busy: Iterable[Interval] = (),
    closed_days: Iterable[dt.date] = (),
    earliest: dt.datetime | None = None,
    latest: dt.datetime | None = None,
) -> list[Slot]:
    """Free slots of one permanence between two dates (inclusive), in time order.

    ``busy`` holds closures and active appointments (any overlap removes a slot);
    ``closed_days`` the public holidays; ``earliest``/``latest`` bound the slot start.
    """
    blocked = _merge(busy)
    closed = set(closed_days)
    free: list[Slot] = []
    i = 0
    for day in occurrence_dates(rule, date_from, date_to):
        if day in closed:
            continue
        for start, end in occurrence_slots(rule, day):
            if earliest is not None and start < earliest:
                continue
            if latest is not None and start > latest:
                return free
            # Blocked intervals are sorted and disjoint; skip those that end before this slot.
            while i < len(blocked) and blocked[i][1] <= start:
                i += 1
            if i < len(blocked) and blocked[i][0] < end:
                continue
            free.append(Slot(permanence_id, start, end))
    return free


def day_bounds(date_from: dt.date, date_to: dt.date) -> Interval:
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=PARIS)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=PARIS)
    return start, end


def free_slots(
    permanences: Sequence,
    *,
    date_from: dt.date,
    date_to: dt.date,
    now: dt.datetime,
    for_staff: bool = False,
) -> list[Slot]:
    """Free slots of several permanences, in time order, in three queries whatever the size.

    The public is bound by each permanence's minimum notice and booking window; staff can
    book any slot that has not started yet.
    """
    from cadran.territory.models import Commune

    from .models import Appointment, Closure

    if not permanences or date_from > date_to:
        return []
    range_start, range_end = day_bounds(date_from, date_to)
    perm_ids = [p.pk for p in permanences]
    # A subquery rather than ``p.commune.territory_id``: the count of queries must not
    # depend on whether the caller loaded each permanence's commune.
    territory_ids = Commune.objects.filter(pk__in={p.commune_id for p in permanences}).values(
        "territory_id"
    )

    closures = list(
        Closure.objects.filter(territory_id__in=territory_ids)
        .overlapping(range_start, range_end)
        .values_list("commune_id", "venue_id", "adviser_id", "start", "end")
    )
    busy: dict[int, list[Interval]] = defaultdict(list)
    for perm_id, start, end in (
        Appointment.objects.active()
        .filter(
            permanence_id__in=perm_ids,
            start__lt=range_end,
            end__gt=range_start,
            # Redundant but indexable: without a lower bound on ``start`` the database reads
            # every past appointment of these permanences, and the cost grows with history.
            start__gte=range_start - MAX_APPOINTMENT_SPAN,
        )
        .values_list("permanence_id", "start", "end")
        .iterator(chunk_size=5000)
    ):
        busy[perm_id].append((start, end))
    closed_days = set(public_holidays(date_from, date_to))

    slots: list[Slot] = []
    for perm in permanences:
        perm_busy = busy[perm.pk]
        for commune_id, venue_id, adviser_id, start, end in closures:
            if (
                (commune_id is None or commune_id == perm.commune_id)
                and (venue_id is None or venue_id == perm.venue_id)
                and (adviser_id is None or adviser_id == perm.adviser_id)
            ):
                perm_busy.append((start, end))
        if for_staff:
            earliest, latest = now, None
        else:
            earliest = now + dt.timedelta(minutes=perm.min_notice_minutes)
            latest = now + dt.timedelta(days=perm.booking_window_days)
        slots.extend(
            compute_free_slots(
                permanence_id=perm.pk,
                rule=WeeklyRule.of(perm),
                date_from=date_from,
                date_to=date_to,
                busy=perm_busy,
                closed_days=closed_days,
                earliest=earliest,
                latest=latest,
            )
        )
    slots.sort(key=lambda s: (s.start, s.permanence_id))
    return slots
