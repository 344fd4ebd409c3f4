"""Coverage of the territory, commune by commune: the figures a Service Culture needs to
balance two advisers across eight communes.

For one month:

- **hours offered**: the permanences' weekly occurrences, minus public holidays and the
  part closures cover (the rule of the reports, :func:`offered_minutes_by`);
- **hours per 1,000 inhabitants**: the same, for the commune's population;
- **slots used**: active appointments (booked, seen, absent) out of the slots that were
  open (not closed by a holiday or a closure);
- **no-shows**: appointments marked « absent » out of those whose attendance is known
  (« venu » or « absent »);

and, today, the **waiting time to the next free slot** as the public sees it (minimum
notice and booking window of each permanence).

Eight queries, whatever the number of communes, permanences and appointments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from cadran.core import clock
from cadran.reporting.selectors import Period, offered_minutes_by
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment, Closure, Permanence
from cadran.scheduling.selectors import summarize_occurrences
from cadran.scheduling.slots import free_slots
from cadran.territory.models import Commune

from .selectors import period_of


@dataclass
class CommuneCoverage:
    commune: Commune
    minutes: int = 0
    open_slots: int = 0
    used_slots: int = 0
    seen: int = 0
    noshow: int = 0
    next_free: dt.datetime | None = None
    now: dt.datetime | None = None

    @property
    def population(self) -> int | None:
        return self.commune.population

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def per_thousand(self) -> float | None:
        if not self.population:
            return None
        return round(self.minutes / 60 * 1000 / self.population, 2)

    @property
    def wait_days(self) -> float | None:
        if self.next_free is None or self.now is None:
            return None
        return round((self.next_free - self.now).total_seconds() / 86400, 1)

    @property
    def use_rate(self) -> int | None:
        """Percentage of open slots that are taken."""
        if not self.open_slots:
            return None
        return round(100 * self.used_slots / self.open_slots)

    @property
    def noshow_rate(self) -> int | None:
        known = self.seen + self.noshow
        if not known:
            return None
        return round(100 * self.noshow / known)


@dataclass
class Coverage:
    period: Period
    now: dt.datetime
    rows: list[CommuneCoverage]
    horizon_days: int

    @property
    def total(self) -> CommuneCoverage:
        total = CommuneCoverage(commune=Commune(name="Tout le territoire"), now=self.now)
        population = 0
        for row in self.rows:
            total.minutes += row.minutes
            total.open_slots += row.open_slots
            total.used_slots += row.used_slots
            total.seen += row.seen
            total.noshow += row.noshow
            population += row.population or 0
            if row.next_free and (total.next_free is None or row.next_free < total.next_free):
                total.next_free = row.next_free
        total.commune.population = population or None
        return total


def coverage(*, territory_id: int, month: dt.date, now: dt.datetime | None = None) -> Coverage:
    now = now or clock.now()
    today = clock.paris(now).date()
    first, last = period_of("month", month)
    period = Period(first, last)
    communes = list(Commune.objects.filter(territory_id=territory_id).order_by("name", "pk"))
    rows = {c.pk: CommuneCoverage(commune=c, now=now) for c in communes}
    # One list of permanences for the month and for the public's booking window: every
    # helper below keeps only the occurrences within each permanence's own validity.
    permanences = list(
        Permanence.objects.filter(commune__territory_id=territory_id)
        .select_related("commune")
        .order_by("pk")
    )
    horizon = max((p.booking_window_days for p in permanences), default=0)
    start, end = period.bounds()
    closures = list(
        Closure.objects.filter(territory_id=territory_id)
        .overlapping(start, end)
        .only("commune_id", "venue_id", "adviser_id", "start", "end", "territory_id")
        .order_by()
    )
    in_month = [p for p in permanences if _active(p, first, last)]
    commune_of = {p.pk: p.commune_id for p in in_month}
    for perm_id, minutes in offered_minutes_by(period, in_month, closures).items():
        rows[commune_of[perm_id]].minutes += minutes
    for summary in summarize_occurrences(in_month, date_from=first, date_to=last, now=now):
        row = rows[summary.permanence.commune_id]
        row.open_slots += summary.offered - summary.closed
        row.used_slots += summary.booked
    for commune_id, seen, noshow in (
        Appointment.objects.filter(
            permanence__commune__territory_id=territory_id, start__gte=start, start__lt=end
        )
        .values_list("permanence__commune_id")
        .annotate(
            seen=Count("pk", filter=Q(status=AppointmentStatus.SEEN)),
            noshow=Count("pk", filter=Q(status=AppointmentStatus.NOSHOW)),
        )
        .values_list("permanence__commune_id", "seen", "noshow")
        .order_by()
    ):
        rows[commune_id].seen += seen
        rows[commune_id].noshow += noshow
    bookable = [p for p in permanences if _active(p, today, today + dt.timedelta(days=horizon))]
    by_perm = {p.pk: p for p in bookable}
    first_free: dict[int, dt.datetime] = {}
    for slot in free_slots(
        bookable, date_from=today, date_to=today + dt.timedelta(days=horizon), now=now
    ):
        first_free.setdefault(by_perm[slot.permanence_id].commune_id, slot.start)
    for commune_id, start_at in first_free.items():
        rows[commune_id].next_free = start_at
    return Coverage(period=period, now=now, rows=list(rows.values()), horizon_days=horizon)


def _active(perm: Permanence, first: dt.date, last: dt.date) -> bool:
    return perm.valid_from <= last and (perm.valid_until is None or perm.valid_until >= first)
