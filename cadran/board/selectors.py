"""The board's reads: everything of a territory over a week or a month, in a fixed number
of queries whatever the number of communes, advisers, sessions and appointments.

:func:`load_board` makes nine queries (communes, advisers, permanences, appointments,
closures, sessions with their counts, their advisers, loans, travel times); the rest is
computed in memory: occurrences, their counts, the conflicts (:mod:`cadran.board.conflicts`)
and the grid (:func:`build_grid`). Nothing here holds an inhabitant's name.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.core import clock
from cadran.core.clock import paris
from cadran.equipment.enums import BOOKED_LOAN_STATUSES, EquipmentKind
from cadran.equipment.models import Loan
from cadran.notifications.formatting import DAYS, MONTHS
from cadran.scheduling.calendars import public_holidays
from cadran.scheduling.enums import ACTIVE_STATUSES
from cadran.scheduling.models import Appointment, Closure, Permanence
from cadran.scheduling.slots import WeeklyRule, day_bounds, localize, occurrence_dates
from cadran.scheduling.slots import occurrence_slots as slots_of
from cadran.territory.models import Commune
from cadran.workshops.enums import PLACE_HOLDING_STATUSES
from cadran.workshops.models import Registration, Session

from .conflicts import (
    ClosureEntry,
    Conflict,
    LoanEntry,
    Occurrence,
    SessionEntry,
    TravelMatrix,
    conflicts_by_key,
    find_conflicts,
)
from .models import TravelTime

WEEK = "week"
MONTH = "month"
ROWS_ADVISERS = "advisers"
ROWS_COMMUNES = "communes"
KIND_PERMANENCES = "permanences"


def default_travel_minutes() -> int:
    return int(getattr(settings, "CADRAN_DEFAULT_TRAVEL_MINUTES", 20))


# --- Periods -------------------------------------------------------------------------------


def period_of(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday to Sunday) or the month that holds ``day``."""
    if view == MONTH:
        first = day.replace(day=1)
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def shift(view: str, day: dt.date, steps: int) -> dt.date:
    """The first day of the week or month ``steps`` away."""
    first, _ = period_of(view, day)
    if view == MONTH:
        index = first.year * 12 + first.month - 1 + steps
        return dt.date(index // 12, index % 12 + 1, 1)
    return first + dt.timedelta(weeks=steps)


def period_label(view: str, date_from: dt.date, date_to: dt.date) -> str:
    if view == MONTH:
        return f"{MONTHS[date_from.month - 1]} {date_from.year}"
    return (
        f"semaine du {date_from.day} {MONTHS[date_from.month - 1]} au "
        f"{date_to.day} {MONTHS[date_to.month - 1]} {date_to.year}"
    )


# --- Loading -------------------------------------------------------------------------------


@dataclass
class Board:
    territory_id: int
    date_from: dt.date
    date_to: dt.date
    now: dt.datetime
    communes: list[Commune]
    advisers: list[User]
    occurrences: list[Occurrence]
    sessions: list[SessionEntry]
    closures: list[ClosureEntry]
    loans: list[LoanEntry]
    holidays: dict[dt.date, str]
    travel: TravelMatrix
    conflicts: list[Conflict] = field(default_factory=list)


def travel_matrix(territory_id: int) -> TravelMatrix:
    pairs = {
        (a, b): minutes
        for a, b, minutes in TravelTime.objects.filter(territory_id=territory_id).values_list(
            "from_commune_id", "to_commune_id", "minutes"
        )
    }
    return TravelMatrix(pairs=pairs, default=default_travel_minutes())


def _closure_entry(closure: Closure) -> ClosureEntry:
    return ClosureEntry(
        closure_id=closure.pk,
        commune_id=closure.commune_id,
        venue_id=closure.venue_id,
        venue_commune_id=closure.venue.commune_id if closure.venue is not None else None,
        adviser_id=closure.adviser_id,
        start=closure.start,
        end=closure.end,
        reason=closure.reason,
        scope_label=closure.scope_label,
    )


def _occurrences(
    permanences: Sequence[Permanence],
    *,
    date_from: dt.date,
    date_to: dt.date,
    closures: Sequence[ClosureEntry],
    held: dict[tuple[int, dt.datetime], int],
    holidays: dict[dt.date, str],
    now: dt.datetime,
) -> list[Occurrence]:
    """Every occurrence with its slot counts (the rules of the staff calendar: a slot is
    booked when an active appointment holds it, closed when a holiday or a closure covers
    it, free when neither and not started)."""
    found: list[Occurrence] = []
    for perm in permanences:
        rule = WeeklyRule.of(perm)
        for day in occurrence_dates(rule, date_from, date_to):
            start = localize(dt.datetime.combine(day, perm.start_time))
            end = localize(dt.datetime.combine(day, perm.end_time))
            if start is None or end is None:
                continue
            arrival = perm.adviser_arrival_time
            busy = localize(dt.datetime.combine(day, arrival)) if arrival else None
            occ = Occurrence(
                permanence_id=perm.pk,
                commune_id=perm.commune_id,
                commune_name=perm.commune.name,
                venue_id=perm.venue_id,
                venue_name=perm.venue.name,
                adviser_id=perm.adviser_id,
                adviser_name=str(perm.adviser),
                day=day,
                start=start,
                end=end,
                busy_start=busy if busy is not None and busy < start else start,
                holiday=holidays.get(day, ""),
            )
            covering = [c for c in closures if c.applies_to_permanence(occ)]
            for slot_start, slot_end in slots_of(rule, day):
                occ.offered += 1
                closed_by = [c for c in covering if c.covers(slot_start, slot_end)]
                for closure in closed_by:
                    if closure.reason not in occ.closed_reasons:
                        occ.closed_reasons.append(closure.reason)
                appointment_id = held.get((perm.pk, slot_start))
                if appointment_id is not None:
                    occ.booked += 1
                    occ.appointments.append((appointment_id, slot_start))
                elif occ.holiday or closed_by:
                    occ.closed_slots += 1
                elif slot_start > now:
                    occ.free += 1
            found.append(occ)
    found.sort(key=lambda o: (o.start, o.commune_name, o.permanence_id))
    return found


def _printer_booked(loans: Iterable[LoanEntry], commune_id: int, first: dt.date, last: dt.date):
    return any(
        loan.booked
        and loan.is_printer
        and loan.commune_id == commune_id
        and loan.start_date <= first
        and loan.end_date >= last
        for loan in loans
    )


def session_entry(
    session: Session,
    *,
    confirmed: int,
    loans: Sequence[LoanEntry],
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    venue=None,
) -> SessionEntry:
    """What the board knows of a session (``start``, ``end``, ``venue``: a move to check).

    An off-site session stays off-site when it keeps its venue (``move_session`` brings it
    back to a registered venue otherwise): it is then shown at its own place.
    Needs ``workshop__format``, ``venue__commune`` and the advisers loaded."""
    start = start or session.start
    end = end or session.end
    venue = venue or session.venue
    off_site = session.is_off_site and venue.pk == session.venue_id
    fmt = session.workshop.format
    advisers = sorted(session.advisers.all(), key=lambda u: (u.last_name, u.first_name, u.pk))
    return SessionEntry(
        session_id=session.pk,
        title=session.workshop.title,
        format_id=fmt.pk,
        format_name=fmt.name,
        commune_id=venue.commune_id,
        commune_name=venue.commune.name,
        venue_id=venue.pk,
        venue_name=session.off_site_name if off_site else venue.name,
        adviser_ids=tuple(a.pk for a in advisers),
        adviser_names=tuple(str(a) for a in advisers),
        start=start,
        end=end,
        status=session.status,
        status_label=session.get_status_display(),
        is_target=session.is_registration_target,
        confirmed=confirmed,
        min_attendance=session.min_attendance,
        capacity=session.capacity,
        decision_at=session.decision_at,
        fmt=fmt,
        venue=venue,
        needs_printer=fmt.needs_3d_printer,
        printer_booked=(
            not fmt.needs_3d_printer
            or _printer_booked(loans, venue.commune_id, paris(start).date(), paris(end).date())
        ),
        off_site=off_site,
    )


def _sessions_with_counts(territory_id: int, start: dt.datetime, end: dt.datetime, exclude=()):
    """Sessions of the territory over the period, each with ``confirmed``: the places
    taken on what people register for (the cycle's first session). Two queries."""
    taken = (
        Registration.objects.filter(
            session_id=OuterRef("target_id"), status__in=PLACE_HOLDING_STATUSES
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        Session.objects.filter(workshop__territory_id=territory_id)
        .between(start, end)
        .exclude(pk__in=list(exclude))
        .annotate(target_id=Coalesce(F("cycle_group_id"), F("pk")))
        .annotate(confirmed=Coalesce(Subquery(taken), Value(0)))
        .select_related("workshop__format", "venue__commune")
        .prefetch_related(
            Prefetch("advisers", queryset=User.objects.order_by("last_name", "first_name", "pk"))
        )
        .order_by("start", "pk")
    )


def _loan_entry(loan: Loan) -> LoanEntry:
    return LoanEntry(
        loan_id=loan.pk,
        commune_id=loan.commune_id,
        equipment_name=loan.equipment.name,
        is_printer=loan.equipment.kind == EquipmentKind.PRINTER_3D,
        start_date=loan.start_date,
        end_date=loan.end_date,
        status=loan.status,
        status_label=loan.get_status_display(),
        borrower_label=loan.borrower_label,
        booked=loan.status in BOOKED_LOAN_STATUSES,
    )


def load_board(
    *,
    territory_id: int,
    date_from: dt.date,
    date_to: dt.date,
    now: dt.datetime | None = None,
    exclude_session_ids: Iterable[int] = (),
    with_conflicts: bool = True,
    with_rows: bool = True,
) -> Board:
    """Everything of the territory between two Paris dates (inclusive): nine queries
    (seven without ``with_rows``: the communes and advisers are for the grid's rows)."""
    now = now or clock.now()
    range_start, range_end = day_bounds(date_from, date_to)
    communes: list[Commune] = []
    advisers: list[User] = []
    if with_rows:
        communes = list(Commune.objects.filter(territory_id=territory_id).order_by("name", "pk"))
        advisers = list(
            User.objects.filter(
                territory_id=territory_id, role=Role.ADVISER, is_active=True
            ).order_by("last_name", "first_name", "pk")
        )
    permanences = list(
        Permanence.objects.filter(commune__territory_id=territory_id)
        .active_between(date_from, date_to)
        .with_related()
        .order_by("commune__name", "weekday", "start_time", "pk")
    )
    held = {
        (perm_id, start): pk
        for pk, perm_id, start in Appointment.objects.filter(
            permanence__commune__territory_id=territory_id,
            status__in=ACTIVE_STATUSES,
            start__gte=range_start,
            start__lt=range_end,
        )
        .order_by()
        .values_list("pk", "permanence_id", "start")
    }
    closures = [
        _closure_entry(c)
        for c in Closure.objects.filter(territory_id=territory_id)
        .overlapping(range_start, range_end)
        .select_related("commune", "venue", "adviser")
        .order_by("start", "pk")
    ]
    loans = [
        _loan_entry(loan)
        for loan in Loan.objects.filter(equipment__territory_id=territory_id)
        .holding()
        .overlapping(date_from, date_to)
        .select_related("equipment", "commune", "library")
        .order_by("start_date", "pk")
    ]
    sessions = [
        session_entry(s, confirmed=s.confirmed, loans=loans)
        for s in _sessions_with_counts(territory_id, range_start, range_end, exclude_session_ids)
    ]
    holidays = public_holidays(date_from, date_to)
    occurrences = _occurrences(
        permanences,
        date_from=date_from,
        date_to=date_to,
        closures=closures,
        held=held,
        holidays=holidays,
        now=now,
    )
    if with_rows:
        known = {a.pk for a in advisers}
        for perm in permanences:
            if perm.adviser_id not in known:
                advisers.append(perm.adviser)
                known.add(perm.adviser_id)
    board = Board(
        territory_id=territory_id,
        date_from=date_from,
        date_to=date_to,
        now=now,
        communes=communes,
        advisers=advisers,
        occurrences=occurrences,
        sessions=sessions,
        closures=closures,
        loans=loans,
        holidays=holidays,
        travel=travel_matrix(territory_id),
    )
    if with_conflicts:
        board.conflicts = find_conflicts(
            occurrences=occurrences,
            sessions=sessions,
            closures=closures,
            travel=board.travel,
            now=now,
        )
    return board


# --- The checks of conflicts.py (warnings where things are created) --------------------------


def _days_of(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    return paris(start).date(), paris(end - dt.timedelta(microseconds=1)).date()


def session_conflicts(
    *, session: Session, start=None, end=None, venue=None, now=None
) -> list[Conflict]:
    """The conflicts of one session, as it is or as it would be once moved.

    ``session`` is best loaded with ``workshop__format``, ``venue__commune`` and its
    advisers (``Session.objects.with_related()``): then eight queries at most."""
    start = start or session.start
    end = end or session.end
    venue = venue or session.venue
    first, last = _days_of(start, end)
    board = load_board(
        territory_id=session.workshop.territory_id,
        date_from=first,
        date_to=last,
        now=now,
        exclude_session_ids=[session.pk],
        with_conflicts=False,
        with_rows=False,
    )
    target_id = session.cycle_group_id or session.pk
    confirmed = Registration.objects.filter(
        session_id=target_id, status__in=PLACE_HOLDING_STATUSES
    ).count()
    entry = session_entry(
        session, confirmed=confirmed, loans=board.loans, start=start, end=end, venue=venue
    )
    conflicts = find_conflicts(
        occurrences=board.occurrences,
        sessions=[*board.sessions, entry],
        closures=board.closures,
        travel=board.travel,
        now=board.now,
    )
    return [c for c in conflicts if entry.key in c.keys]


def permanence_conflicts(
    *, permanence: Permanence, date_from: dt.date, date_to: dt.date, now=None
) -> list[Conflict]:
    board = load_board(
        territory_id=permanence.commune.territory_id,
        date_from=date_from,
        date_to=date_to,
        now=now,
        with_rows=False,
    )
    prefix = f"p{permanence.pk}-"
    return [c for c in board.conflicts if any(k.startswith(prefix) for k in c.keys)]


# A closure is checked over this many days at most (a closure for a year is rare, and its
# later days are checked on the board itself).
CLOSURE_CHECK_DAYS = 92


def closure_conflicts(*, closure: Closure, now=None) -> list[Conflict]:
    first, last = _days_of(closure.start, closure.end)
    last = min(last, first + dt.timedelta(days=CLOSURE_CHECK_DAYS))
    board = load_board(
        territory_id=closure.territory_id, date_from=first, date_to=last, now=now, with_rows=False
    )
    key = f"c{closure.pk}"
    return [c for c in board.conflicts if key in c.keys]


# --- The grid ------------------------------------------------------------------------------


@dataclass
class Viewer:
    """What the person looking at the board may open from it."""

    user_id: int
    manages: bool
    commune_ids: frozenset[int] = frozenset()

    def may_open_day_sheet(self, occ: Occurrence) -> bool:
        return self.manages or occ.adviser_id == self.user_id or occ.commune_id in self.commune_ids

    def may_open_session(self, entry: SessionEntry) -> bool:
        return (
            self.manages
            or self.user_id in entry.adviser_ids
            or entry.commune_id in self.commune_ids
        )

    def may_open_loan(self, loan: LoanEntry) -> bool:
        return self.manages or loan.commune_id in self.commune_ids


@dataclass
class Filters:
    commune_id: int | None = None
    adviser_id: int | None = None
    kind: str = ""  # "", "permanences" or a WorkshopFormat id

    @property
    def active(self) -> bool:
        return bool(self.commune_id or self.adviser_id or self.kind)

    def keep_occurrence(self, occ: Occurrence) -> bool:
        return (
            self.kind in ("", KIND_PERMANENCES)
            and (self.commune_id is None or occ.commune_id == self.commune_id)
            and (self.adviser_id is None or occ.adviser_id == self.adviser_id)
        )

    def keep_session(self, entry: SessionEntry) -> bool:
        return (
            (self.kind == "" or self.kind == str(entry.format_id))
            and (self.commune_id is None or entry.commune_id == self.commune_id)
            and (self.adviser_id is None or self.adviser_id in entry.adviser_ids)
        )

    def keep_closure(self, closure: ClosureEntry) -> bool:
        if self.adviser_id is not None and closure.is_leave:
            return closure.adviser_id == self.adviser_id
        if self.commune_id is not None and not closure.is_leave:
            return closure.commune_id in (None, self.commune_id) and (
                closure.venue_commune_id in (None, self.commune_id)
            )
        return True

    def keep_loan(self, loan: LoanEntry) -> bool:
        return self.commune_id is None or loan.commune_id == self.commune_id


@dataclass
class CellItem:
    kind: str  # permanence, session, closure, leave, loan
    entry: object
    conflicts: list[tuple[int, Conflict]] = field(default_factory=list)
    link: str = ""
    move_link: str = ""

    @property
    def sort_key(self) -> tuple:
        order = {"closure": 0, "leave": 0, "permanence": 1, "session": 1, "loan": 2}[self.kind]
        start = getattr(self.entry, "start", None)
        return (order, start.timestamp() if start else 0)


@dataclass
class Cell:
    day: dt.date
    header_id: str
    items: list[CellItem] = field(default_factory=list)

    @property
    def label(self) -> str:
        """« lundi 30 novembre »: the cell's day, written on it when the table is stacked."""
        return f"{DAYS[self.day.weekday()]} {self.day.day} {MONTHS[self.day.month - 1]}"


@dataclass
class Row:
    key: str
    label: str
    note: str
    cells: list[Cell]

    @property
    def is_empty(self) -> bool:
        return not any(cell.items for cell in self.cells)


@dataclass
class DayColumn:
    day: dt.date
    header_id: str
    weekday: str
    label: str
    holiday: str
    is_today: bool
    is_weekend: bool


@dataclass
class Grid:
    view: str
    rows_mode: str
    days: list[DayColumn]
    rows: list[Row]
    conflicts: list[tuple[int, Conflict]]
    totals: dict[str, int]


def _columns(board: Board, today: dt.date) -> list[DayColumn]:
    columns = []
    day = board.date_from
    while day <= board.date_to:
        columns.append(
            DayColumn(
                day=day,
                header_id=f"jour-{day:%Y%m%d}",
                weekday=DAYS[day.weekday()],
                label=f"{day.day} {MONTHS[day.month - 1]}",
                holiday=board.holidays.get(day, ""),
                is_today=day == today,
                is_weekend=day.weekday() >= 5,
            )
        )
        day += dt.timedelta(days=1)
    return columns


def build_grid(
    board: Board,
    *,
    view: str,
    rows_mode: str,
    filters: Filters,
    viewer: Viewer,
    links: Mapping[str, Callable[[Any], str]] | None = None,
) -> Grid:
    """Rows (advisers or communes, and one for the whole territory) × days, with each
    item placed in the cells of its days and marked with the conflicts that touch it.

    ``links``: callables that build the URLs (kept out of here so the grid stays testable
    without the URL configuration): ``day_sheet(occ)``, ``session(entry)``,
    ``move(entry)``, ``loan(entry)``.
    """
    links = links or {}
    columns = _columns(board, clock.today())
    index = {c.day: i for i, c in enumerate(columns)}
    by_key = conflicts_by_key(board.conflicts)
    territory_row = Row(
        key="territoire",
        label="Tout le territoire" if rows_mode == ROWS_COMMUNES else "Territoire et communes",
        note=(
            "fermetures générales, absences des conseillers"
            if rows_mode == ROWS_COMMUNES
            else "fermetures, prêts de matériel, séances sans conseiller"
        ),
        cells=[Cell(c.day, c.header_id) for c in columns],
    )
    rows: dict[str, Row] = {}
    if rows_mode == ROWS_COMMUNES:
        for commune in board.communes:
            if filters.commune_id is None or commune.pk == filters.commune_id:
                note = f"{commune.population} habitants" if commune.population else ""
                rows[f"c{commune.pk}"] = Row(
                    f"c{commune.pk}",
                    commune.name,
                    note,
                    [Cell(c.day, c.header_id) for c in columns],
                )
    else:
        for adviser in board.advisers:
            if filters.adviser_id is None or adviser.pk == filters.adviser_id:
                rows[f"a{adviser.pk}"] = Row(
                    f"a{adviser.pk}",
                    str(adviser),
                    "conseiller numérique",
                    [Cell(c.day, c.header_id) for c in columns],
                )

    visible: set[str] = set()
    totals: defaultdict[str, int] = defaultdict(int)
    row_key: str | None

    def place(row_key: str | None, day: dt.date, item: CellItem) -> None:
        row = rows.get(row_key) if row_key else territory_row
        if row is None or day not in index:
            return
        row.cells[index[day]].items.append(item)
        visible.add(item.entry.key)  # type: ignore[attr-defined]

    def item(kind: str, entry, **kwargs) -> CellItem:
        return CellItem(kind, entry, by_key.get(entry.key, []), **kwargs)

    for occ in board.occurrences:
        if not filters.keep_occurrence(occ):
            continue
        totals["permanences"] += 1
        totals["booked"] += occ.booked
        totals["free"] += occ.free
        link = (
            links["day_sheet"](occ)
            if "day_sheet" in links and viewer.may_open_day_sheet(occ)
            else ""
        )
        row_key = f"c{occ.commune_id}" if rows_mode == ROWS_COMMUNES else f"a{occ.adviser_id}"
        place(row_key, occ.day, item("permanence", occ, link=link))
    for entry in board.sessions:
        if not filters.keep_session(entry):
            continue
        totals["sessions"] += 1
        link = (
            links["session"](entry) if "session" in links and viewer.may_open_session(entry) else ""
        )
        move = (
            links["move"](entry)
            if "move" in links
            and viewer.manages
            and entry.status in ("scheduled", "confirmed")
            and entry.start > board.now
            else ""
        )
        if rows_mode == ROWS_COMMUNES:
            place(
                f"c{entry.commune_id}", entry.day, item("session", entry, link=link, move_link=move)
            )
        elif entry.adviser_ids:
            for adviser_id in entry.adviser_ids:
                place(
                    f"a{adviser_id}", entry.day, item("session", entry, link=link, move_link=move)
                )
        else:
            place(None, entry.day, item("session", entry, link=link, move_link=move))
    for closure in board.closures:
        if not filters.keep_closure(closure):
            continue
        totals["closures"] += 1
        if closure.is_leave:
            row_key = None if rows_mode == ROWS_COMMUNES else f"a{closure.adviser_id}"
            kind = "leave"
        else:
            commune_id = closure.commune_id or closure.venue_commune_id
            row_key = f"c{commune_id}" if rows_mode == ROWS_COMMUNES and commune_id else None
            kind = "closure"
        for day in closure.days():
            place(row_key, day, item(kind, closure))
    for loan in board.loans:
        if not filters.keep_loan(loan):
            continue
        totals["loans"] += 1
        link = links["loan"](loan) if "loan" in links and viewer.may_open_loan(loan) else ""
        row_key = f"c{loan.commune_id}" if rows_mode == ROWS_COMMUNES else None
        day = max(loan.start_date, board.date_from)
        while day <= min(loan.end_date, board.date_to):
            place(row_key, day, item("loan", loan, link=link))
            day += dt.timedelta(days=1)

    all_rows = [territory_row, *rows.values()]
    for row in all_rows:
        for cell in row.cells:
            cell.items.sort(key=lambda i: i.sort_key)
    numbered = [
        (n, c) for n, c in enumerate(board.conflicts, start=1) if visible.intersection(c.keys)
    ]
    totals["conflicts"] = len(numbered)
    return Grid(
        view=view,
        rows_mode=rows_mode,
        days=columns,
        rows=all_rows,
        conflicts=numbered,
        totals=dict(totals),
    )


# --- The month as a calendar (weeks as rows, Monday to Sunday) -------------------------------

# Items that last several days: shown once in each week row, on their first day there.
SPANNING_KINDS = frozenset({"loan", "closure", "leave"})


def month_weeks(first: dt.date, last: dt.date) -> list[list[dt.date]]:
    """The weeks (Monday to Sunday) that hold the days from ``first`` to ``last``: the
    first week starts on the Monday before ``first`` (or on it), the last ends on the
    Sunday after ``last``. Every day of the period is in exactly one week."""
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append([monday + dt.timedelta(days=n) for n in range(7)])
        monday += dt.timedelta(weeks=1)
    return weeks


def _span_of(item: CellItem) -> tuple[dt.date, dt.date] | None:
    """The first and last day of an item that lasts several days, else None."""
    entry: Any = item.entry
    if item.kind == "loan":
        first, last = entry.start_date, entry.end_date
    elif item.kind in ("closure", "leave"):
        days = entry.days()
        first, last = (days[0], days[-1]) if days else (None, None)
    else:
        return None
    if first is None or first == last:
        return None
    return first, last


@dataclass
class CalendarItem:
    """One entry of the calendar; ``span`` (first and last day) for what lasts several
    days, written once in the week row (« du 3 au 24 mars »)."""

    item: CellItem
    span: tuple[dt.date, dt.date] | None = None

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def span_label(self) -> str:
        if self.span is None:
            return ""
        return span_label(*self.span)


def span_label(first: dt.date, last: dt.date) -> str:
    """« du 3 au 24 mars », « du 28 février au 3 mars », with the year when it changes."""
    end = f"{last.day} {MONTHS[last.month - 1]}"
    if first.year != last.year:
        return f"du {first.day} {MONTHS[first.month - 1]} {first.year} au {end} {last.year}"
    if first.month != last.month:
        return f"du {first.day} {MONTHS[first.month - 1]} au {end}"
    return f"du {first.day} au {end}"


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    label: str  # « lundi 3 mars »
    holiday: str = ""
    is_today: bool = False
    is_weekend: bool = False
    items: list[CalendarItem] = field(default_factory=list)


@dataclass
class CalendarWeek:
    monday: dt.date
    key: str  # for the row header's id
    label: str  # « Semaine du 2 mars »
    days: list[CalendarDay]


@dataclass
class MonthCalendar:
    weekdays: list[str]
    weeks: list[CalendarWeek]

    def days(self) -> list[CalendarDay]:
        return [day for week in self.weeks for day in week.days]


def build_month_calendar(grid: Grid, *, first: dt.date, last: dt.date) -> MonthCalendar:
    """The month board as a calendar: weeks as rows, Monday to Sunday as columns.

    Each item of the grid appears once per day, whatever the number of rows it was in (a
    session of two advisers, a loan of the territory row); an item that lasts several days
    (a loan, a closure, an absence) appears once in each week row, on its first day in that
    row of the month, with « du … au … ». Days of the neighbouring months are empty cells
    (they belong to the previous or next month's page)."""
    by_day: dict[dt.date, list[CellItem]] = defaultdict(list)
    seen_on_day: set[tuple[dt.date, str, str]] = set()
    for row in grid.rows:
        for cell in row.cells:
            for cell_item in cell.items:
                key = (cell.day, cell_item.kind, cell_item.entry.key)  # type: ignore[attr-defined]
                if key not in seen_on_day:
                    seen_on_day.add(key)
                    by_day[cell.day].append(cell_item)
    holidays = {column.day: column.holiday for column in grid.days}
    today = clock.today()
    weeks = []
    for dates in month_weeks(first, last):
        shown: set[tuple[str, str]] = set()
        days = []
        for day in dates:
            in_month = first <= day <= last
            calendar_day = CalendarDay(
                day=day,
                in_month=in_month,
                label=f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}",
                holiday=holidays.get(day, ""),
                is_today=day == today,
                is_weekend=day.weekday() >= 5,
            )
            for cell_item in sorted(by_day.get(day, []) if in_month else [], key=_item_order):
                span = _span_of(cell_item)
                if span is not None:
                    once = (cell_item.kind, cell_item.entry.key)  # type: ignore[attr-defined]
                    if once in shown:
                        continue
                    shown.add(once)
                calendar_day.items.append(CalendarItem(cell_item, span))
            days.append(calendar_day)
        monday = dates[0]
        weeks.append(
            CalendarWeek(
                monday=monday,
                key=f"{monday:%Y%m%d}",
                label=f"Semaine du {monday.day} {MONTHS[monday.month - 1]}",
                days=days,
            )
        )
    return MonthCalendar(weekdays=[d.capitalize() for d in DAYS], weeks=weeks)


def _item_order(item: CellItem) -> tuple:
    return item.sort_key
