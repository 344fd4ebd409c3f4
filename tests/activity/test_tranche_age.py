"""The age bracket is derived from the birth year with the Coop's thresholds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cadran.activity.enums import TrancheAge, tranche_age_for

EXPECTED = [
    (0, TrancheAge.MOINS_DE_DOUZE),
    (11, TrancheAge.MOINS_DE_DOUZE),
    (12, TrancheAge.DOUZE_DIX_HUIT),
    (17, TrancheAge.DOUZE_DIX_HUIT),
    (18, TrancheAge.DIX_HUIT_VINGT_QUATRE),
    (24, TrancheAge.DIX_HUIT_VINGT_QUATRE),
    (25, TrancheAge.VINGT_CINQ_TRENTE_NEUF),
    (39, TrancheAge.VINGT_CINQ_TRENTE_NEUF),
    (40, TrancheAge.QUARANTE_CINQUANTE_NEUF),
    (59, TrancheAge.QUARANTE_CINQUANTE_NEUF),
    (60, TrancheAge.SOIXANTE_SOIXANTE_NEUF),
    (69, TrancheAge.SOIXANTE_SOIXANTE_NEUF),
    (70, TrancheAge.SOIXANTE_DIX_PLUS),
    (105, TrancheAge.SOIXANTE_DIX_PLUS),
]


def test_thresholds():
    for age, tranche in EXPECTED:
        assert tranche_age_for(2026 - age, 2026) == tranche, age


def test_unknown_or_future_birth_year():
    assert tranche_age_for(None, 2026) == TrancheAge.NON_COMMUNIQUE
    assert tranche_age_for(2027, 2026) == TrancheAge.NON_COMMUNIQUE


ORDER = [
    TrancheAge.MOINS_DE_DOUZE,
    TrancheAge.DOUZE_DIX_HUIT,
    TrancheAge.DIX_HUIT_VINGT_QUATRE,
    TrancheAge.VINGT_CINQ_TRENTE_NEUF,
    TrancheAge.QUARANTE_CINQUANTE_NEUF,
    TrancheAge.SOIXANTE_SOIXANTE_NEUF,
    TrancheAge.SOIXANTE_DIX_PLUS,
]
LOWER = {t: low for t, low in zip(ORDER, [0, 12, 18, 25, 40, 60, 70], strict=True)}
UPPER = {t: high for t, high in zip(ORDER, [12, 18, 25, 40, 60, 70, 10_000], strict=True)}


@given(birth=st.integers(1900, 2100), year=st.integers(1900, 2100))
def test_bracket_contains_the_age(birth, year):
    tranche = tranche_age_for(birth, year)
    if birth > year:
        assert tranche == TrancheAge.NON_COMMUNIQUE
    else:
        assert LOWER[tranche] <= year - birth < UPPER[tranche]


@given(birth=st.integers(1900, 2090), year=st.integers(1990, 2090))
def test_older_people_never_get_a_younger_bracket(birth, year):
    if birth + 1 <= year:
        older = tranche_age_for(birth, year)
        younger = tranche_age_for(birth + 1, year)
        assert ORDER.index(older) >= ORDER.index(younger)
