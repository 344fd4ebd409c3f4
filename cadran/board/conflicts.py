"""Conflicts on the board (Cadran des interventions), as pure functions.

What the board holds is described by small dataclasses (a permanence occurrence, a
session, a closure, a loan), filled by :mod:`cadran.board.selectors` in a fixed number of
queries. The rules below read only those: no database, so they are tested directly.

The conflicts:

- an adviser in two places at once (two engagements that overlap);
- an adviser without the time to travel between two communes (the gap between one
  engagement and the next is shorter than the travel time, :class:`TravelMatrix`);
- a session in a venue that lacks what its format needs (convention, art. 4), or a
  3D-printer session without a printer lent to the commune;
- a permanence occurrence (or a session) on a closure: the day is closed but the
  occurrence stays on the calendar, with its appointments already taken;
- a session still below its minimum 3 days (or less) before its decision time.

The ``check_conflicts_for_*`` functions at the end load what they need through the
selectors, then call the same pure rules: they only warn, they never refuse.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cadran.core.clock import paris
from cadran.core.french import de
from cadran.notifications.formatting import day_label, hour_label
from cadran.workshops.conditions import venue_shortfalls

# A session below its minimum is flagged this long before its decision time.
BELOW_MINIMUM_WARNING = dt.timedelta(days=3)

DOUBLE_BOOKING = "double_booking"
TRAVEL = "travel"
VENUE = "venue"
CLOSURE = "closure"
BELOW_MINIMUM = "below_minimum"

KIND_LABELS = {
    DOUBLE_BOOKING: "Deux endroits à la fois",
    TRAVEL: "Trajet trop court",
    VENUE: "Lieu pas adapté",
    CLOSURE: "Jour de fermeture",
    BELOW_MINIMUM: "Pas assez d'inscrits",
}
# Sessions in these statuses still take place (they hold their advisers and venue).
LIVE_STATUSES = ("scheduled", "confirmed", "held")


# --- What the board holds ------------------------------------------------------------------


@dataclass(frozen=True)
class TravelMatrix:
    """Minutes between two communes; a pair stored one way counts both ways; a missing
    pair takes ``default``; a commune to itself is 0."""

    pairs: Mapping[tuple[int, int], int] = field(default_factory=dict)
    default: int = 20

    def minutes(self, a: int, b: int) -> int:
        if a == b:
            return 0
        value = self.pairs.get((a, b))
        if value is None:
            value = self.pairs.get((b, a))
        return self.default if value is None else value

    def is_default(self, a: int, b: int) -> bool:
        return a != b and (a, b) not in self.pairs and (b, a) not in self.pairs


@dataclass
class Occurrence:
    """One date of a permanence, with counts only (never a name)."""

    permanence_id: int
    commune_id: int
    commune_name: str
    venue_id: int
    venue_name: str
    adviser_id: int
    adviser_name: str
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    busy_start: dt.datetime  # the adviser's arrival time (or the start)
    offered: int = 0
    booked: int = 0
    free: int = 0
    closed_slots: int = 0
    holiday: str = ""
    closed_reasons: list[str] = field(default_factory=list)
    appointments: list[tuple[int, dt.datetime]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"p{self.permanence_id}-{self.day:%Y%m%d}"

    @property
    def is_closed(self) -> bool:
        return bool(self.holiday) or (self.offered > 0 and self.closed_slots >= self.offered)

    @property
    def hours(self) -> str:
        return f"{hour_label(self.start)}–{hour_label(self.end)}"


@dataclass
class SessionEntry:
    """One session of a workshop, with the registrations of what people register for
    (the session, or its cycle's first session)."""

    session_id: int
    title: str
    format_id: int
    format_name: str
    commune_id: int
    commune_name: str
    venue_id: int
    venue_name: str
    adviser_ids: tuple[int, ...]
    adviser_names: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    status: str
    status_label: str
    is_target: bool
    confirmed: int
    min_attendance: int
    capacity: int
    decision_at: dt.datetime
    fmt: Any = None  # the WorkshopFormat (what it needs)
    venue: Any = None  # the Venue (what it offers)
    needs_printer: bool = False
    printer_booked: bool = True
    # « Hors les murs »: held at its own place (``venue_name`` is then that place's name),
    # not at the venue it is attached to (``venue_id``, for its commune only).
    off_site: bool = False

    @property
    def key(self) -> str:
        return f"s{self.session_id}"

    @property
    def day(self) -> dt.date:
        return paris(self.start).date()

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def hours(self) -> str:
        return f"{hour_label(self.start)}–{hour_label(self.end)}"

    @property
    def attendance_label(self) -> str:
        """« 3/4 min. »: registrations against the minimum."""
        return f"{self.confirmed}/{self.min_attendance} min."

    @property
    def where(self) -> str:
        """Where it takes place, as the messages say it."""
        return f"{self.venue_name} (hors les murs)" if self.off_site else self.venue_name


@dataclass
class ClosureEntry:
    closure_id: int
    commune_id: int | None
    venue_id: int | None
    venue_commune_id: int | None
    adviser_id: int | None
    start: dt.datetime
    end: dt.datetime
    reason: str
    scope_label: str

    @property
    def key(self) -> str:
        return f"c{self.closure_id}"

    @property
    def is_leave(self) -> bool:
        return self.adviser_id is not None

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.start < end and start < self.end

    def applies_to_place(self, commune_id: int, venue_id: int) -> bool:
        """A closure of the whole territory, of this commune or of this venue."""
        if self.adviser_id is not None:
            return False
        return (self.commune_id is None or self.commune_id == commune_id) and (
            self.venue_id is None or self.venue_id == venue_id
        )

    def applies_to_permanence(self, occurrence: Occurrence) -> bool:
        """The rule of the slots (cadran.scheduling.slots.free_slots)."""
        return (
            (self.commune_id is None or self.commune_id == occurrence.commune_id)
            and (self.venue_id is None or self.venue_id == occurrence.venue_id)
            and (self.adviser_id is None or self.adviser_id == occurrence.adviser_id)
        )

    def days(self) -> list[dt.date]:
        """Paris days it touches (an end at midnight does not touch the next day)."""
        first = paris(self.start).date()
        last = paris(self.end - dt.timedelta(microseconds=1)).date()
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class LoanEntry:
    loan_id: int
    commune_id: int
    equipment_name: str
    is_printer: bool
    start_date: dt.date
    end_date: dt.date
    status: str
    status_label: str
    borrower_label: str
    booked: bool  # accepted or collected: what a session may rely on

    @property
    def key(self) -> str:
        return f"l{self.loan_id}"


@dataclass(frozen=True)
class Conflict:
    kind: str
    message: str
    day: dt.date
    keys: tuple[str, ...]
    adviser_ids: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Engagement:
    """An adviser busy somewhere: a permanence (from their arrival) or a session."""

    key: str
    adviser_id: int
    adviser_name: str
    commune_id: int
    commune_name: str
    start: dt.datetime
    end: dt.datetime
    label: str


# --- The rules -----------------------------------------------------------------------------


def _when(start: dt.datetime, end: dt.datetime) -> str:
    return f"{hour_label(start)}–{hour_label(end)}"


def engagements_of(
    occurrences: Iterable[Occurrence], sessions: Iterable[SessionEntry]
) -> list[Engagement]:
    """Where each adviser must be: open permanence occurrences, live sessions."""
    found: list[Engagement] = []
    for occ in occurrences:
        if occ.is_closed:
            continue
        found.append(
            Engagement(
                key=occ.key,
                adviser_id=occ.adviser_id,
                adviser_name=occ.adviser_name,
                commune_id=occ.commune_id,
                commune_name=occ.commune_name,
                start=occ.busy_start,
                end=occ.end,
                label=f"la permanence {de(occ.commune_name)}",
            )
        )
    for session in sessions:
        if not session.is_live:
            continue
        for adviser_id, name in zip(session.adviser_ids, session.adviser_names, strict=True):
            found.append(
                Engagement(
                    key=session.key,
                    adviser_id=adviser_id,
                    adviser_name=name,
                    commune_id=session.commune_id,
                    commune_name=session.commune_name,
                    start=session.start,
                    end=session.end,
                    label=f"l'atelier « {session.title} » à {session.where}",
                )
            )
    return found


def adviser_conflicts(
    engagements: Iterable[Engagement], travel: TravelMatrix | Callable[[int, int], int]
) -> list[Conflict]:
    """Two engagements of one adviser that overlap; or one that ends in a commune and the
    next one that starts in another commune before the travel time has passed."""
    minutes = travel.minutes if isinstance(travel, TravelMatrix) else travel
    by_adviser: dict[int, list[Engagement]] = defaultdict(list)
    for engagement in engagements:
        by_adviser[engagement.adviser_id].append(engagement)
    conflicts: list[Conflict] = []
    for adviser_id, items in by_adviser.items():
        items.sort(key=lambda e: (e.start, e.end, e.key))
        for i, a in enumerate(items):
            following = [b for b in items[i + 1 :] if b.key != a.key]
            for b in following:
                if b.start >= a.end:
                    break
                conflicts.append(
                    Conflict(
                        kind=DOUBLE_BOOKING,
                        message=(
                            f"{a.adviser_name} est prévu(e) à deux endroits en même temps le "
                            f"{day_label(a.start, year=False)} : {a.label} "
                            f"({_when(a.start, a.end)}) et {b.label} ({_when(b.start, b.end)})."
                        ),
                        day=paris(a.start).date(),
                        keys=(a.key, b.key),
                        adviser_ids=(adviser_id,),
                    )
                )
            # Travel: only to the next engagement that starts once this one is over.
            nxt = next((b for b in following if b.start >= a.end), None)
            if nxt is None or nxt.commune_id == a.commune_id:
                continue
            if paris(nxt.start).date() != paris(a.end).date():
                continue
            needed = minutes(a.commune_id, nxt.commune_id)
            gap = int((nxt.start - a.end).total_seconds() // 60)
            if gap < needed:
                conflicts.append(
                    Conflict(
                        kind=TRAVEL,
                        message=(
                            f"{a.adviser_name} n'a que {gap} minutes le "
                            f"{day_label(a.start, year=False)} pour aller {de(a.commune_name)} "
                            f"({a.label}, fin à {hour_label(a.end)}) à {nxt.commune_name} "
                            f"({nxt.label}, début à {hour_label(nxt.start)}) : il faut "
                            f"{needed} minutes de trajet."
                        ),
                        day=paris(a.end).date(),
                        keys=(a.key, nxt.key),
                        adviser_ids=(adviser_id,),
                    )
                )
    return conflicts


def venue_conflicts(sessions: Iterable[SessionEntry]) -> list[Conflict]:
    """Live sessions in a venue that lacks what the format needs, or that need a 3D
    printer when none is lent to the commune for the day. An off-site session is not held
    in its venue: what the venue lacks does not count (the printer lent still does)."""
    conflicts: list[Conflict] = []
    for session in sessions:
        if not session.is_live or session.status == "held":
            continue
        missing = (
            venue_shortfalls(session.fmt, session.venue)
            if session.fmt is not None and session.venue is not None and not session.off_site
            else []
        )
        if session.needs_printer and not session.printer_booked:
            missing.append(f"aucune imprimante 3D n'est prêtée à {session.commune_name} ce jour-là")
        if missing:
            conflicts.append(
                Conflict(
                    kind=VENUE,
                    message=(
                        f"« {session.title} » le {day_label(session.start, year=False)} à "
                        f"{session.where} : " + ", ".join(missing) + "."
                    ),
                    day=session.day,
                    keys=(session.key,),
                    adviser_ids=session.adviser_ids,
                )
            )
    return conflicts


def closure_conflicts(
    occurrences: Iterable[Occurrence],
    sessions: Iterable[SessionEntry],
    closures: Sequence[ClosureEntry],
) -> list[Conflict]:
    """A permanence occurrence that a closure covers (its appointments already taken must
    be moved or the people told); a live session in a closed venue, commune or territory,
    or led by an adviser who is away. An off-site session is not held in its venue nor in
    the commune's registered venues: only a closure of the whole territory or an
    adviser's absence concerns it."""
    conflicts: list[Conflict] = []
    for occ in occurrences:
        if occ.holiday:
            continue  # a public holiday closes the permanence: nothing to arbitrate
        for closure in closures:
            if not (closure.covers(occ.start, occ.end) and closure.applies_to_permanence(occ)):
                continue
            if occ.booked:
                consequence = (
                    f"{occ.booked} rendez-vous déjà pris : déplacez-les ou prévenez les personnes."
                )
            else:
                consequence = "aucun rendez-vous pris ; annoncez la fermeture sur place."
            conflicts.append(
                Conflict(
                    kind=CLOSURE,
                    message=(
                        f"La permanence {de(occ.commune_name)} du "
                        f"{day_label(occ.day, year=False)} ({occ.hours}) tombe sur une fermeture "
                        f"« {closure.reason} » ({closure.scope_label.lower()}) : {consequence}"
                    ),
                    day=occ.day,
                    keys=(occ.key, closure.key),
                    adviser_ids=(occ.adviser_id,),
                )
            )
    for session in sessions:
        if not session.is_live or session.status == "held":
            continue
        for closure in closures:
            if not closure.covers(session.start, session.end):
                continue
            if closure.is_leave:
                if closure.adviser_id not in session.adviser_ids:
                    continue
                what = f"{closure.scope_label.removeprefix('Conseiller : ')} est absent(e)"
            elif session.off_site and (closure.commune_id or closure.venue_id):
                continue
            elif closure.applies_to_place(session.commune_id, session.venue_id):
                what = f"{closure.scope_label.lower()} est fermé(e)"
            else:
                continue
            conflicts.append(
                Conflict(
                    kind=CLOSURE,
                    message=(
                        f"« {session.title} » le {day_label(session.start, year=False)} "
                        f"({session.hours}) : {what} (« {closure.reason} »)."
                    ),
                    day=session.day,
                    keys=(session.key, closure.key),
                    adviser_ids=session.adviser_ids,
                )
            )
    return conflicts


def below_minimum_conflicts(
    sessions: Iterable[SessionEntry],
    *,
    now: dt.datetime,
    warning: dt.timedelta = BELOW_MINIMUM_WARNING,
) -> list[Conflict]:
    """Sessions still to decide, below their minimum, whose decision time is less than
    ``warning`` away (or passed without a decision yet)."""
    conflicts: list[Conflict] = []
    for session in sessions:
        if not session.is_target or session.status != "scheduled":
            continue
        if session.confirmed >= session.min_attendance:
            continue
        if now < session.decision_at - warning:
            continue
        missing = session.min_attendance - session.confirmed
        conflicts.append(
            Conflict(
                kind=BELOW_MINIMUM,
                message=(
                    f"« {session.title} » du {day_label(session.start, year=False)} à "
                    f"{session.where} : {session.confirmed} inscrit(s) pour un minimum de "
                    f"{session.min_attendance}. Sans {missing} inscription(s) de plus, la séance "
                    f"sera annulée le {day_label(session.decision_at, year=False)} à "
                    f"{hour_label(session.decision_at)}."
                ),
                day=session.day,
                keys=(session.key,),
                adviser_ids=session.adviser_ids,
            )
        )
    return conflicts


def find_conflicts(
    *,
    occurrences: Sequence[Occurrence],
    sessions: Sequence[SessionEntry],
    closures: Sequence[ClosureEntry],
    travel: TravelMatrix,
    now: dt.datetime,
) -> list[Conflict]:
    """Every conflict, by day then kind (the order of the list on the board)."""
    order = list(KIND_LABELS)
    found = (
        adviser_conflicts(engagements_of(occurrences, sessions), travel)
        + closure_conflicts(occurrences, sessions, closures)
        + venue_conflicts(sessions)
        + below_minimum_conflicts(sessions, now=now)
    )
    return sorted(found, key=lambda c: (c.day, order.index(c.kind), c.keys))


def conflicts_by_key(conflicts: Iterable[Conflict]) -> dict[str, list[tuple[int, Conflict]]]:
    """For each item key, the conflicts (with their number in the list) that touch it."""
    index: dict[str, list[tuple[int, Conflict]]] = defaultdict(list)
    for number, conflict in enumerate(conflicts, start=1):
        for key in conflict.keys:
            index[key].append((number, conflict))
    return index


# --- Checks where things are created (warnings, never refusals) -----------------------------


def check_conflicts_for_session(
    *,
    session,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    venue=None,
    now: dt.datetime | None = None,
) -> list[Conflict]:
    """The conflicts a session has (or would have at ``start``–``end`` in ``venue``):
    with its advisers' other engagements, the venue, closures, its registrations."""
    from . import selectors

    return selectors.session_conflicts(session=session, start=start, end=end, venue=venue, now=now)


def check_conflicts_for_permanence(
    *, permanence, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None
) -> list[Conflict]:
    """The conflicts of a permanence's occurrences between two dates (inclusive)."""
    from . import selectors

    return selectors.permanence_conflicts(
        permanence=permanence, date_from=date_from, date_to=date_to, now=now
    )


def check_conflicts_for_closure(*, closure, now: dt.datetime | None = None) -> list[Conflict]:
    """What a new closure lands on: permanence occurrences (and sessions) it covers."""
    from . import selectors

    return selectors.closure_conflicts(closure=closure, now=now)
