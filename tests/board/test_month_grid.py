"""The month board as a calendar: weeks as rows (Monday to Sunday), a loan once per week.

Pure: boards built from the selectors' dataclasses, no database.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadran.board import selectors
from cadran.board.conflicts import ClosureEntry, LoanEntry, TravelMatrix
from cadran.board.selectors import (
    MONTH,
    ROWS_ADVISERS,
    Board,
    Filters,
    Viewer,
    build_grid,
    build_month_calendar,
    month_weeks,
    span_label,
)
from cadran.core.clock import PARIS

pytestmark = pytest.mark.usefixtures("frozen_now")


def loan(pk: int, first: dt.date, last: dt.date) -> LoanEntry:
    return LoanEntry(
        loan_id=pk,
        commune_id=1,
        equipment_name="Imprimante 3D",
        is_printer=True,
        start_date=first,
        end_date=last,
        status="approved",
        status_label="Accepté",
        borrower_label="Commune A",
        booked=True,
    )


def month_calendar(year: int, month: int, *, loans=(), closures=()):
    first, last = selectors.period_of(MONTH, dt.date(year, month, 1))
    board = Board(
        territory_id=1,
        date_from=first,
        date_to=last,
        now=dt.datetime(year, month, 1, tzinfo=PARIS),
        communes=[],
        advisers=[],
        occurrences=[],
        sessions=[],
        closures=list(closures),
        loans=list(loans),
        holidays={},
        travel=TravelMatrix(),
    )
    grid = build_grid(
        board,
        view=MONTH,
        rows_mode=ROWS_ADVISERS,
        filters=Filters(),
        viewer=Viewer(user_id=1, manages=True),
    )
    return build_month_calendar(grid, first=first, last=last)


def where(cal, kind: str) -> list[tuple[dt.date, str]]:
    return [
        (day.day, entry.span_label)
        for day in cal.days()
        for entry in day.items
        if entry.kind == kind
    ]


def test_weeks_start_on_monday_and_a_month_starting_on_sunday_opens_a_week():
    # March 2026 starts on a Sunday and ends on a Tuesday: six week rows.
    weeks = month_weeks(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert len(weeks) == 6
    assert weeks[0][0] == dt.date(2026, 2, 23) and weeks[0][6] == dt.date(2026, 3, 1)
    assert weeks[1][0] == dt.date(2026, 3, 2)
    assert weeks[-1][0] == dt.date(2026, 3, 30) and weeks[-1][6] == dt.date(2026, 4, 5)
    assert all(week[0].weekday() == 0 and len(week) == 7 for week in weeks)


def test_a_month_from_monday_to_sunday_has_exactly_its_weeks():
    # February 2027: Monday 1st to Sunday 28th, four rows and no day of another month.
    weeks = month_weeks(dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    assert [w[0] for w in weeks] == [dt.date(2027, 2, d) for d in (1, 8, 15, 22)]
    assert weeks[-1][-1] == dt.date(2027, 2, 28)


def test_days_of_the_neighbouring_months_are_empty_cells_at_the_edges():
    cal = month_calendar(2026, 3, loans=[loan(1, dt.date(2026, 2, 20), dt.date(2026, 3, 3))])
    first_row = cal.weeks[0].days
    assert [d.in_month for d in first_row] == [False] * 6 + [True]
    assert all(not d.items for d in first_row[:6])  # 23-28 February: another month's page
    assert first_row[6].label == "dimanche 1 mars"
    last_row = cal.weeks[-1].days
    assert [d.in_month for d in last_row] == [True, True] + [False] * 5
    assert cal.weekdays[0] == "Lundi" and cal.weekdays[6] == "Dimanche"


def test_a_loan_over_two_weeks_is_written_once_in_each_week_row():
    # Thursday 5 to Wednesday 11 March 2026: rows of 2 March and of 9 March.
    cal = month_calendar(2026, 3, loans=[loan(1, dt.date(2026, 3, 5), dt.date(2026, 3, 11))])
    assert where(cal, "loan") == [
        (dt.date(2026, 3, 5), "du 5 au 11 mars"),
        (dt.date(2026, 3, 9), "du 5 au 11 mars"),
    ]


def test_a_loan_begun_last_month_starts_on_the_first_day_of_the_month():
    cal = month_calendar(2026, 3, loans=[loan(1, dt.date(2026, 2, 20), dt.date(2026, 3, 3))])
    assert where(cal, "loan") == [
        (dt.date(2026, 3, 1), "du 20 février au 3 mars"),
        (dt.date(2026, 3, 2), "du 20 février au 3 mars"),
    ]


def test_a_one_day_loan_has_no_span():
    cal = month_calendar(2026, 3, loans=[loan(1, dt.date(2026, 3, 31), dt.date(2026, 3, 31))])
    assert where(cal, "loan") == [(dt.date(2026, 3, 31), "")]


def test_a_closure_of_several_days_is_written_once_a_week_too():
    closure = ClosureEntry(
        closure_id=7,
        commune_id=1,
        venue_id=None,
        venue_commune_id=None,
        adviser_id=None,
        start=dt.datetime(2026, 3, 6, tzinfo=PARIS),
        end=dt.datetime(2026, 3, 10, tzinfo=PARIS),  # midnight: the 9th is the last day
        reason="Travaux",
        scope_label="Commune A",
    )
    cal = month_calendar(2026, 3, closures=[closure])
    assert where(cal, "closure") == [
        (dt.date(2026, 3, 6), "du 6 au 9 mars"),
        (dt.date(2026, 3, 9), "du 6 au 9 mars"),
    ]


def test_span_label_names_the_months_and_years_that_change():
    assert span_label(dt.date(2026, 3, 5), dt.date(2026, 3, 11)) == "du 5 au 11 mars"
    assert span_label(dt.date(2026, 12, 28), dt.date(2027, 1, 4)) == (
        "du 28 décembre 2026 au 4 janvier 2027"
    )


@given(year=st.integers(min_value=2000, max_value=2100), month=st.integers(1, 12))
def test_every_day_of_the_month_appears_exactly_once(year, month):
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    weeks = month_weeks(dt.date(year, month, 1), last)
    days = [day for week in weeks for day in week]
    in_month = [day for day in days if day.month == month]
    assert in_month == [dt.date(year, month, d) for d in range(1, last.day + 1)]
    assert len(days) == len(set(days)) == 7 * len(weeks)
    assert all(b - a == dt.timedelta(days=1) for a, b in zip(days, days[1:], strict=False))
    assert days[0].weekday() == 0 and days[-1].weekday() == 6
    assert days[6] >= dt.date(year, month, 1) and days[-7] <= last  # no empty row
