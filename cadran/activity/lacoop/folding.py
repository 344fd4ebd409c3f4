"""When an activity read from La Coop is one of Cadran's own records (counted once).

The rule (docs/lacoop.md): an imported activity and a Cadran record are the same activity
when they have

- the same adviser,
- the same date,
- the same kind — La Coop's « aide aux démarches administratives » is an individual help
  in Cadran (where the démarche is a thématique of an individual record),
- and, for an individual help, durations within :data:`TOLERANCE_MINUTES` of each other
  (5 minutes apart: the same; 6 minutes: two activities). A workshop's duration is not
  compared (the same workshop is often rounded differently).

Pairs are one to one: a Cadran record absorbs at most one imported activity, so two
imported helps of the same afternoon facing one record count as two (one of them the
record). Within a group the pairing is the largest possible (durations in order, each
imported activity paired with the shortest record still free within the tolerance), so
the result does not depend on the order of the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from cadran.activity.enums import TypeActivite

from .models import LaCoopKind

TOLERANCE_MINUTES = 5


@dataclass(frozen=True)
class Facts:
    """What the rule compares of an activity (``key``: its primary key)."""

    key: int
    adviser_id: int
    date: dt.date
    kind: str  # Cadran's kind (:class:`TypeActivite`)
    duration_minutes: int


def cadran_kind(lacoop_kind: str) -> str:
    """La Coop's type of activity as Cadran's kind."""
    if lacoop_kind == LaCoopKind.COLLECTIF:
        return TypeActivite.COLLECTIF
    return TypeActivite.INDIVIDUEL  # individuel and demarche_administrative


def same_activity(own: Facts, imported: Facts) -> bool:
    """The rule for one pair (without the one-to-one pairing)."""
    if (own.adviser_id, own.date, own.kind) != (imported.adviser_id, imported.date, imported.kind):
        return False
    if own.kind == TypeActivite.COLLECTIF:
        return True
    return abs(own.duration_minutes - imported.duration_minutes) <= TOLERANCE_MINUTES


def match(own: Iterable[Facts], imported: Iterable[Facts]) -> dict[int, int]:
    """``{imported key: own key}`` for every imported activity that is a Cadran record."""
    groups: dict[tuple, tuple[list[Facts], list[Facts]]] = defaultdict(lambda: ([], []))
    for facts in own:
        groups[(facts.adviser_id, facts.date, facts.kind)][0].append(facts)
    for facts in imported:
        groups[(facts.adviser_id, facts.date, facts.kind)][1].append(facts)
    pairs: dict[int, int] = {}
    for (_, _, kind), (mine, theirs) in groups.items():
        if not mine or not theirs:
            continue
        if kind == TypeActivite.COLLECTIF:
            mine.sort(key=lambda f: f.key)
            theirs.sort(key=lambda f: f.key)
            pairs.update((t.key, m.key) for m, t in zip(mine, theirs, strict=False))
            continue
        mine.sort(key=lambda f: (f.duration_minutes, f.key))
        theirs.sort(key=lambda f: (f.duration_minutes, f.key))
        i = 0
        for t in theirs:
            while (
                i < len(mine) and mine[i].duration_minutes < t.duration_minutes - TOLERANCE_MINUTES
            ):
                i += 1
            if i < len(mine) and mine[i].duration_minutes <= t.duration_minutes + TOLERANCE_MINUTES:
                pairs[t.key] = mine[i].key
                i += 1
    return pairs


def own_facts(records) -> list[Facts]:
    """Facts of ActivityRecord rows (a queryset or ``values()`` dicts)."""
    return [
        Facts(r["pk"], r["adviser_id"], r["date"], r["kind"], r["duration_minutes"])
        for r in records.values("pk", "adviser_id", "date", "kind", "duration_minutes")
    ]


def imported_facts(rows) -> list[Facts]:
    """Facts of ImportedActivity rows matched to an adviser."""
    return imported_facts_of(
        list(rows.values("pk", "adviser_id", "date", "kind", "duration_minutes"))
    )


def imported_facts_of(rows: list[dict]) -> list[Facts]:
    """Facts of ``values()`` dicts of imported activities matched to an adviser."""
    return [
        Facts(r["pk"], r["adviser_id"], r["date"], cadran_kind(r["kind"]), r["duration_minutes"])
        for r in rows
        if r["adviser_id"] is not None
    ]


def duplicates_among(imported_rows) -> dict[int, int]:
    """``{imported pk: record pk}`` for ``imported_rows`` (a queryset of imported
    activities matched to advisers). The pairing is the territory-wide one: every countable
    imported activity and every Cadran record of the same advisers and dates, wherever
    they took place, so a commune's report and its neighbour's agree on which activity is
    which. One query, three when there is something imported."""
    return duplicates_of(imported_facts(imported_rows))


def duplicates_of(wanted: list[Facts]) -> dict[int, int]:
    """:func:`duplicates_among` for the facts of imported activities already read."""
    from cadran.activity.models import ActivityRecord, ImportedActivity

    if not wanted:
        return {}
    advisers = {f.adviser_id for f in wanted}
    dates = {f.date for f in wanted}
    theirs = imported_facts(
        ImportedActivity.objects.countable()
        .filter(adviser_id__in=advisers, date__in=dates)
        .order_by()
    )
    mine = own_facts(
        ActivityRecord.objects.filter(adviser_id__in=advisers, date__in=dates).order_by()
    )
    keys = {f.key for f in wanted}
    return {t: m for t, m in match(mine, theirs).items() if t in keys}
