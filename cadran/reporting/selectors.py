"""Read-only figures for the attendance reports and the territory dashboard.

Every figure is counted by the database: one query per figure group (appointments by
month and status, distinct people, reasons, activity records, first visits, thématiques,
sessions, attendance), never a query per row, so a report costs the same number of
queries for ten appointments or a million. Python only folds the grouped rows into
dataclasses, and computes the hours of permanence offered from the weekly rules (a few
rows) with the helpers of :mod:`cadran.scheduling.slots`.

Nothing here knows who asks: the views check the role and the commune first. Nothing
here returns a name of an inhabitant; only staff names (advisers) on the dashboard.
"""

from __future__ import annotations

import calendar
import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

from django.db import connection
from django.db.models import Count, F, Func, IntegerField, Q, Sum, Value

from cadran.activity.enums import Autonomie, StructureRedirection, TypeActivite
from cadran.activity.lacoop import folding as lacoop_folding
from cadran.activity.models import (
    ActivityParticipant,
    ActivityRecord,
    ActivityThematique,
    ImportedActivity,
)
from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.scheduling.calendars import public_holidays
from cadran.scheduling.enums import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    ConfirmationAnswer,
    Thematique,
)
from cadran.scheduling.models import Appointment, AppointmentTopic, Closure, Permanence
from cadran.scheduling.slots import WeeklyRule, day_bounds, localize, occurrence_dates
from cadran.territory.models import Commune, Territory
from cadran.workshops.enums import SessionStatus
from cadran.workshops.models import Attendance, Session, WorkshopFormat

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# A report covers at most this many days (ten years): beyond, the month table is useless.
MAX_PERIOD_DAYS = 3660
NOT_GIVEN = "non_renseigne"
NOT_GIVEN_LABEL = "Non renseigné"


