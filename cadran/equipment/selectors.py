"""Reads about equipment and loans, for the pages, the workshops and the reports.

- :func:`printer_booked_for`: is a 3D printer booked for a session's commune and dates?
- :func:`sessions_missing_printer`: upcoming 3D-printer sessions without one (a warning).
- :func:`loan_history`: a commune's loans, for its report (issue [4]).
- :func:`month_calendar`: an item's loans laid out on a month grid.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import TruncDate

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core.clock import PARIS
from cadran.territory.models import Commune, Venue

from .enums import BOOKED_LOAN_STATUSES, EquipmentKind
from .models import Equipment, Loan, LoanQuerySet

# Every role of the staff sees the equipment of its territory (to plan with it).
VIEW_ROLES = frozenset(Role)
# Who may ask for a loan: the service and the coordination for anyone, a referent for
# their commune, a librarian for their library.
REQUEST_ROLES = frozenset(
    {Role.CULTURE_SERVICE, Role.COORDINATOR, Role.COMMUNE_REFERENT, Role.LIBRARIAN}
)
# Who decides: approve, hand over, take back, set the item's state.
MANAGER_ROLES = TERRITORY_ROLES


def has_role(user, roles: Iterable[str]) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in roles))


def _paris_date(value: dt.datetime) -> dt.date:
    return value.astimezone(PARIS).date()


# --- 3D printers and sessions ------------------------------------------------------------


def printer_booked_for(
    *, venue_or_commune: Venue | Commune, start: dt.datetime, end: dt.datetime
) -> bool:
    """True when a 3D printer is lent (accepted or already collected) to the commune of
    ``venue_or_commune`` for every day from ``start`` to ``end`` (Paris dates)."""
    commune_id = (
        venue_or_commune.commune_id if isinstance(venue_or_commune, Venue) else venue_or_commune.pk
    )
    return (
        Loan.objects.booked()
        .filter(
            commune_id=commune_id,
            equipment__kind=EquipmentKind.PRINTER_3D,
            start_date__lte=_paris_date(start),
            end_date__gte=_paris_date(end),
        )
        .exists()
    )


def sessions_missing_printer(*, territory_id: int, now: dt.datetime) -> QuerySet:
    """Upcoming sessions of a format that needs a 3D printer, still taking place, with no
    printer booked for their commune and day: one query, whatever their number."""
    from cadran.workshops.enums import LIVE_SESSION_STATUSES
    from cadran.workshops.models import Session

    covering = Loan.objects.filter(
        status__in=BOOKED_LOAN_STATUSES,
        equipment__kind=EquipmentKind.PRINTER_3D,
        commune_id=OuterRef("venue__commune_id"),
        start_date__lte=OuterRef("start_day"),
        end_date__gte=OuterRef("end_day"),
    )
    return (
        Session.objects.filter(
            workshop__territory_id=territory_id,
            workshop__format__needs_3d_printer=True,
            status__in=LIVE_SESSION_STATUSES,
            start__gte=now,
        )
        .annotate(
            start_day=TruncDate("start", tzinfo=PARIS), end_day=TruncDate("end", tzinfo=PARIS)
        )
        .exclude(Exists(covering))
        .select_related("workshop", "venue__commune")
        .order_by("start", "pk")
    )


# --- Loans -----------------------------------------------------------------------------------


def loan_history(commune: Commune) -> LoanQuerySet:
    """Every loan to the commune (and its libraries), newest first, cancelled included:
    what the commune's report lists (issue [4])."""
    return Loan.objects.for_commune(commune).with_related().order_by("-start_date", "-pk")


def item_loans(equipment: Equipment, *, first: dt.date, last: dt.date) -> LoanQuerySet:
    """The item's loans that hold a day between ``first`` and ``last``."""
    return (
        Loan.objects.filter(equipment=equipment)
        .holding()
        .overlapping(first, last)
        .select_related("commune", "library")
        .order_by("start_date")
    )


@dataclass
class Day:
    date: dt.date
    in_month: bool
    loans: list[Loan] = field(default_factory=list)

    @property
    def is_busy(self) -> bool:
        return bool(self.loans)


@dataclass
class MonthCalendar:
    month: dt.date  # the first of the month
    weeks: list[list[Day]]
    loans: list[Loan]

    @property
    def previous(self) -> dt.date:
        return (self.month - dt.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> dt.date:
        return (self.month + dt.timedelta(days=32)).replace(day=1)


def month_calendar(equipment: Equipment, month: dt.date) -> MonthCalendar:
    """The month of ``month`` as weeks (Monday first) with each day's loans: one query."""
    first = month.replace(day=1)
    weeks_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    grid_first, grid_last = weeks_dates[0][0], weeks_dates[-1][-1]
    loans = list(item_loans(equipment, first=grid_first, last=grid_last))
    weeks = [
        [
            Day(
                date=day,
                in_month=day.month == first.month,
                loans=[loan for loan in loans if loan.start_date <= day <= loan.end_date],
            )
            for day in week
        ]
        for week in weeks_dates
    ]
    return MonthCalendar(month=first, weeks=weeks, loans=loans)
