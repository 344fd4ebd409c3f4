"""The board's conflict rules, as pure functions: no database."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from cadran.board.conflicts import (
    BELOW_MINIMUM,
    CLOSURE,
    DOUBLE_BOOKING,
    TRAVEL,
    VENUE,
    ClosureEntry,
    Engagement,
    Occurrence,
    SessionEntry,
    TravelMatrix,
    adviser_conflicts,
    below_minimum_conflicts,
    closure_conflicts,
    conflicts_by_key,
    engagements_of,
    find_conflicts,
    venue_conflicts,
)
from cadran.core.clock import PARIS

ESTAIRES, MERVILLE, LESTREM = 1, 2, 3
DAVID, SOPHIE = 10, 20
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=PARIS)


def occurrence(
    *, perm=1, commune=ESTAIRES, name="Estaires", adviser=DAVID, day=2, start=9, end=12, **kw
) -> Occurrence:
    return Occurrence(
        permanence_id=perm,
        commune_id=commune,
        commune_name=name,
        venue_id=commune * 100,
        venue_name=f"Mairie de {name}",
        adviser_id=adviser,
        adviser_name="David Thibaut" if adviser == DAVID else "Sophie Conseillère",
        day=dt.date(2026, 12, day),
        start=at(day, start),
        end=at(day, end),
        busy_start=kw.pop("busy_start", at(day, start)),
        offered=end - start,
        **kw,
    )


def venue(**kw):
    base = {
        "heated": True,
        "wifi": True,
        "has_tables_chairs": True,
        "has_projector": False,
        "has_screen": False,
        "has_pc": False,
    }
    return SimpleNamespace(**(base | kw))


def fmt(**kw):
    base = {
        "needs_wifi": True,
        "needs_tables_chairs": True,
        "needs_projector": False,
        "needs_screen": False,
        "needs_pc": False,
    }
    return SimpleNamespace(**(base | kw))


def session(
    *,
    pk=5,
    commune=MERVILLE,
    name="Merville",
    advisers=(DAVID,),
    day=2,
    start=(12, 0),
    end=(14, 0),
    **kw,
) -> SessionEntry:
    values = {
        "session_id": pk,
        "title": "Arnaques en ligne",
        "format_id": 1,
        "format_name": "Cours collectif",
        "commune_id": commune,
        "commune_name": name,
        "venue_id": commune * 100 + 1,
        "venue_name": f"Médiathèque de {name}",
        "adviser_ids": tuple(advisers),
        "adviser_names": tuple("David Thibaut" for _ in advisers),
        "start": at(day, *start),
        "end": at(day, *end),
        "status": "scheduled",
        "status_label": "Programmée",
        "is_target": True,
        "confirmed": 5,
        "min_attendance": 4,
        "capacity": 12,
        "decision_at": at(day, *start) - dt.timedelta(hours=48),
        "fmt": fmt(),
        "venue": venue(),
    }
    values.update(kw)
    return SessionEntry(**values)


def closure(*, pk=7, start, end, commune=None, venue_id=None, adviser=None, reason="Formation"):
    scope = "Tout le territoire"
    if adviser:
        scope = "Conseiller : David Thibaut"
    elif commune:
        scope = "Commune : Estaires"
    return ClosureEntry(
        closure_id=pk,
        commune_id=commune,
        venue_id=venue_id,
        venue_commune_id=None,
        adviser_id=adviser,
        start=start,
        end=end,
        reason=reason,
        scope_label=scope,
    )


# --- Travel matrix ---------------------------------------------------------------------------


def test_travel_matrix_is_symmetric_with_a_default():
    matrix = TravelMatrix(pairs={(ESTAIRES, MERVILLE): 12}, default=20)
    assert matrix.minutes(ESTAIRES, MERVILLE) == 12
    assert matrix.minutes(MERVILLE, ESTAIRES) == 12
    assert matrix.minutes(ESTAIRES, LESTREM) == 20
    assert matrix.minutes(ESTAIRES, ESTAIRES) == 0
    assert matrix.is_default(ESTAIRES, LESTREM)
    assert not matrix.is_default(MERVILLE, ESTAIRES)


# --- An adviser in two places, or without the travel time ----------------------------------


def test_an_adviser_in_two_places_at_once():
    found = find_conflicts(
        occurrences=[occurrence()],
        sessions=[session(start=(11, 0), end=(13, 0))],
        closures=[],
        travel=TravelMatrix(),
        now=NOW,
    )
    assert [c.kind for c in found] == [DOUBLE_BOOKING]
    conflict = found[0]
    assert set(conflict.keys) == {"p1-20261202", "s5"}
    assert conflict.adviser_ids == (DAVID,)
    assert "deux endroits en même temps" in conflict.message
    assert "mercredi 2 décembre" in conflict.message
    assert conflict.label == "Deux endroits à la fois"


def test_the_arrival_time_counts():
    """David arrives at 8h45 for his 9h permanence: a session until 8h50 elsewhere overlaps."""
    occ = occurrence(busy_start=at(2, 8, 45))
    early = session(start=(7, 30), end=(8, 50), commune=ESTAIRES, name="Estaires")
    found = adviser_conflicts(engagements_of([occ], [early]), TravelMatrix())
    assert [c.kind for c in found] == [DOUBLE_BOOKING]


def test_no_time_to_travel_between_two_communes():
    matrix = TravelMatrix(pairs={(ESTAIRES, MERVILLE): 15}, default=20)
    found = find_conflicts(
        occurrences=[occurrence()],
        sessions=[session(start=(12, 10), end=(14, 0))],
        closures=[],
        travel=matrix,
        now=NOW,
    )
    assert [c.kind for c in found] == [TRAVEL]
    assert "10 minutes" in found[0].message
    assert "15 minutes de trajet" in found[0].message
    assert "Estaires" in found[0].message and "Merville" in found[0].message


def test_enough_time_to_travel_is_no_conflict():
    matrix = TravelMatrix(pairs={(ESTAIRES, MERVILLE): 15}, default=20)
    found = find_conflicts(
        occurrences=[occurrence()],
        sessions=[session(start=(12, 15), end=(14, 0))],
        closures=[],
        travel=matrix,
        now=NOW,
    )
    assert found == []


def test_a_missing_pair_takes_the_default():
    found = adviser_conflicts(
        engagements_of([occurrence()], [session(start=(12, 15), end=(14, 0))]),
        TravelMatrix(default=20),
    )
    assert [c.kind for c in found] == [TRAVEL]


def test_same_commune_needs_no_travel_and_other_advisers_do_not_count():
    same_commune = session(commune=ESTAIRES, name="Estaires", start=(12, 0), end=(13, 0))
    sophie = session(pk=6, advisers=(SOPHIE,), start=(10, 0), end=(11, 0))
    found = find_conflicts(
        occurrences=[occurrence()],
        sessions=[same_commune, sophie],
        closures=[],
        travel=TravelMatrix(default=60),
        now=NOW,
    )
    assert found == []


def test_only_the_next_engagement_needs_the_travel_time():
    """Estaires until 12h, Merville 13h–14h, Lestrem 14h30: each leg is checked on its own
    (Estaires → Lestrem is not, with Merville in between)."""
    matrix = TravelMatrix(
        pairs={(ESTAIRES, MERVILLE): 15, (MERVILLE, LESTREM): 20, (ESTAIRES, LESTREM): 200}
    )
    merville = session(start=(13, 0), end=(14, 0))
    lestrem = session(pk=6, commune=LESTREM, name="Lestrem", start=(14, 30), end=(16, 0))
    found = find_conflicts(
        occurrences=[occurrence()],
        sessions=[merville, lestrem],
        closures=[],
        travel=matrix,
        now=NOW,
    )
    assert found == []


def test_closed_occurrences_and_cancelled_sessions_hold_nobody():
    closed = occurrence(holiday="Armistice")
    cancelled = session(start=(10, 0), end=(11, 0), status="cancelled_by_service")
    assert engagements_of([closed], [cancelled]) == []


@given(
    a_start=st.integers(min_value=0, max_value=600),
    a_len=st.integers(min_value=15, max_value=240),
    b_start=st.integers(min_value=0, max_value=600),
    b_len=st.integers(min_value=15, max_value=240),
    travel=st.integers(min_value=0, max_value=90),
    same_commune=st.booleans(),
)
def test_two_engagements_conflict_exactly_when_they_overlap_or_the_gap_is_too_short(
    a_start, a_len, b_start, b_len, travel, same_commune
):
    base = dt.datetime(2026, 12, 2, 8, 0, tzinfo=PARIS)

    def engagement(key, commune, start, length):
        return Engagement(
            key=key,
            adviser_id=DAVID,
            adviser_name="David",
            commune_id=commune,
            commune_name=str(commune),
            start=base + dt.timedelta(minutes=start),
            end=base + dt.timedelta(minutes=start + length),
            label=key,
        )

    a = engagement("a", ESTAIRES, a_start, a_len)
    b = engagement("b", ESTAIRES if same_commune else MERVILLE, b_start, b_len)
    found = adviser_conflicts([a, b], TravelMatrix(pairs={(ESTAIRES, MERVILLE): travel}))
    overlap = a.start < b.end and b.start < a.end
    first, second = sorted([a, b], key=lambda e: (e.start, e.end, e.key))
    gap = (second.start - first.end).total_seconds() / 60
    too_short = not overlap and not same_commune and gap < travel
    assert bool(found) == (overlap or too_short)
    if found:
        assert len(found) == 1
        assert found[0].kind == (DOUBLE_BOOKING if overlap else TRAVEL)
        assert set(found[0].keys) == {"a", "b"}


# --- A session in a venue that lacks what it needs ------------------------------------------


def test_a_venue_without_what_the_format_needs():
    entry = session(fmt=fmt(needs_projector=True, needs_pc=True), venue=venue(has_pc=True))
    found = venue_conflicts([entry])
    assert [c.kind for c in found] == [VENUE]
    assert "vidéoprojecteur" in found[0].message
    assert "ordinateur" not in found[0].message
    assert found[0].label == "Lieu pas adapté"


def test_a_3d_printer_session_without_a_printer_lent():
    entry = session(needs_printer=True, printer_booked=False)
    found = venue_conflicts([entry])
    assert "imprimante 3D" in found[0].message
    assert venue_conflicts([session(needs_printer=True, printer_booked=True)]) == []


def test_a_suitable_venue_or_a_held_session_is_no_conflict():
    assert venue_conflicts([session()]) == []
    held = session(status="held", venue=venue(heated=False))
    assert venue_conflicts([held]) == []


# --- A permanence on a closure day -----------------------------------------------------------


def test_a_permanence_occurrence_on_a_closure_with_appointments():
    occ = occurrence(booked=2)
    training = closure(start=at(2, 0), end=at(3, 0), adviser=DAVID)
    found = closure_conflicts([occ], [], [training])
    assert [c.kind for c in found] == [CLOSURE]
    assert set(found[0].keys) == {"p1-20261202", "c7"}
    assert "2 rendez-vous déjà pris" in found[0].message
    assert "Formation" in found[0].message


def test_a_closure_elsewhere_or_another_day_is_no_conflict():
    occ = occurrence()
    other_commune = closure(start=at(2, 0), end=at(3, 0), commune=MERVILLE)
    other_day = closure(pk=8, start=at(3, 0), end=at(4, 0))
    sophie_away = closure(pk=9, start=at(2, 0), end=at(3, 0), adviser=SOPHIE)
    assert closure_conflicts([occ], [], [other_commune, other_day, sophie_away]) == []


def test_a_public_holiday_is_not_a_closure_conflict():
    occ = occurrence(holiday="Armistice")
    assert closure_conflicts([occ], [], [closure(start=at(2, 0), end=at(3, 0))]) == []


def test_a_session_when_its_adviser_is_away_or_its_commune_is_closed():
    entry = session()
    away = closure(start=at(2, 0), end=at(3, 0), adviser=DAVID)
    closed = closure(pk=8, start=at(2, 11), end=at(2, 13), commune=MERVILLE)
    found = closure_conflicts([], [entry], [away, closed])
    assert [c.keys for c in found] == [("s5", "c7"), ("s5", "c8")]
    assert "absent" in found[0].message
    assert "fermé" in found[1].message


# --- A session below its minimum 3 days before the decision ---------------------------------


def test_below_minimum_within_three_days_of_the_decision():
    entry = session(day=5, start=(10, 0), end=(12, 0), confirmed=3)  # decision 3/12 10h
    found = below_minimum_conflicts([entry], now=at(1, 10))  # 2 days before
    assert [c.kind for c in found] == [BELOW_MINIMUM]
    assert "3 inscrit(s) pour un minimum de 4" in found[0].message
    assert "Sans 1 inscription(s) de plus" in found[0].message
    assert entry.attendance_label == "3/4 min."


def test_below_minimum_is_not_flagged_earlier_nor_when_reached_or_decided():
    early = session(day=10, confirmed=0)  # decision 8/12: 11 days after now
    assert below_minimum_conflicts([early], now=NOW) == []
    reached = session(day=5, confirmed=4)
    decided = session(day=5, confirmed=0, status="confirmed")
    not_target = session(day=5, confirmed=0, is_target=False)
    assert below_minimum_conflicts([reached, decided, not_target], now=at(1, 10)) == []
    # Exactly three days before the decision: flagged.
    edge = session(day=5, confirmed=0)
    assert below_minimum_conflicts([edge], now=edge.decision_at - dt.timedelta(days=3))


def test_conflicts_are_numbered_by_key_for_the_cells():
    found = find_conflicts(
        occurrences=[occurrence(booked=1)],
        sessions=[session(start=(11, 0), end=(13, 0))],
        closures=[closure(start=at(2, 0), end=at(3, 0), commune=ESTAIRES)],
        travel=TravelMatrix(),
        now=NOW,
    )
    kinds = [c.kind for c in found]
    # The occurrence is closed by the commune closure (offered 3, closed 0: not all closed,
    # the counts come from the selectors), so it still holds David: both conflicts.
    assert kinds == [DOUBLE_BOOKING, CLOSURE]
    index = conflicts_by_key(found)
    assert [n for n, _ in index["p1-20261202"]] == [1, 2]
    assert [n for n, _ in index["s5"]] == [1]
    assert [n for n, _ in index["c7"]] == [2]