# --- Periods ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Two dates of Paris, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("La date de fin doit être après la date de début.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware instants: midnight of the first day to midnight after the last (Paris)."""
        return day_bounds(self.start, self.end)

    def previous(self) -> Period:
        """The period of the same length just before."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def months(self) -> list[dt.date]:
        """First day of every month the period touches."""
        months, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            months.append(cursor)
            cursor = _next_month(cursor)
        return months


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_label(month: dt.date) -> str:
    return f"{MONTHS_FR[month.month - 1]} {month.year}"


def preset_period(name: str, today: dt.date | None = None) -> Period:
    """``mois``, ``mois_precedent``, ``trimestre``, ``trimestre_precedent``, ``annee``,
    ``annee_precedente``: whole calendar periods around ``today`` (Paris)."""
    today = today or clock.today()
    if name in {"mois", "mois_precedent"}:
        first = today.replace(day=1)
        if name == "mois_precedent":
            first = (first - dt.timedelta(days=1)).replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return Period(first, last)
    if name in {"trimestre", "trimestre_precedent"}:
        q_month = 3 * ((today.month - 1) // 3) + 1
        first = dt.date(today.year, q_month, 1)
        if name == "trimestre_precedent":
            first = (first - dt.timedelta(days=1)).replace(day=1)
            first = first.replace(month=3 * ((first.month - 1) // 3) + 1)
        end_month = first.month + 2
        last = dt.date(first.year, end_month, calendar.monthrange(first.year, end_month)[1])
        return Period(first, last)
    if name in {"annee", "annee_precedente"}:
        year = today.year - (1 if name == "annee_precedente" else 0)
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    raise ValueError(f"Période inconnue : {name}")


# --- Figures ----------------------------------------------------------------------------


@dataclass
class AppointmentCounts:
    """Appointments whose start falls in the period, by status."""

    booked: int = 0  # every appointment taken for the period, whatever became of it
    seen: int = 0
    noshow: int = 0
    excused: int = 0
    revoked: int = 0
    upcoming: int = 0
    used_minutes: int = 0  # durations of the appointments seen

    @property
    def cancelled(self) -> int:
        return self.excused + self.revoked

    def add_status(self, status: str, count: int, minutes: int | None) -> None:
        self.booked += count
        if status == AppointmentStatus.SEEN:
            self.seen += count
            self.used_minutes += int(minutes or 0)
        elif status == AppointmentStatus.NOSHOW:
            self.noshow += count
        elif status == AppointmentStatus.EXCUSED:
            self.excused += count
        elif status == AppointmentStatus.REVOKED:
            self.revoked += count
        else:
            self.upcoming += count

    @property
    def recorded(self) -> int:
        """Appointments whose attendance was noted: « venu » or « absent »."""
        return self.seen + self.noshow

    @property
    def noshow_rate(self) -> float | None:
        """Absences among the appointments whose attendance was noted, in %, one decimal
        (:func:`noshow_rate`); None when none was noted."""
        return noshow_rate(self.noshow, self.recorded)

    def merge(self, other: AppointmentCounts) -> None:
        for name in ("booked", "seen", "noshow", "excused", "revoked", "upcoming"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.used_minutes += other.used_minutes


def noshow_rate(absent: int, recorded: int) -> float | None:
    """The no-show rate (docs/rapports.md, « Taux d'absence »): ``absent / recorded`` in
    per cent, rounded to one decimal; None when nothing was recorded (not 0: no figure)."""
    if recorded <= 0:
        return None
    return round(100 * absent / recorded, 1)


@dataclass
class MonthRow:
    month: dt.date
    counts: AppointmentCounts = field(default_factory=AppointmentCounts)

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass
class PermanenceRow:
    """The appointments of one permanence (its no-show rate: docs/rapports.md)."""

    label: str
    counts: AppointmentCounts = field(default_factory=AppointmentCounts)


@dataclass(frozen=True)
class ConfirmationEffectRow:
    """The no-show rate of one group of people by their answer to « Je viens / Je ne peux
    pas venir » (issue 16): « ont confirmé », « n'ont pas répondu »."""

    label: str
    counts: AppointmentCounts


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    value: int


@dataclass
class SessionCounts:
    """Collective sessions that start in the period."""

    held: int = 0
    cancelled_low_attendance: int = 0
    cancelled_by_service: int = 0
    planned: int = 0  # still scheduled or confirmed
    present: int = 0  # registered people marked present at held sessions
    anonymous: int = 0  # people who came without registering (held sessions)
    absent: int = 0  # registered people marked absent at held sessions (attendance taken)

    @property
    def cancelled(self) -> int:
        return self.cancelled_low_attendance + self.cancelled_by_service

    @property
    def participants(self) -> int:
        return self.present + self.anonymous

    @property
    def recorded(self) -> int:
        """Registered people whose attendance was taken (each session of a cycle)."""
        return self.present + self.absent

    @property
    def noshow_rate(self) -> float | None:
        return noshow_rate(self.absent, self.recorded)

    def add_status(self, status: str, count: int, anonymous: int | None) -> None:
        if status == SessionStatus.HELD:
            self.held += count
            self.anonymous += int(anonymous or 0)
        elif status == SessionStatus.CANCELLED_LOW_ATTENDANCE:
            self.cancelled_low_attendance += count
        elif status == SessionStatus.CANCELLED_BY_SERVICE:
            self.cancelled_by_service += count
        else:
            self.planned += count

    def merge(self, other: SessionCounts) -> None:
        for name in (
            "held",
            "cancelled_low_attendance",
            "cancelled_by_service",
            "planned",
            "present",
            "anonymous",
            "absent",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ActivityCounts:
    """What the advisers recorded (activity records dated in the period)."""

    individual: int = 0
    collective: int = 0
    participants: int = 0  # known people on the records (one per individual record)
    anonymous: int = 0  # people counted without a name on collective records
    first_visits: int = 0  # known people helped for the first time (any record)
    by_autonomy: list[Tally] = field(default_factory=list)
    by_orientation: list[Tally] = field(default_factory=list)
    by_redirection: list[Tally] = field(default_factory=list)
    by_thematique: list[Tally] = field(default_factory=list)
    # Read from La Coop (cadran.activity.lacoop), already included in the figures above:
    lacoop_individual: int = 0
    lacoop_collective: int = 0
    lacoop_accompaniments: int = 0
    lacoop_duplicates: int = 0  # imported activities that are Cadran records, counted once
    lacoop_unmatched: int = 0  # imported without a recognised adviser: not counted

    @property
    def accompaniments(self) -> int:
        """People helped according to the records (the Coop's « accompagnements »): every
        known participant plus the anonymous ones, a person counted once per activity,
        plus the accompaniments of the activities read from La Coop."""
        return self.participants + self.anonymous + self.lacoop_accompaniments

    @property
    def from_lacoop(self) -> int:
        """Activities counted that were read from La Coop (« dont saisis dans La Coop »)."""
        return self.lacoop_individual + self.lacoop_collective

    @property
    def has_lacoop(self) -> bool:
        return bool(self.from_lacoop or self.lacoop_duplicates or self.lacoop_unmatched)


@dataclass
class AttendanceReport:
    """The convention's « état de la fréquentation » of one commune for one period."""

    territory_name: str
    commune_name: str
    commune_insee: str
    period: Period
    appointments: AppointmentCounts
    people_helped: int  # distinct people seen in appointments
    offered_minutes: int
    by_month: list[MonthRow]
    by_topic: list[Tally]
    activity: ActivityCounts
    sessions: SessionCounts
    generated_at: dt.datetime
    territory_id: int | None = None
    by_permanence: list[PermanenceRow] = field(default_factory=list)
    by_confirmation: list[ConfirmationEffectRow] = field(default_factory=list)


@dataclass
class CommuneRow:
    insee: str
    name: str
    appointments: AppointmentCounts = field(default_factory=AppointmentCounts)
    people_helped: int = 0
    first_visits: int = 0
    offered_minutes: int = 0
    sessions: SessionCounts = field(default_factory=SessionCounts)


@dataclass
class AdviserRow:
    name: str
    appointments: AppointmentCounts = field(default_factory=AppointmentCounts)
    offered_minutes: int = 0
    records: int = 0
    sessions_held: int = 0


@dataclass
class FormatRow:
    name: str
    sessions: SessionCounts = field(default_factory=SessionCounts)


@dataclass(frozen=True)
class Comparison:
    key: str
    label: str
    current: int
    previous: int

    @property
    def delta(self) -> int:
        return self.current - self.previous


@dataclass
class TerritoryDashboard:
    territory_name: str
    period: Period
    previous_period: Period
    communes: list[CommuneRow]
    total: CommuneRow
    advisers: list[AdviserRow]
    formats: list[FormatRow]
    comparison: list[Comparison]
    generated_at: dt.datetime
    territory_id: int | None = None
    by_month: list[MonthRow] = field(default_factory=list)
    by_permanence: list[PermanenceRow] = field(default_factory=list)
    by_confirmation: list[ConfirmationEffectRow] = field(default_factory=list)


# --- SQL helpers ---------------------------------------------------------------------------


class BoundIndex(Func):
    """``CASE WHEN col < b0 THEN 0 WHEN col < b1 THEN 1 … ELSE n END``: the position of a
    row among sorted bounds (months of a period, the start of the period compared).

    The same SQL as ``Case(When(...))``, but cheap to build: Django hashes every grouped
    expression, and a ``Case`` of twelve ``When`` hashes through ``inspect`` (measured:
    20 ms a report, as much as some of its queries)."""

    output_field = IntegerField()
    arity = 1

    def __init__(self, field_name: str, bounds: Sequence[dt.date | dt.datetime], **extra):
        super().__init__(F(field_name), **extra)
        self.field_name, self.bounds = field_name, tuple(bounds)

    @property
    def identity(self):
        return (self.__class__, self.field_name, self.bounds)

    def __hash__(self) -> int:
        return hash(self.identity)

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        ops = connection.ops
        whens, params = [], []
        for i, bound in enumerate(self.bounds):
            whens.append(f"WHEN {column} < %s THEN {i}")
            adapted = (
                ops.adapt_datetimefield_value(bound)
                if isinstance(bound, dt.datetime)
                else ops.adapt_datefield_value(bound)
            )
            params.extend([*column_params, adapted])
        return f"CASE {' '.join(whens)} ELSE {len(self.bounds)} END", params


class MinutesBetween(Func):
    """Whole minutes from ``start`` to ``end`` (two datetime columns), in plain SQL on both
    databases: no Python function called per row as Django's own subtraction does on SQLite."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, start, end, **extra):
        # Expressions are given end first: the templates subtract the second from the first.
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 1440.0) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND(EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0) AS INTEGER)",
            arg_joiner=" - ",
            **extra_context,
        )


# Rows of the period before and rows of the period asked, when both are read by the same
# query (the dashboard's comparison): the first element of every key.
PREVIOUS, CURRENT = 0, 1


def _month_index(field_name: str, period: Period, *, dates: bool = False) -> BoundIndex:
    """The position of a row's month in ``period.months()``, computed by the database from
    bounds of Paris months (no time-zone function per row)."""
    bounds: list[dt.date | dt.datetime] = []
    for month in period.months():
        nxt = _next_month(month)
        midnight = localize(dt.datetime.combine(nxt, dt.time.min))
        assert midnight is not None  # midnight always exists in Paris
        bounds.append(nxt if dates else midnight)
    return BoundIndex(field_name, bounds)


def _span(period: Period, previous: Period | None) -> Period:
    """What one query reads: ``period``, preceded by ``previous`` when given."""
    if previous is None:
        return period
    if previous.end + dt.timedelta(days=1) != period.start:
        raise ValueError("La période de comparaison doit précéder immédiatement la période.")
    return Period(previous.start, period.end)


def _which(field_name: str, period: Period, *, dates: bool = False) -> BoundIndex:
    """``PREVIOUS`` for a row before ``period``, else ``CURRENT`` (one comparison per row)."""
    return BoundIndex(field_name, [period.start if dates else period.bounds()[0]])


def _appointments(period: Period, communes: Q):
    start, end = period.bounds()
    return Appointment.objects.filter(communes, start__gte=start, start__lt=end).order_by()


def _labelled(counts: dict[str, int], choices: Sequence[tuple[str, str]]) -> list[Tally]:
    """Every value of the vocabulary, in its order, with 0 where nothing was counted, then
    « non renseigné » when some rows left it empty."""
    rows = [Tally(value, label, counts.get(value, 0)) for value, label in choices]
    if counts.get(NOT_GIVEN):
        rows.append(Tally(NOT_GIVEN, NOT_GIVEN_LABEL, counts[NOT_GIVEN]))
    return rows


def _prefixed(scope: Q, prefix: str) -> Q:
    """The same filter one relation further (``commune=`` → ``record__commune=``)."""
    q = Q()
    q.connector, q.negated = scope.connector, scope.negated
    q.children = [
        (prefix + child[0], child[1])
        if isinstance(child, tuple)
        else _prefixed(cast(Q, child), prefix)
        for child in scope.children
    ]
    return q


def _materialized() -> str:
    """``MATERIALIZED`` where the engine knows it (PostgreSQL 12, SQLite 3.35): a common
    table expression read twice is then computed once."""
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        return ""
    return "MATERIALIZED"


# --- Figure groups (each one query) ----------------------------------------------------------


def appointment_counts_by(
    period: Period,
    scope: Q,
    groups: Sequence[str] = (),
    *,
    months: bool = False,
    previous: Period | None = None,
) -> dict[tuple, AppointmentCounts]:
    """Appointments by status, durations of those seen, in one query.

    Keys: ``(CURRENT or PREVIOUS, month index or None, *values of groups)``; ``previous``
    adds the period before, read by the same query; ``months`` splits ``period`` by month.
    """
    annotations: dict[str, BoundIndex] = {}
    if previous is not None:
        annotations["which"] = _which("start", period)
    if months:
        annotations["month_index"] = _month_index("start", period)
    rows = (
        _appointments(_span(period, previous), scope)
        .annotate(**annotations)
        .values(*annotations, *groups, "status")
        .annotate(
            n=Count("pk"),
            minutes=Sum(
                MinutesBetween(F("start"), F("end")), filter=Q(status=AppointmentStatus.SEEN)
            ),
        )
    )
    result: dict[tuple, AppointmentCounts] = defaultdict(AppointmentCounts)
    for row in rows:
        key = (row.get("which", CURRENT), row.get("month_index"), *(row[g] for g in groups))
        result[key].add_status(row["status"], row["n"], row["minutes"])
    return result


def people_helped_by(
    period: Period, scope: Q, group: str | None = None, *, previous: Period | None = None
) -> dict[tuple, int]:
    """Distinct people seen in an appointment: ``{(CURRENT, None): n}`` for everything in
    scope, plus ``{(CURRENT, group value): n}`` with ``group`` and the same keys with
    ``PREVIOUS`` with ``previous``. One query, one read of the appointments.

    A person seen in two groups counts once in each and once in the total, so the total is
    not the sum of the groups: the distinct (period, group, person) triples are computed
    once (a materialised ``WITH``), then counted twice.
    """
    seen = _appointments(_span(period, previous), scope).filter(status=AppointmentStatus.SEEN)
    if group is None and previous is None:
        return {(CURRENT, None): seen.aggregate(n=Count("beneficiary_id", distinct=True))["n"]}
    triples = (
        seen.annotate(
            which_key=_which("start", period) if previous is not None else Value(CURRENT),
            group_key=F(group) if group else Value(None, output_field=IntegerField()),
            person_key=F("beneficiary_id"),
        )
        .values("which_key", "group_key", "person_key")
        .distinct()
    )
    inner, params = triples.query.get_compiler(using=triples.db).as_sql()
    # Only SQL compiled by the ORM is formatted in; every value stays a bound parameter.
    sql = (
        f"WITH triples AS {_materialized()} ({inner}) "  # noqa: S608
        "SELECT 1, which_key, NULL, COUNT(DISTINCT person_key) FROM triples GROUP BY which_key"
    )
    if group:
        sql += (
            " UNION ALL SELECT 0, which_key, group_key, COUNT(*) FROM triples "
            "GROUP BY which_key, group_key"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result: dict[tuple, int] = {(CURRENT, None): 0}
    for is_total, which, key, n in rows:
        result[(which, None if is_total else key)] = n
    return result


def topic_counts(period: Period, scope: Q) -> list[Tally]:
    """Reasons given when booking, for appointments not cancelled. One query."""
    start, end = period.bounds()
    rows = (
        AppointmentTopic.objects.filter(
            scope,
            appointment__start__gte=start,
            appointment__start__lt=end,
            appointment__status__in=ACTIVE_STATUSES,
        )
        .values("thematique")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["thematique"]: row["n"] for row in rows}
    return _labelled(counts, Thematique.choices)


def _records(period: Period, scope: Q):
    return ActivityRecord.objects.filter(
        scope, date__gte=period.start, date__lte=period.end
    ).order_by()


def activity_counts(period: Period, scope: Q, *, imported_scope: Q | None = None) -> ActivityCounts:
    """Records grouped by kind, autonomy, orientation and redirection (one query), their
    participants by first visit (one query) and their thématiques (one query); with
    ``imported_scope``, the activities read from La Coop folded in (:func:`_fold_lacoop`)."""
    rows = (
        _records(period, scope)
        .values("kind", "autonomie", "oriented", "structure_redirection")
        .annotate(n=Count("pk"), anonymous=Sum("anon_total"))
    )
    counts = ActivityCounts()
    autonomy: dict[str, int] = defaultdict(int)
    orientation: dict[str, int] = defaultdict(int)
    redirection: dict[str, int] = defaultdict(int)
    for row in rows:
        n = row["n"]
        counts.anonymous += int(row["anonymous"] or 0)
        if row["kind"] == TypeActivite.COLLECTIF:
            counts.collective += n
            continue
        if row["kind"] != TypeActivite.INDIVIDUEL:
            continue
        counts.individual += n
        autonomy[row["autonomie"] or NOT_GIVEN] += n
        oriented = row["oriented"]
        orientation["oui" if oriented else "non" if oriented is False else NOT_GIVEN] += n
        if oriented:
            redirection[row["structure_redirection"] or NOT_GIVEN] += n

    record_scope = _prefixed(scope, "record__")
    in_period = Q(record__date__gte=period.start, record__date__lte=period.end)
    for row in (
        ActivityParticipant.objects.filter(record_scope, in_period)
        .values("first_visit")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.participants += row["n"]
        if row["first_visit"]:
            counts.first_visits += row["n"]
    thematiques = {
        row["thematique"]: row["n"]
        for row in ActivityThematique.objects.filter(record_scope, in_period)
        .values("thematique")
        .annotate(n=Count("pk"))
        .order_by()
    }
    if imported_scope is not None:
        _fold_lacoop(
            counts, period, imported_scope, autonomy, orientation, redirection, thematiques
        )
    counts.by_autonomy = _labelled(autonomy, Autonomie.choices)
    counts.by_orientation = [
        Tally("oui", "Orientées vers une autre structure", orientation["oui"]),
        Tally("non", "Non orientées", orientation["non"]),
        *(
            [Tally(NOT_GIVEN, NOT_GIVEN_LABEL, orientation[NOT_GIVEN])]
            if orientation[NOT_GIVEN]
            else []
        ),
    ]
    counts.by_redirection = _labelled(redirection, StructureRedirection.choices)
    counts.by_thematique = _labelled(thematiques, Thematique.choices)
    return counts


def _fold_lacoop(
    counts: ActivityCounts,
    period: Period,
    scope: Q,
    autonomy: dict[str, int],
    orientation: dict[str, int],
    redirection: dict[str, int],
    thematiques: dict[str, int],
) -> None:
    """Add the activities read from La Coop (``scope``: fields of ImportedActivity) to
    ``counts`` and its breakdowns, except the ones that are Cadran records (the rule of
    :mod:`cadran.activity.lacoop.folding`: counted once, as Cadran's) and the ones of no
    recognised adviser (counted apart, not added). One query, three when some are found."""
    rows = list(
        ImportedActivity.objects.filter(
            scope, date__gte=period.start, date__lte=period.end, deleted_at__isnull=True
        )
        .order_by()
        .values(
            "pk",
            "adviser_id",
            "date",
            "kind",
            "duration_minutes",
            "accompaniments",
            "thematiques",
            "autonomie",
            "oriented",
            "structure_redirection",
        )
    )
    if not rows:
        return
    counts.lacoop_unmatched = sum(1 for r in rows if r["adviser_id"] is None)
    matched = [r for r in rows if r["adviser_id"] is not None]
    duplicates = lacoop_folding.duplicates_of(lacoop_folding.imported_facts_of(matched))
    counts.lacoop_duplicates = len(duplicates)
    known_thematiques = set(Thematique.values)
    for row in matched:
        if row["pk"] in duplicates:
            continue
        counts.lacoop_accompaniments += row["accompaniments"]
        for code in row["thematiques"] or []:
            if code in known_thematiques:
                thematiques[code] = thematiques.get(code, 0) + 1
        if lacoop_folding.cadran_kind(row["kind"]) == TypeActivite.COLLECTIF:
            counts.lacoop_collective += 1
            counts.collective += 1
            continue
        counts.lacoop_individual += 1
        counts.individual += 1
        autonomy[row["autonomie"] or NOT_GIVEN] += 1
        oriented = row["oriented"]
        orientation["oui" if oriented else "non" if oriented is False else NOT_GIVEN] += 1
        if oriented:
            redirection[row["structure_redirection"] or NOT_GIVEN] += 1


def first_visits_by(
    period: Period, scope: Q, group: str, *, previous: Period | None = None
) -> dict[tuple, int]:
    """Known people helped for the first time, ``{(CURRENT or PREVIOUS, group value): n}``
    (``scope`` and ``group`` name fields of the record). One query."""
    span = _span(period, previous)
    qs = ActivityParticipant.objects.filter(
        _prefixed(scope, "record__"),
        record__date__gte=span.start,
        record__date__lte=span.end,
        first_visit=True,
    )
    annotations = {"which": _which("record__date", period, dates=True)} if previous else {}
    return {
        (row.get("which", CURRENT), row[f"record__{group}"]): row["n"]
        for row in qs.annotate(**annotations)
        .values(*annotations, f"record__{group}")
        .annotate(n=Count("pk"))
        .order_by()
    }


def session_counts_by(
    period: Period, scope: Q, group: str | None = None, *, previous: Period | None = None
) -> dict[tuple, SessionCounts]:
    """``{(CURRENT or PREVIOUS, group value or None): SessionCounts}``: sessions by status
    (one query) and registered people present or absent at held sessions (one query)."""
    start, end = _span(period, previous).bounds()
    annotations = {"which": _which("start", period)} if previous else {}
    keys = [*annotations, *([group] if group else []), "status"]
    rows = (
        Session.objects.filter(scope, start__gte=start, start__lt=end)
        .annotate(**annotations)
        .values(*keys)
        .annotate(n=Count("pk"), anonymous=Sum("anonymous_count"))
        .order_by()
    )
    result: dict[tuple, SessionCounts] = defaultdict(SessionCounts)
    for row in rows:
        key = (row.get("which", CURRENT), row[group] if group else None)
        result[key].add_status(row["status"], row["n"], row["anonymous"])
    attendances = Attendance.objects.filter(
        _prefixed(scope, "session__"),
        session__start__gte=start,
        session__start__lt=end,
        session__status=SessionStatus.HELD,
    )
    annotations = {"which": _which("session__start", period)} if previous else {}
    keys = [*annotations, *([f"session__{group}"] if group else []), "present"]
    for row in attendances.annotate(**annotations).values(*keys).annotate(n=Count("pk")).order_by():
        key = (row.get("which", CURRENT), row[f"session__{group}"] if group else None)
        if row["present"]:
            result[key].present += row["n"]
        else:
            result[key].absent += row["n"]
    return result


# --- Hours of permanence offered ------------------------------------------------------------


def offered_minutes_by(
    period: Period, permanences: Sequence[Permanence], closures: Sequence[Closure]
) -> dict[int, int]:
    """Minutes of permanence offered per permanence: its occurrences in the period,
    minus public holidays and the part of each occurrence a closure covers.

    Occurrences are counted, not listed; only the days a closure touches are walked.
    """
    holidays = set(public_holidays(period.start, period.end))
    result: dict[int, int] = {}
    for perm in permanences:
        rule = WeeklyRule.of(perm)
        first = max(period.start, rule.valid_from)
        last = min(period.end, rule.valid_until) if rule.valid_until else period.end
        if first > last:
            result[perm.pk] = 0
            continue
        recurrence = rule.recurrence
        count = recurrence.count(first, last)
        count -= sum(1 for h in holidays if first <= h <= last and recurrence.occurs_on(h))
        length = (
            dt.datetime.combine(first, rule.end_time) - dt.datetime.combine(first, rule.start_time)
        ).seconds // 60
        minutes = count * length
        spans = _merged(
            (c.start, c.end)
            for c in closures
            if (c.commune_id is None or c.commune_id == perm.commune_id)
            and (c.venue_id is None or c.venue_id == perm.venue_id)
            and (c.adviser_id is None or c.adviser_id == perm.adviser_id)
        )
        for c_start, c_end in spans:
            days = occurrence_dates(
                replace(
                    rule,
                    valid_from=max(first, c_start.astimezone(PARIS).date()),
                    valid_until=min(last, c_end.astimezone(PARIS).date()),
                ),
                first,
                last,
            )
            for day in days:
                if day in holidays:
                    continue
                o_start = localize(dt.datetime.combine(day, rule.start_time))
                o_end = localize(dt.datetime.combine(day, rule.end_time))
                if o_start is None or o_end is None:
                    continue
                overlap = min(o_end, c_end) - max(o_start, c_start)
                if overlap > dt.timedelta(0):
                    minutes -= int(overlap.total_seconds() // 60)
        result[perm.pk] = max(minutes, 0)
    return result


def _merged(spans: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[tuple]:
    merged: list[tuple] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _permanences_and_closures(period: Period, permanence_scope: Q, territory_id: int):
    """Permanences active in the period (one query) and the territory's closures that
    overlap it (one query)."""
    permanences = list(
        Permanence.objects.filter(permanence_scope)
        .active_between(period.start, period.end)
        .select_related("commune", "venue")
        .only(
            "pk",
            "commune__name",
            "venue__name",
            "commune_id",
            "venue_id",
            "adviser_id",
            "weekday",
            "frequency",
            "first_date",
            "week_of_month",
            "start_time",
            "end_time",
            "slot_minutes",
            "valid_from",
            "valid_until",
        )
        .order_by()
    )
    start, end = period.bounds()
    closures = list(
        Closure.objects.filter(territory_id=territory_id)
        .overlapping(start, end)
        .only("commune_id", "venue_id", "adviser_id", "start", "end")
        .order_by()
    )
    return permanences, closures


def permanence_label(perm: Permanence) -> str:
    """« Commune, lieu — le mercredi de 9h à 12h » (names loaded with the permanence)."""
    return f"{perm.commune.name}, {perm.venue.name} — {perm.hours_label}"


def _permanence_rows(
    counts: dict[int, AppointmentCounts], permanences: Sequence[Permanence]
) -> list[PermanenceRow]:
    """One row per permanence with appointments in the period, in the order of the labels.
    A permanence not active in the period (its appointments were kept) is named by its
    number: no query per row."""
    labels = {perm.pk: permanence_label(perm) for perm in permanences}
    rows = [
        PermanenceRow(labels.get(pk, f"Permanence n° {pk}"), c)
        for pk, c in counts.items()
        if c.booked
    ]
    return sorted(rows, key=lambda r: r.label)


def noshow_rate_by_confirmation(period: Period, scope: Q) -> list[ConfirmationEffectRow]:
    """The effect of « confirm or release » (issue 16): the no-show rate among the
    appointments whose person confirmed (« Je viens ») and among those asked who did not
    answer, for the appointments of ``scope`` in ``period``.

    One query (grouped by the answer and the status), whatever the data. Only appointments
    that were asked count; those who answered « Je ne peux pas venir » were cancelled, so
    they have no attendance to count. No rows when nobody was asked in the period: the
    reports then show no table for it."""
    rows = (
        _appointments(period, scope)
        .filter(confirmation_asked_at__isnull=False)
        .values("confirmation_answer", "status")
        .annotate(n=Count("pk"))
    )
    confirmed, silent = AppointmentCounts(), AppointmentCounts()
    asked = False
    for row in rows:
        asked = True
        if row["confirmation_answer"] == ConfirmationAnswer.YES:
            confirmed.add_status(row["status"], row["n"], None)
        elif not row["confirmation_answer"]:
            silent.add_status(row["status"], row["n"], None)
    if not asked:
        return []
    return [
        ConfirmationEffectRow("Ont confirmé (« Je viens »)", confirmed),
        ConfirmationEffectRow("N'ont pas répondu", silent),
    ]


# --- The reports ------------------------------------------------------------------------------


def attendance_report(*, commune: Commune, period: Period) -> AttendanceReport:
    """Every figure of one commune's attendance report, in a fixed number of queries: each
    table is read once per figure group (appointments by month and status, distinct people,
    reasons, records, participants, thématiques, sessions, attendance)."""
    in_commune = Q(permanence__commune_id=commune.pk)
    months = period.months()
    by_month = [MonthRow(month) for month in months]
    totals = AppointmentCounts()
    by_permanence: dict[int, AppointmentCounts] = defaultdict(AppointmentCounts)
    for (_which, index, permanence_id), counts in appointment_counts_by(
        period, in_commune, ("permanence_id",), months=True
    ).items():
        by_month[min(index, len(months) - 1)].counts.merge(counts)
        by_permanence[permanence_id].merge(counts)
        totals.merge(counts)
    people = people_helped_by(period, in_commune)[(CURRENT, None)]
    permanences, closures = _permanences_and_closures(
        period, Q(commune_id=commune.pk), commune.territory_id
    )
    offered = sum(offered_minutes_by(period, permanences, closures).values())
    sessions = session_counts_by(period, Q(venue__commune_id=commune.pk)).get(
        (CURRENT, None), SessionCounts()
    )
    return AttendanceReport(
        territory_id=commune.territory_id,
        territory_name=commune.territory.name,
        commune_name=commune.name,
        commune_insee=commune.insee_code,
        period=period,
        appointments=totals,
        people_helped=people,
        offered_minutes=offered,
        by_month=by_month,
        by_topic=topic_counts(period, Q(appointment__permanence__commune_id=commune.pk)),
        activity=activity_counts(
            period, Q(commune_id=commune.pk), imported_scope=Q(commune_id=commune.pk)
        ),
        sessions=sessions,
        generated_at=clock.now(),
        by_permanence=_permanence_rows(by_permanence, permanences),
        by_confirmation=noshow_rate_by_confirmation(period, in_commune),
    )


COMPARED = (
    ("booked", "Rendez-vous pris"),
    ("seen", "Rendez-vous honorés"),
    ("noshow", "Absences"),
    ("cancelled", "Annulations"),
    ("people_helped", "Personnes reçues (différentes)"),
    ("first_visits", "Premières visites"),
    ("offered_hours", "Heures de permanence proposées"),
    ("used_hours", "Heures de permanence utilisées"),
    ("sessions_held", "Ateliers tenus"),
    ("participants", "Participants aux ateliers"),
)


def _comparable(row: CommuneRow) -> dict[str, int]:
    a = row.appointments
    return {
        "booked": a.booked,
        "seen": a.seen,
        "noshow": a.noshow,
        "cancelled": a.cancelled,
        "people_helped": row.people_helped,
        "first_visits": row.first_visits,
        "offered_hours": round(row.offered_minutes / 60),
        "used_hours": round(a.used_minutes / 60),
        "sessions_held": row.sessions.held,
        "participants": row.sessions.participants,
    }


def territory_dashboard(*, territory: Territory, period: Period) -> TerritoryDashboard:
    """The same figures for every commune side by side, per adviser and per workshop
    format, with the totals of the previous period of the same length.

    The period and the one before are read by the same queries (a ``CASE`` on the date
    tells them apart): the appointments once grouped by (period, commune, adviser, status),
    once for distinct people; the participants, sessions and attendance once each."""
    from cadran.accounts.models import User

    previous = period.previous()
    communes = list(Commune.objects.filter(territory=territory).order_by("name", "insee_code"))
    in_territory = Q(permanence__commune__territory_id=territory.pk)
    # Grouped by permanence too (a permanence has one commune and one adviser: no more
    # rows) and by month: the no-show rates per permanence and per month, same query.
    appointments = appointment_counts_by(
        period,
        in_territory,
        ("permanence__commune_id", "permanence__adviser_id", "permanence_id"),
        months=True,
        previous=previous,
    )
    people = people_helped_by(period, in_territory, "permanence__commune_id", previous=previous)
    first_visits = first_visits_by(
        period, Q(territory_id=territory.pk), "commune_id", previous=previous
    )
    sessions = session_counts_by(
        period, Q(workshop__territory_id=territory.pk), "venue__commune_id", previous=previous
    )
    permanences, closures = _permanences_and_closures(
        _span(period, previous), Q(commune__territory_id=territory.pk), territory.pk
    )
    offered = {
        CURRENT: offered_minutes_by(period, permanences, closures),
        PREVIOUS: offered_minutes_by(previous, permanences, closures),
    }

    months = period.months()
    by_month = [MonthRow(month) for month in months]
    by_commune: dict[tuple, AppointmentCounts] = defaultdict(AppointmentCounts)
    by_adviser: dict[int, AppointmentCounts] = defaultdict(AppointmentCounts)
    by_permanence: dict[int, AppointmentCounts] = defaultdict(AppointmentCounts)
    for (which, month, commune_id, adviser_id, permanence_id), counts in appointments.items():
        by_commune[(which, commune_id)].merge(counts)
        if which == CURRENT:
            by_adviser[adviser_id].merge(counts)
            by_permanence[permanence_id].merge(counts)
            by_month[min(month, len(months) - 1)].counts.merge(counts)
    offered_by_commune: dict[tuple, int] = defaultdict(int)
    offered_by_adviser: dict[int, int] = defaultdict(int)
    for perm in permanences:
        for which in (CURRENT, PREVIOUS):
            offered_by_commune[(which, perm.commune_id)] += offered[which][perm.pk]
        offered_by_adviser[perm.adviser_id] += offered[CURRENT][perm.pk]

    def commune_rows(which: int) -> tuple[list[CommuneRow], CommuneRow]:
        rows, total = [], CommuneRow("", "Tout le territoire")
        for commune in communes:
            key = (which, commune.pk)
            row = CommuneRow(
                insee=commune.insee_code,
                name=commune.name,
                appointments=by_commune.get(key, AppointmentCounts()),
                people_helped=people.get(key, 0),
                first_visits=first_visits.get(key, 0),
                offered_minutes=offered_by_commune.get(key, 0),
                sessions=sessions.get(key, SessionCounts()),
            )
            rows.append(row)
            total.appointments.merge(row.appointments)
            total.sessions.merge(row.sessions)
            total.first_visits += row.first_visits
            total.offered_minutes += row.offered_minutes
        total.people_helped = people.get((which, None), 0)
        return rows, total

    rows, total = commune_rows(CURRENT)
    _before, prev_total = commune_rows(PREVIOUS)

    # Per adviser: appointments of their permanences, records, sessions they led.
    records = {
        row["adviser_id"]: row["n"]
        for row in _records(period, Q(territory_id=territory.pk))
        .values("adviser_id")
        .annotate(n=Count("pk"))
    }
    start, end = period.bounds()
    led = {
        row["advisers"]: row["n"]
        for row in Session.objects.filter(
            workshop__territory_id=territory.pk,
            start__gte=start,
            start__lt=end,
            status=SessionStatus.HELD,
        )
        .values("advisers")
        .annotate(n=Count("pk"))
        .order_by()
    }
    adviser_ids = set(by_adviser) | set(records) | set(led) | set(offered_by_adviser)
    adviser_ids.discard(None)
    advisers = [
        AdviserRow(
            name=user.get_full_name() or user.email,
            appointments=by_adviser.get(user.pk, AppointmentCounts()),
            offered_minutes=offered_by_adviser.get(user.pk, 0),
            records=records.get(user.pk, 0),
            sessions_held=led.get(user.pk, 0),
        )
        for user in User.objects.filter(pk__in=adviser_ids)
        .only("pk", "first_name", "last_name", "email")
        .order_by("last_name", "first_name")
    ]

    by_format = session_counts_by(
        period, Q(workshop__territory_id=territory.pk), "workshop__format_id"
    )
    formats = [
        FormatRow(name=fmt.name, sessions=by_format.get((CURRENT, fmt.pk), SessionCounts()))
        for fmt in WorkshopFormat.objects.filter(territory=territory).order_by("name")
    ]

    current, before = _comparable(total), _comparable(prev_total)
    comparison = [Comparison(key, label, current[key], before[key]) for key, label in COMPARED]
    return TerritoryDashboard(
        territory_id=territory.pk,
        territory_name=territory.name,
        period=period,
        previous_period=previous,
        communes=rows,
        total=total,
        advisers=advisers,
        formats=formats,
        comparison=comparison,
        generated_at=clock.now(),
        by_month=by_month,
        by_permanence=_permanence_rows(by_permanence, permanences),
        by_confirmation=noshow_rate_by_confirmation(period, in_territory),
    )


__all__ = [
    "AppointmentCounts",
    "AttendanceReport",
    "Tally",
    "Period",
    "TerritoryDashboard",
    "attendance_report",
    "noshow_rate",
    "noshow_rate_by_confirmation",
    "preset_period",
    "territory_dashboard",
]
