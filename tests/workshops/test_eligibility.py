"""Who may register: residents of the territory's communes, members of the library network."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadran.workshops.eligibility import (
    DEFAULT_CARD_PATTERN,
    Ineligible,
    card_matches,
    check_eligibility,
    normalize_card,
)
from cadran.workshops.enums import EligibilityBasis

TERRITORY = frozenset({"59212", "59400", "59268", "59293", "62338", "62491", "62502", "62736"})
insee = st.from_regex(r"\A(\d{5}|2[AB]\d{3})\Z", fullmatch=True)
valid_card = st.from_regex(r"\A[0-9]{6,10}\Z", fullmatch=True)


@given(code=st.sampled_from(sorted(TERRITORY)), card=st.text(max_size=12))
def test_any_commune_of_the_territory_is_eligible_whatever_the_card(code, card):
    result = check_eligibility(
        territory_insee_codes=TERRITORY,
        card_pattern=DEFAULT_CARD_PATTERN,
        commune_insee=code,
        library_card=card,
    )
    assert result.basis == EligibilityBasis.RESIDENT
    assert result.commune_insee == code


@given(code=insee.filter(lambda c: c not in TERRITORY))
def test_a_commune_outside_without_card_is_not_eligible(code):
    with pytest.raises(Ineligible) as excinfo:
        check_eligibility(
            territory_insee_codes=TERRITORY, card_pattern=DEFAULT_CARD_PATTERN, commune_insee=code
        )
    assert "commune" in str(excinfo.value)
    assert excinfo.value.field == "commune_insee"


@given(code=insee.filter(lambda c: c not in TERRITORY) | st.just(""), card=valid_card)
def test_a_valid_library_card_makes_anyone_eligible(code, card):
    result = check_eligibility(
        territory_insee_codes=TERRITORY,
        card_pattern=DEFAULT_CARD_PATTERN,
        commune_insee=code,
        library_card=card,
    )
    assert result.basis == EligibilityBasis.LIBRARY_MEMBER
    assert result.library_card == card


@given(
    card=st.text(min_size=1, max_size=20).filter(
        lambda c: not card_matches(normalize_card(c), DEFAULT_CARD_PATTERN)
    )
)
def test_a_card_of_the_wrong_format_is_refused_with_its_own_reason(card):
    if not normalize_card(card):
        return
    with pytest.raises(Ineligible) as excinfo:
        check_eligibility(
            territory_insee_codes=TERRITORY, card_pattern=DEFAULT_CARD_PATTERN, library_card=card
        )
    assert excinfo.value.field == "library_card"
    assert "format" in str(excinfo.value)


@pytest.mark.parametrize(
    ("card", "ok"),
    [
        ("123456", True),
        ("1234567890", True),
        ("12345", False),
        ("12345678901", False),
        ("12 34 56 78", True),  # spaces as printed on the card
        ("1234-5678", True),
        ("ABC123456", False),
        ("", False),
    ],
)
def test_default_card_format(card, ok):
    assert card_matches(normalize_card(card), DEFAULT_CARD_PATTERN) is ok


def test_territory_specific_card_format_and_broken_pattern():
    assert card_matches("ESP12345", r"^ESP[0-9]{5}$")
    assert not card_matches("12345678", r"^ESP[0-9]{5}$")
    # A broken pattern in the configuration lets nothing through, never everything.
    assert not card_matches("12345678", r"^[0-9")


def test_nothing_given_asks_for_commune_or_card():
    with pytest.raises(Ineligible, match="Indiquez votre commune"):
        check_eligibility(territory_insee_codes=TERRITORY, card_pattern=DEFAULT_CARD_PATTERN)
