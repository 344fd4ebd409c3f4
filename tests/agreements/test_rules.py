"""Articles 5 and 6 as pure functions, and hypothesis on every sequence of events."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from cadran.agreements import rules
from cadran.agreements.demo import CCFL_RULES
from cadran.agreements.enums import AgreementStatus as S
from cadran.agreements.rules import Facts, Terms, add_months, state_on

START, CAP = dt.date(2024, 9, 1), dt.date(2027, 8, 31)
CCFL = Terms(term_months=12, max_renewals=2, notice_months=3)
ESTAIRES = Facts(start=START, cap=CAP, terms=CCFL, signed_on=dt.date(2024, 7, 25), renewals=2)


def test_the_ccfl_rules_are_demo_data_with_the_values_of_its_convention():
    assert {k: CCFL_RULES[k] for k in ("term_months", "max_renewals", "notice_months")} == {
        "term_months": 12,
        "max_renewals": 2,
        "notice_months": 3,
    }
    assert (CCFL_RULES["default_start_date"], CCFL_RULES["cap_date"]) == (START, CAP)


def test_add_months_keeps_the_day_or_takes_the_last_one():
    assert add_months(dt.date(2026, 11, 27), 3) == dt.date(2027, 2, 27)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 31), -2) == dt.date(2025, 11, 30)


def test_the_three_years_of_estaires():
    assert rules.possible_periods(START, CAP, CCFL) == [
        rules.Period(1, dt.date(2024, 9, 1), dt.date(2025, 8, 31)),
        rules.Period(2, dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
        rules.Period(3, dt.date(2026, 9, 1), dt.date(2027, 8, 31)),
    ]


def test_a_late_start_is_cut_at_the_cap():
    periods = rules.possible_periods(dt.date(2025, 1, 1), CAP, CCFL)
    assert periods[-1] == rules.Period(3, dt.date(2027, 1, 1), CAP)
    assert rules.possible_periods(dt.date(2026, 10, 1), CAP, CCFL) == [
        rules.Period(1, dt.date(2026, 10, 1), dt.date(2027, 8, 31))
    ]


def test_estaires_status_through_time():
    assert state_on(ESTAIRES, dt.date(2024, 7, 1)).status == S.DRAFT
    assert state_on(ESTAIRES, dt.date(2024, 8, 1)).status == S.SIGNED
    today = state_on(ESTAIRES, dt.date(2026, 11, 27))
    assert today.status == S.IN_FORCE
    assert today.period == rules.Period(3, dt.date(2026, 9, 1), dt.date(2027, 8, 31))
    assert today.label == "En vigueur (année 3 sur 3)"
    assert state_on(ESTAIRES, CAP).status == S.IN_FORCE
    assert state_on(ESTAIRES, CAP + dt.timedelta(days=1)).status == S.EXPIRED


def test_without_renewal_it_expires_after_one_year():
    facts = Facts(start=START, cap=CAP, terms=CCFL, signed_on=START)
    assert state_on(facts, dt.date(2025, 8, 31)).status == S.IN_FORCE
    assert state_on(facts, dt.date(2025, 9, 1)).status == S.EXPIRED


def test_notice_then_ended():
    facts = Facts(
        start=START,
        cap=CAP,
        terms=CCFL,
        signed_on=START,
        renewals=2,
        termination_requested_on=dt.date(2026, 11, 27),
        termination_effective_on=dt.date(2027, 2, 27),
    )
    assert state_on(facts, dt.date(2026, 11, 26)).status == S.IN_FORCE
    assert state_on(facts, dt.date(2026, 11, 27)).status == S.NOTICE_GIVEN
    assert state_on(facts, dt.date(2027, 2, 27)).status == S.NOTICE_GIVEN
    assert state_on(facts, dt.date(2027, 2, 28)).status == S.ENDED


def test_refusals():
    assert "2 fois" in rules.renewal_refusal(ESTAIRES, dt.date(2026, 11, 27))
    one = Facts(start=START, cap=CAP, terms=CCFL, signed_on=START)
    assert rules.renewal_refusal(one, dt.date(2025, 6, 1)) == ""
    assert "pris fin" in rules.renewal_refusal(one, dt.date(2025, 9, 1))
    short = rules.termination_refusal(ESTAIRES, dt.date(2026, 11, 27), dt.date(2027, 2, 26))
    assert "27/02/2027" in short
    assert rules.termination_refusal(ESTAIRES, dt.date(2026, 11, 27), dt.date(2027, 2, 27)) == ""
    assert "ne change rien" in rules.termination_refusal(ESTAIRES, dt.date(2026, 11, 27), CAP)
    assert "signée" in rules.amendment_refusal(
        Facts(start=START, cap=CAP, terms=CCFL), dt.date(2024, 8, 1)
    )


# --- Properties ---------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=5 * 366)
event = st.one_of(
    st.tuples(st.just("renew"), days),
    st.tuples(st.just("amend"), days),
    st.tuples(st.just("terminate"), days, st.integers(min_value=-200, max_value=600)),
)


@st.composite
def scenarios(draw):
    start = dt.date(2023, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1500)))
    cap = start + dt.timedelta(days=draw(st.integers(1, 5 * 366)))
    signed_on = start - dt.timedelta(days=draw(st.integers(-60, 120)))
    events = sorted(draw(st.lists(event, max_size=8)), key=lambda e: e[1])
    return start, cap, signed_on, events


def apply(start, cap, signed_on, events):
    """Replay events in time order the way the services do: ask the rule, then write."""
    facts = Facts(start=start, cap=cap, terms=CCFL, signed_on=signed_on)
    accepted = []
    base = min(start, signed_on)
    for kind, offset, *extra in events:
        day = base + dt.timedelta(days=offset)
        if kind == "renew":
            if not rules.renewal_refusal(facts, day):
                facts = Facts(**{**_as_dict(facts), "renewals": facts.renewals + 1})
                accepted.append((kind, day))
        elif kind == "amend":
            if not rules.amendment_refusal(facts, day):
                accepted.append((kind, day))
        else:
            effective = rules.earliest_effective_date(day, 3) + dt.timedelta(days=extra[0])
            if not rules.termination_refusal(facts, day, effective):
                facts = Facts(
                    **{
                        **_as_dict(facts),
                        "termination_requested_on": day,
                        "termination_effective_on": effective,
                    }
                )
                accepted.append((kind, day))
    return facts, accepted


def _as_dict(facts: Facts) -> dict:
    return {name: getattr(facts, name) for name in Facts.__dataclass_fields__}


@given(scenarios(), days)
def test_no_sequence_goes_past_the_cap_or_a_fourth_year_or_a_short_notice(scenario, probe):
    start, cap, signed_on, events = scenario
    facts, accepted = apply(start, cap, signed_on, events)
    assert facts.renewals <= CCFL.max_renewals
    day = min(start, signed_on) + dt.timedelta(days=probe)
    state = state_on(facts, day)
    if state.in_force:
        assert day <= cap
        assert state.period is not None and 1 <= state.period.number <= CCFL.max_periods
        assert state.period.number <= facts.renewals + 1
        assert start <= day <= state.ends_on
    if state.ends_on is not None:
        assert state.ends_on <= cap
    if facts.termination_requested_on is not None:
        assert facts.termination_effective_on >= add_months(facts.termination_requested_on, 3)
        assert facts.termination_effective_on >= facts.termination_requested_on + dt.timedelta(
            days=89
        )
        # Nothing is renewed once a termination is recorded.
        assert all(d <= facts.termination_requested_on for k, d in accepted if k == "renew")
        assert rules.renewal_refusal(facts, day) != ""
    # Every granted period lies within [start, cap] and they follow each other.
    periods = rules.granted_periods(start, cap, facts.renewals, CCFL)
    assert len(periods) <= CCFL.max_periods
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.start == before.end + dt.timedelta(days=1)
    assert all(start <= p.start <= p.end <= cap for p in periods)


@given(scenarios())
def test_status_moves_forward_only(scenario):
    """Once ended or expired, an agreement never comes back in force."""
    start, cap, signed_on, events = scenario
    facts, _ = apply(start, cap, signed_on, events)
    seen_end = False
    day = min(start, signed_on)
    while day <= cap + dt.timedelta(days=40):
        status = state_on(facts, day).status
        if status in (S.ENDED, S.EXPIRED):
            seen_end = True
        elif seen_end:
            raise AssertionError(f"{status} after the end, on {day}")
        day += dt.timedelta(days=17)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_notice_is_never_shorter_than_three_months(requested_on):
    effective = rules.earliest_effective_date(requested_on, 3)
    assert effective > requested_on
    assert (effective.year - requested_on.year) * 12 + effective.month - requested_on.month == 3
    assert effective.day <= requested_on.day
