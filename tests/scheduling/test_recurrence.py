"""The recurrence of a permanence (weekly, fortnightly, n-th or last weekday of the month):
properties with hypothesis against dateutil's rrule as an independent oracle, edge cases
(fifth weeks, daylight-saving weeks, a year of 53 ISO weeks), French labels, and the
OpenStreetMap selectors read back by a real opening_hours parser. No database, no "today"."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from dateutil import rrule
from hypothesis import given, settings
from hypothesis import strategies as st
from opening_hours import OpeningHours, State

from cadran.core.clock import PARIS
from cadran.scheduling.enums import Frequency
from cadran.scheduling.recurrence import Recurrence, first_weekday_from
from cadran.scheduling.slots import WeeklyRule, compute_free_slots, occurrence_dates

DAY = dt.timedelta(days=1)
RRULE_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
FIRST_DAY, LAST_DAY = dt.date(2024, 1, 1), dt.date(2031, 12, 31)

weekdays = st.integers(0, 6)
dates = st.dates(FIRST_DAY, LAST_DAY)
nths = st.sampled_from([1, 2, 3, 4, -1])


@st.composite
def fortnightly(draw) -> Recurrence:
    weekday = draw(weekdays)
    return Recurrence(
        weekday, Frequency.FORTNIGHTLY, anchor=first_weekday_from(draw(dates), weekday)
    )


@st.composite
def monthly(draw) -> Recurrence:
    return Recurrence(draw(weekdays), Frequency.MONTHLY, week_of_month=draw(nths))


recurrences = st.builds(Recurrence, weekdays) | fortnightly() | monthly()


@st.composite
def ranges(draw) -> tuple[dt.date, dt.date]:
    start = draw(dates)
    return start, start + dt.timedelta(days=draw(st.integers(0, 500)))


def oracle(rec: Recurrence, start: dt.date, end: dt.date) -> list[dt.date]:
    """The same dates, from dateutil (RFC 5545 recurrence rules)."""
    day = RRULE_DAYS[rec.weekday]
    if rec.frequency == Frequency.MONTHLY:
        rule = rrule.rrule(rrule.MONTHLY, byweekday=day(rec.week_of_month), dtstart=start)
    elif rec.frequency == Frequency.FORTNIGHTLY:
        assert rec.anchor is not None
        # dtstart must be an occurrence on or before ``start``: step back from the anchor.
        weeks_back = max(0, (rec.anchor - start).days // 14 + 1)
        first = rec.anchor - dt.timedelta(weeks=2 * weeks_back)
        rule = rrule.rrule(rrule.WEEKLY, interval=2, byweekday=day, dtstart=first)
    else:
        rule = rrule.rrule(rrule.WEEKLY, byweekday=day, dtstart=start)
    found = rule.between(
        dt.datetime.combine(start, dt.time.min), dt.datetime.combine(end, dt.time.min), inc=True
    )
    return [d.date() for d in found]


# --- Properties ------------------------------------------------------------------------


@given(recurrences, ranges())
def test_occurrences_are_exactly_the_dates_satisfying_the_rule(rec, span):
    start, end = span
    found = list(rec.occurrences(start, end))
    assert found == oracle(rec, start, end)
    every_day = [start + n * DAY for n in range((end - start).days + 1)]
    assert found == [d for d in every_day if rec.occurs_on(d)]
    assert rec.count(start, end) == len(found)


@given(fortnightly(), ranges())
def test_fortnightly_dates_are_fourteen_days_apart_and_include_the_anchor(rec, span):
    start, end = span
    found = list(rec.occurrences(start, end))
    assert all(b - a == dt.timedelta(days=14) for a, b in zip(found, found[1:], strict=False))
    assert all(d.weekday() == rec.weekday for d in found)
    assert rec.occurs_on(rec.anchor)
    assert not rec.occurs_on(rec.anchor + dt.timedelta(days=7))
    assert not rec.occurs_on(rec.anchor - dt.timedelta(days=7))
    if start <= rec.anchor <= end:
        assert rec.anchor in found
    # Every right weekday of the range is either an occurrence or a week from one.
    weekday = first_weekday_from(start, rec.weekday)
    while weekday <= end:
        assert (weekday in found) != rec.occurs_on(weekday + dt.timedelta(days=7))
        weekday += dt.timedelta(days=7)


@given(monthly(), ranges())
def test_monthly_date_is_in_the_right_week_of_its_month(rec, span):
    start, end = span
    found = list(rec.occurrences(start, end))
    months = [(d.year, d.month) for d in found]
    assert len(months) == len(set(months))  # at most one a month
    for day in found:
        assert day.weekday() == rec.weekday
        if rec.week_of_month == -1:
            # Within the last seven days of its month.
            assert (day + dt.timedelta(days=7)).month != day.month
        else:
            assert (day.day - 1) // 7 + 1 == rec.week_of_month
            assert day.day <= 28  # never a fifth week
    # Every whole month of the range has its occurrence.
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = dt.date(year, month, 1)
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        if start <= first and last <= end:
            assert (year, month) in months
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@given(recurrences, dates)
def test_next_and_previous_occurrences(rec, day):
    after, before = rec.next_after(day), rec.previous_before(day)
    assert before < day < after
    assert rec.occurs_on(after) and rec.occurs_on(before)
    assert list(rec.occurrences(before + DAY, after - DAY)) == ([day] if rec.occurs_on(day) else [])


@given(recurrences, ranges())
def test_weekly_rule_follows_its_recurrence_within_its_validity(rec, span):
    start, end = span
    rule = WeeklyRule(
        weekday=rec.weekday,
        start_time=dt.time(9),
        end_time=dt.time(12),
        slot_minutes=60,
        valid_from=start + dt.timedelta(days=20),
        valid_until=end,
        frequency=rec.frequency,
        anchor=rec.anchor,
        week_of_month=rec.week_of_month,
    )
    found = list(occurrence_dates(rule, start, end))
    assert found == [d for d in rec.occurrences(start, end) if d >= rule.valid_from]
    assert all(rule.occurs_on(d) for d in found)


# --- Edges -----------------------------------------------------------------------------


def test_a_month_with_five_tuesdays():
    # March 2026: Tuesdays 3, 10, 17, 24, 31.
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    by_nth = {
        n: list(Recurrence(1, Frequency.MONTHLY, week_of_month=n).occurrences(*march))
        for n in (1, 2, 3, 4, -1)
    }
    assert by_nth == {
        1: [dt.date(2026, 3, 3)],
        2: [dt.date(2026, 3, 10)],
        3: [dt.date(2026, 3, 17)],
        4: [dt.date(2026, 3, 24)],
        -1: [dt.date(2026, 3, 31)],  # the fifth Tuesday is the last, not the fourth
    }


def test_in_a_month_with_four_tuesdays_the_fourth_is_the_last():
    february = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    fourth = Recurrence(1, Frequency.MONTHLY, week_of_month=4)
    last = Recurrence(1, Frequency.MONTHLY, week_of_month=-1)
    assert list(fourth.occurrences(*february)) == list(last.occurrences(*february))
    assert list(last.occurrences(*february)) == [dt.date(2026, 2, 24)]


def test_first_weekday_on_the_first_of_the_month():
    # 1 December 2026 is a Tuesday.
    first = Recurrence(1, Frequency.MONTHLY, week_of_month=1)
    assert next(first.occurrences(dt.date(2026, 12, 1), dt.date(2026, 12, 31))) == dt.date(
        2026, 12, 1
    )
    last_thursday = Recurrence(3, Frequency.MONTHLY, week_of_month=-1)
    assert list(last_thursday.occurrences(dt.date(2026, 12, 1), dt.date(2027, 2, 28))) == [
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 28),
        dt.date(2027, 2, 25),
    ]


def test_fortnightly_across_a_year_of_53_iso_weeks():
    # 2026 has 53 ISO weeks: week numbers alone would put two Fridays a week apart.
    rec = Recurrence(4, Frequency.FORTNIGHTLY, anchor=dt.date(2026, 12, 18))
    assert list(rec.occurrences(dt.date(2026, 12, 1), dt.date(2027, 1, 31))) == [
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 18),
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 15),
        dt.date(2027, 1, 29),
    ]


def paris_hours(rule: WeeklyRule, day_from: dt.date, day_to: dt.date):
    slots = compute_free_slots(permanence_id=1, rule=rule, date_from=day_from, date_to=day_to)
    return [(s.local_start.date(), s.local_start.strftime("%H:%M")) for s in slots]


def test_fortnightly_slots_around_daylight_saving_changes_stay_at_paris_hours():
    # Fridays 27 March 2026 (before the change of Sunday 29) and 10 April; 23 October 2026
    # (before the change of Sunday 25) and 6 November.
    rule = WeeklyRule(
        weekday=4,
        start_time=dt.time(9),
        end_time=dt.time(10),
        slot_minutes=30,
        valid_from=dt.date(2026, 1, 1),
        frequency=Frequency.FORTNIGHTLY,
        anchor=dt.date(2026, 3, 27),
    )
    assert paris_hours(rule, dt.date(2026, 3, 23), dt.date(2026, 4, 12)) == [
        (dt.date(2026, 3, 27), "09:00"),
        (dt.date(2026, 3, 27), "09:30"),
        (dt.date(2026, 4, 10), "09:00"),
        (dt.date(2026, 4, 10), "09:30"),
    ]
    assert [d for d, _ in paris_hours(rule, dt.date(2026, 10, 19), dt.date(2026, 11, 8))] == [
        dt.date(2026, 10, 23),
        dt.date(2026, 10, 23),
        dt.date(2026, 11, 6),
        dt.date(2026, 11, 6),
    ]
    slots = compute_free_slots(
        permanence_id=1, rule=rule, date_from=dt.date(2026, 3, 27), date_to=dt.date(2026, 4, 10)
    )
    # Winter then summer time: 8:00 UTC, then 7:00 UTC for the same 9h in Paris.
    assert [s.start.astimezone(dt.UTC).hour for s in slots[::2]] == [8, 7]


def test_last_sunday_of_the_month_is_the_daylight_saving_day():
    # The last Sunday of March and of October: Paris changes time that night.
    rule = WeeklyRule(
        weekday=6,
        start_time=dt.time(1),
        end_time=dt.time(4),
        slot_minutes=30,
        valid_from=dt.date(2026, 1, 1),
        frequency=Frequency.MONTHLY,
        week_of_month=-1,
    )
    march = paris_hours(rule, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    # 2:00 to 3:00 does not exist on 29 March 2026: no slot starts or ends then.
    assert march == [
        (dt.date(2026, 3, 29), "01:00"),
        (dt.date(2026, 3, 29), "03:00"),
        (dt.date(2026, 3, 29), "03:30"),
    ]
    october = compute_free_slots(
        permanence_id=1, rule=rule, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31)
    )
    assert {s.local_start.date() for s in october} == {dt.date(2026, 10, 25)}
    assert all(s.end - s.start == dt.timedelta(minutes=30) for s in october)
    assert all(s.start.tzinfo is PARIS for s in october)


def test_a_recurrence_needs_what_its_frequency_needs():
    with pytest.raises(ValueError):
        Recurrence(4, Frequency.FORTNIGHTLY)
    for wrong in (None, 0, 5, -2):
        with pytest.raises(ValueError):
            Recurrence(1, Frequency.MONTHLY, week_of_month=wrong)
    with pytest.raises(ValueError):
        Recurrence(7)


# --- Words -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rec", "label"),
    [
        (Recurrence(2), "le mercredi"),
        (Recurrence(4, Frequency.FORTNIGHTLY, anchor=dt.date(2026, 12, 4)), "un vendredi sur deux"),
        (Recurrence(1, Frequency.MONTHLY, week_of_month=1), "le premier mardi du mois"),
        (Recurrence(0, Frequency.MONTHLY, week_of_month=2), "le deuxième lundi du mois"),
        (Recurrence(5, Frequency.MONTHLY, week_of_month=3), "le troisième samedi du mois"),
        (Recurrence(2, Frequency.MONTHLY, week_of_month=4), "le quatrième mercredi du mois"),
        (Recurrence(3, Frequency.MONTHLY, week_of_month=-1), "le dernier jeudi du mois"),
    ],
)
def test_label_fr(rec, label):
    assert rec.label_fr() == label


# --- OpenStreetMap opening_hours, read back by a real parser ---------------------------


def open_days(text: str, start: dt.date, end: dt.date) -> list[dt.date]:
    hours = OpeningHours(text)
    begin = dt.datetime.combine(start, dt.time.min)
    finish = dt.datetime.combine(end + DAY, dt.time.min)
    return [a.date() for a, _b, state, _c in hours.intervals(begin, finish) if state == State.OPEN]


@pytest.mark.parametrize(
    ("rec", "selectors"),
    [
        (Recurrence(4), ["Fr"]),
        (Recurrence(1, Frequency.MONTHLY, week_of_month=1), ["Tu[1]"]),
        (Recurrence(3, Frequency.MONTHLY, week_of_month=-1), ["Th[-1]"]),
        (
            Recurrence(4, Frequency.FORTNIGHTLY, anchor=dt.date(2026, 12, 4)),
            [
                "2025 Dec 29-2027 Jan 03 week 01-53/2 Fr",
                "2027 Jan 04-2028 Dec 31 week 02-53/2 Fr",
            ],
        ),
    ],
)
def test_osm_selectors(rec, selectors):
    assert rec.osm_selectors(dt.date(2026, 11, 27), dt.date(2028, 11, 27)) == selectors


@settings(max_examples=40)
@given(recurrences, st.dates(dt.date(2025, 1, 1), dt.date(2030, 12, 31)))
def test_osm_selectors_open_exactly_on_the_occurrences(rec, today):
    horizon = today + dt.timedelta(days=2 * 366)
    text = "; ".join(f"{s} 09:00-12:00" for s in rec.osm_selectors(today, horizon))
    # No ``PH off`` here: the parser's holidays are not involved.
    assert open_days(text, today, horizon) == list(rec.occurrences(today, horizon))
