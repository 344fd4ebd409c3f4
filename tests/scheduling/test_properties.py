"""Property tests of the pure slot rules (``compute_free_slots``), with hypothesis.

Each run draws a weekly rule, a date range (often around a daylight-saving change),
closures and bookings as busy intervals, closed days and a "now", then checks what must
always hold. The last property compares the result with a brute-force oracle built day by
day, so a function that returned nothing (or too much) could not pass.
"""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from cadran.core.clock import PARIS
from cadran.scheduling.slots import (
    WeeklyRule,
    compute_free_slots,
    occurrence_dates,
    occurrence_slots,
    parse_slot_id,
)

UTC = dt.UTC
# Sundays when Paris changes time, 2025–2027.
DST_SUNDAYS = [
    dt.date(2025, 3, 30),
    dt.date(2025, 10, 26),
    dt.date(2026, 3, 29),
    dt.date(2026, 10, 25),
    dt.date(2027, 3, 28),
    dt.date(2027, 10, 31),
]
FIRST_DAY, LAST_DAY = dt.date(2025, 1, 1), dt.date(2027, 12, 31)


@st.composite
def weekly_rules(draw, anchor: dt.date | None = None) -> WeeklyRule:
    """A rule; with an ``anchor`` date, a validity that usually covers part of its weeks."""
    start_minute = draw(st.integers(6 * 60, 20 * 60))
    end_minute = draw(st.integers(start_minute + 1, 23 * 60 + 59))
    any_day = st.dates(FIRST_DAY - dt.timedelta(days=60), LAST_DAY)
    near = st.integers(-400, 30).map(lambda n: anchor + dt.timedelta(days=n)) if anchor else any_day
    valid_from = draw(near | any_day)
    valid_until = draw(
        st.none() | st.integers(0, 400).map(lambda n: valid_from + dt.timedelta(days=n))
    )
    return WeeklyRule(
        weekday=draw(st.integers(0, 6)),
        start_time=dt.time(start_minute // 60, start_minute % 60),
        end_time=dt.time(end_minute // 60, end_minute % 60),
        slot_minutes=draw(st.integers(10, 240)),
        valid_from=valid_from,
        valid_until=valid_until,
    )


@st.composite
def date_ranges(draw) -> tuple[dt.date, dt.date]:
    around_dst = st.sampled_from(DST_SUNDAYS).flatmap(
        lambda d: st.integers(-10, 3).map(lambda n: d + dt.timedelta(days=n))
    )
    date_from = draw(around_dst | st.dates(FIRST_DAY, LAST_DAY))
    date_to = date_from + dt.timedelta(days=draw(st.integers(-1, 45)))  # -1: an empty range
    return date_from, date_to


def instants(date_from: dt.date, date_to: dt.date):
    """Aware instants from the day before the range to the day after, to the minute."""
    base = dt.datetime.combine(date_from - dt.timedelta(days=1), dt.time(), tzinfo=PARIS)
    span = ((date_to - date_from).days + 3) * 24 * 60
    return st.integers(0, max(span, 0)).map(
        lambda m: (base + dt.timedelta(minutes=m)).astimezone(UTC)
    )


JITTER = st.sampled_from([0, 0, 0, -1, 1, -5, 5])


def near_boundaries(rule: WeeklyRule, date_from: dt.date, date_to: dt.date):
    """Instants on (or a minute off) the slot boundaries of the rule's days in the range.

    Uniform instants almost never touch a slot exactly; off-by-one mistakes live there.
    """
    days = [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    days = [d for d in days if d.weekday() == rule.weekday] or days
    if not days:
        return instants(date_from, date_to)
    count = (
        2
        + (
            (rule.end_time.hour * 60 + rule.end_time.minute)
            - (rule.start_time.hour * 60 + rule.start_time.minute)
        )
        // rule.slot_minutes
    )
    return st.builds(
        lambda day, k, jitter: (
            dt.datetime.combine(day, rule.start_time, tzinfo=PARIS)
            + dt.timedelta(minutes=k * rule.slot_minutes + jitter)
        ).astimezone(UTC),
        st.sampled_from(days),
        st.integers(-1, count),
        JITTER,
    )


@st.composite
def cases(draw):
    date_from, date_to = draw(date_ranges())
    rule = draw(weekly_rules(anchor=date_from))
    moment = instants(date_from, date_to) | near_boundaries(rule, date_from, date_to)
    length = st.integers(1, 8 * 60) | st.builds(
        lambda k, j: max(1, k * rule.slot_minutes + j), st.integers(1, 3), JITTER
    )
    interval = st.tuples(moment, length).map(lambda t: (t[0], t[0] + dt.timedelta(minutes=t[1])))
    busy = draw(st.lists(interval, max_size=12))
    all_days = [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    closed = draw(st.lists(st.sampled_from(all_days), max_size=5)) if all_days else []
    earliest = draw(st.none() | moment)
    latest = draw(st.none() | moment) if draw(st.booleans()) else None
    return {
        "permanence_id": draw(st.integers(1, 10**6)),
        "rule": rule,
        "date_from": date_from,
        "date_to": date_to,
        "busy": busy,
        "closed_days": closed,
        "earliest": earliest,
        "latest": latest,
    }


def run(case):
    return compute_free_slots(**case)


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


@given(cases())
def test_no_slot_overlaps_a_busy_interval(case):
    for slot in run(case):
        for b_start, b_end in case["busy"]:
            assert not overlaps(slot.start, slot.end, b_start, b_end)


@given(cases())
def test_slots_are_sorted_and_never_overlap_each_other(case):
    slots = run(case)
    assert slots == sorted(slots, key=lambda s: s.start)
    for a, b in itertools.pairwise(slots):
        assert a.end <= b.start
    assert all(s.permanence_id == case["permanence_id"] for s in slots)


@given(cases())
def test_every_slot_lies_inside_its_permanence_in_paris_time(case):
    rule = case["rule"]
    for slot in run(case):
        local_start, local_end = slot.local_start, slot.local_end
        assert slot.end > slot.start
        assert local_start.date() == local_end.date()
        day = local_start.date()
        assert day.weekday() == rule.weekday
        assert rule.valid_from <= day
        assert rule.valid_until is None or day <= rule.valid_until
        assert case["date_from"] <= day <= case["date_to"]
        assert local_start.time() >= rule.start_time
        assert local_end.time() <= rule.end_time
        assert local_end - local_start == dt.timedelta(minutes=rule.slot_minutes)
        # The id read back gives the same permanence and the same instant.
        assert parse_slot_id(slot.id) == (case["permanence_id"], slot.start)


@given(cases())
def test_no_slot_outside_the_notice_and_window_nor_on_closed_days(case):
    closed = set(case["closed_days"])
    for slot in run(case):
        if case["earliest"] is not None:
            assert slot.start >= case["earliest"]
        if case["latest"] is not None:
            assert slot.start <= case["latest"]
        assert slot.local_start.date() not in closed


def expected_slots(case) -> list[tuple[dt.datetime, dt.datetime]]:
    """Brute force, day by day, without the code under test's date arithmetic."""
    rule, step = case["rule"], dt.timedelta(minutes=case["rule"].slot_minutes)
    closed = set(case["closed_days"])
    out = []
    day = case["date_from"]
    while day <= case["date_to"]:
        in_validity = rule.valid_from <= day and (
            rule.valid_until is None or day <= rule.valid_until
        )
        if day.weekday() == rule.weekday and in_validity and day not in closed:
            start = dt.datetime.combine(day, rule.start_time)
            while start + step <= dt.datetime.combine(day, rule.end_time):
                # 6h–24h: never in a daylight-saving change, so wall clock = elapsed time.
                s, e = start.replace(tzinfo=PARIS), (start + step).replace(tzinfo=PARIS)
                if (
                    (case["earliest"] is None or s >= case["earliest"])
                    and (case["latest"] is None or s <= case["latest"])
                    and not any(overlaps(s, e, bs, be) for bs, be in case["busy"])
                ):
                    out.append((s, e))
                start += step
        day += dt.timedelta(days=1)
    return out


@given(cases())
def test_result_is_exactly_the_candidates_no_rule_excludes(case):
    got = [(s.start, s.end) for s in run(case)]
    assert got == expected_slots(case)


@given(cases())
def test_every_unexcluded_occurrence_slot_is_offered(case):
    """Completeness stated with the module's own candidates (``occurrence_slots``)."""
    offered = {(s.start, s.end) for s in run(case)}
    closed = set(case["closed_days"])
    for day in occurrence_dates(case["rule"], case["date_from"], case["date_to"]):
        for start, end in occurrence_slots(case["rule"], day):
            excluded = (
                day in closed
                or (case["earliest"] is not None and start < case["earliest"])
                or (case["latest"] is not None and start > case["latest"])
                or any(overlaps(start, end, bs, be) for bs, be in case["busy"])
            )
            assert ((start, end) in offered) == (not excluded)


@given(weekly_rules(), st.dates(FIRST_DAY, LAST_DAY))
def test_an_occurrence_has_as_many_slots_as_fit(rule, day):
    slots = list(occurrence_slots(rule, day))
    minutes = (rule.end_time.hour * 60 + rule.end_time.minute) - (
        rule.start_time.hour * 60 + rule.start_time.minute
    )
    assert len(slots) == minutes // rule.slot_minutes
