"""When a permanence takes place: every week, every other week, or one weekday of the month.

The one place that knows the rule. Free slots, the booking check, the staff day page, the
board, the reports, the public pages, the posters, the widget, the iCalendar feeds and the
open data all ask a :class:`Recurrence` (through :class:`cadran.scheduling.slots.WeeklyRule`
or :attr:`Permanence.recurrence_rule`) rather than stepping seven days themselves.

- **weekly**: every ``weekday`` (what Cadran always did);
- **fortnightly**: the ``weekday`` of the weeks where ``(date − anchor) / 7`` is even, the
  anchor being the permanence's first date (so the anchor is an occurrence);
- **monthly**: the n-th ``weekday`` of the month (``1``…``4``: days 1–7, 8–14, 15–21,
  22–28), or the last one (``-1``: within the last seven days of the month). A fifth
  Tuesday is never a "fourth Tuesday"; it is the last one.

Validity (``valid_from``/``valid_until``) is not the recurrence's business: callers bound
the dates they ask for.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from .enums import Frequency

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
ORDINALS = {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", -1: "dernier"}
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
OSM_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEK = dt.timedelta(days=7)
# The longest gap between two occurrences of any rule: five weeks (a monthly rule).
LONGEST_GAP = dt.timedelta(days=35)


@dataclass(frozen=True, slots=True)
class Recurrence:
    weekday: int  # 0 = Monday, as ``date.weekday()``
    frequency: str = Frequency.WEEKLY
    anchor: dt.date | None = None  # fortnightly: one occurrence (the first)
    week_of_month: int | None = None  # monthly: 1..4, or -1 for the last

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, not {self.weekday!r}")
        if self.frequency not in Frequency.values:
            raise ValueError(f"unknown frequency {self.frequency!r}")
        if self.frequency == Frequency.FORTNIGHTLY and self.anchor is None:
            raise ValueError("a fortnightly recurrence needs its first date")
        if self.frequency == Frequency.MONTHLY and self.week_of_month not in ORDINALS:
            raise ValueError(f"week_of_month must be 1..4 or -1, not {self.week_of_month!r}")

    @property
    def is_weekly(self) -> bool:
        return self.frequency == Frequency.WEEKLY

    # --- Dates ---------------------------------------------------------------------------

    def occurs_on(self, day: dt.date) -> bool:
        if day.weekday() != self.weekday:
            return False
        if self.frequency == Frequency.FORTNIGHTLY:
            assert self.anchor is not None
            return ((day - self.anchor).days // 7) % 2 == 0
        if self.frequency == Frequency.MONTHLY:
            if self.week_of_month == -1:
                return (day + WEEK).month != day.month
            return (day.day - 1) // 7 + 1 == self.week_of_month
        return True

    def _in_month(self, year: int, month: int) -> dt.date:
        if self.week_of_month == -1:
            last = dt.date(year, month, calendar.monthrange(year, month)[1])
            return last - dt.timedelta(days=(last.weekday() - self.weekday) % 7)
        first = dt.date(year, month, 1)
        first += dt.timedelta(days=(self.weekday - first.weekday()) % 7)
        return first + (self.week_of_month - 1) * WEEK  # type: ignore[operator]

    def occurrences(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """The dates of the rule from ``start`` to ``end`` (both included), in order."""
        if start > end:
            return
        if self.frequency == Frequency.MONTHLY:
            year, month = start.year, start.month
            while (year, month) <= (end.year, end.month):
                day = self._in_month(year, month)
                if start <= day <= end:
                    yield day
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return
        day = start + dt.timedelta(days=(self.weekday - start.weekday()) % 7)
        step = WEEK
        if self.frequency == Frequency.FORTNIGHTLY:
            step = 2 * WEEK
            if not self.occurs_on(day):
                day += WEEK
        while day <= end:
            yield day
            day += step

    def count(self, start: dt.date, end: dt.date) -> int:
        """How many dates :meth:`occurrences` gives, without listing weekly ones."""
        if self.frequency == Frequency.MONTHLY:
            return sum(1 for _ in self.occurrences(start, end))
        first = next(self.occurrences(start, start + 2 * WEEK), None)
        if first is None or first > end:
            return 0
        step = 14 if self.frequency == Frequency.FORTNIGHTLY else 7
        return (end - first).days // step + 1

    def next_after(self, day: dt.date) -> dt.date:
        """The first date of the rule strictly after ``day``."""
        one = dt.timedelta(days=1)
        return next(self.occurrences(day + one, day + LONGEST_GAP))

    def previous_before(self, day: dt.date) -> dt.date:
        """The last date of the rule strictly before ``day``."""
        one = dt.timedelta(days=1)
        return list(self.occurrences(day - LONGEST_GAP, day - one))[-1]

    # --- Words ---------------------------------------------------------------------------

    def label_fr(self) -> str:
        """« le mercredi », « un vendredi sur deux », « le premier mardi du mois »."""
        day = DAYS[self.weekday]
        if self.frequency == Frequency.FORTNIGHTLY:
            return f"un {day} sur deux"
        if self.frequency == Frequency.MONTHLY:
            return f"le {ORDINALS[self.week_of_month]} {day} du mois"  # type: ignore[index]
        return f"le {day}"

    def osm_selectors(self, start: dt.date, end: dt.date) -> list[str]:
        """The OpenStreetMap ``opening_hours`` selectors of the rule, hours to be appended.

        Weekly ``Fr``, monthly ``Tu[1]`` or ``Th[-1]``: valid for ever. Fortnightly needs ISO
        week numbers, whose parity is the same all through one ISO year but flips after a
        year of 53 weeks; so the weeks are written per run of ISO years with the same parity,
        as a date range, for the ISO years from ``start`` to ``end``:
        ``2025 Dec 29-2027 Jan 03 week 01-53/2 Fr``.
        """
        day = OSM_DAYS[self.weekday]
        if self.frequency == Frequency.MONTHLY:
            return [f"{day}[{self.week_of_month}]"]
        if self.frequency != Frequency.FORTNIGHTLY:
            return [day]
        runs: list[list] = []  # [first Monday, last Sunday, first week with an occurrence]
        for year in range(start.isocalendar().year, end.isocalendar().year + 1):
            monday = dt.date.fromisocalendar(year, 1, 1)
            sunday = dt.date.fromisocalendar(year + 1, 1, 1) - dt.timedelta(days=1)
            week = 1 if self.occurs_on(dt.date.fromisocalendar(year, 1, self.weekday + 1)) else 2
            if runs and runs[-1][2] == week:
                runs[-1][1] = sunday
            else:
                runs.append([monday, sunday, week])
        return [
            f"{_osm_date(first)}-{_osm_date(last)} week {week:02d}-53/2 {day}"
            for first, last, week in runs
        ]


def first_weekday_from(day: dt.date, weekday: int) -> dt.date:
    """``day`` if it is that weekday, else the next such day (the default fortnightly anchor)."""
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _osm_date(day: dt.date) -> str:
    return f"{day.year} {OSM_MONTHS[day.month - 1]} {day.day:02d}"
