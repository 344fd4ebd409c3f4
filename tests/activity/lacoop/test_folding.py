"""An activity read from La Coop that is one of Cadran's records counts once: same adviser,
same date, same kind and, for an individual help, durations within 5 minutes."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from cadran.activity.enums import TypeActivite
from cadran.activity.lacoop.folding import (
    TOLERANCE_MINUTES,
    Facts,
    cadran_kind,
    match,
    same_activity,
)

DAY = dt.date(2026, 11, 25)
IND, COL = TypeActivite.INDIVIDUEL, TypeActivite.COLLECTIF


def facts(key, duration=60, *, adviser=1, date=DAY, kind=IND) -> Facts:
    return Facts(key, adviser, date, kind, duration)


def test_the_tolerance_is_five_minutes():
    assert TOLERANCE_MINUTES == 5
    own = facts(1, 60)
    assert same_activity(own, facts(2, 65))
    assert same_activity(own, facts(2, 55))
    assert not same_activity(own, facts(2, 66))
    assert not same_activity(own, facts(2, 54))
    assert match([own], [facts(2, 65)]) == {2: 1}
    assert match([own], [facts(2, 66)]) == {}


def test_adviser_date_and_kind_must_be_the_same():
    own = facts(1)
    assert not same_activity(own, facts(2, adviser=2))
    assert not same_activity(own, facts(2, date=DAY + dt.timedelta(days=1)))
    assert not same_activity(own, facts(2, kind=COL))


def test_a_workshop_duration_is_not_compared():
    assert same_activity(facts(1, 120, kind=COL), facts(2, 90, kind=COL))


def test_la_coop_demarche_is_an_individual_help():
    assert cadran_kind("demarche_administrative") == IND
    assert cadran_kind("individuel") == IND
    assert cadran_kind("collectif") == COL


def test_pairs_are_one_to_one_and_as_many_as_possible():
    # One record, two imported helps of the same day: one is the record, one is not.
    assert len(match([facts(1, 60)], [facts(2, 60), facts(3, 62)])) == 1
    # 50 and 58 against imported 55 and 62: 50↔55 and 58↔62 (not 58↔55 leaving 62 alone).
    assert match([facts(1, 50), facts(2, 58)], [facts(3, 55), facts(4, 62)]) == {3: 1, 4: 2}


kinds = st.sampled_from([IND, COL])
activity = st.tuples(
    st.integers(1, 3),  # adviser
    st.integers(0, 3),  # day
    kinds,
    st.integers(1, 240),  # duration
)


def _facts(rows, start):
    return [
        Facts(start + i, adviser, DAY + dt.timedelta(days=day), kind, duration)
        for i, (adviser, day, kind, duration) in enumerate(rows)
    ]


@given(st.lists(activity, max_size=25), st.lists(activity, max_size=25), st.randoms())
def test_folding_counts_between_own_and_own_plus_imported(own_rows, imported_rows, rnd):
    own, imported = _facts(own_rows, 1), _facts(imported_rows, 1000)
    pairs = match(own, imported)
    folded = len(own) + len(imported) - len(pairs)
    assert len(own) <= folded <= len(own) + len(imported)
    # Each pair follows the rule, and no record absorbs two imported activities.
    by_key = {f.key: f for f in own + imported}
    assert all(same_activity(by_key[m], by_key[t]) for t, m in pairs.items())
    assert len(set(pairs.values())) == len(pairs)
    # The order of the rows does not change how many are counted.
    rnd.shuffle(own)
    rnd.shuffle(imported)
    assert len(match(own, imported)) == len(pairs)


def test_maximal_on_a_simple_chain():
    rnd = random.Random(4)
    own = [facts(i, 60 + 10 * i) for i in range(5)]
    imported = [facts(100 + i, 64 + 10 * i) for i in range(5)]
    rnd.shuffle(imported)
    assert len(match(own, imported)) == 5
