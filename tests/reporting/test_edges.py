"""Reports at their edges: small counts masked (1 and 2 hidden, 0 and 3 shown), and both
ends of a period to the microsecond (appointments) and to the day (activity records)."""

from __future__ import annotations

import datetime as dt

import pytest

from cadran.core.clock import PARIS
from cadran.reporting.exports import MASKED, people, report_json
from cadran.reporting.selectors import Period, attendance_report, territory_dashboard
from cadran.scheduling.enums import AppointmentStatus
from tests import factories as f

from .conftest import AUTUMN, NOVEMBER, add_record

pytestmark = pytest.mark.django_db

MICROSECOND = dt.timedelta(microseconds=1)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)


# --- 6. Small counts ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [(0, 0), (1, MASKED), (2, MASKED), (3, 3), (4, 4)])
def test_small_counts_of_people_are_masked_1_and_2_only(value, shown):
    assert MASKED == "< 3"
    assert people(value, masked=True) == shown
    assert people(value, masked=False) == value


def appointments_at(permanence, starts, status=AppointmentStatus.SEEN):
    return [
        f.AppointmentFactory(
            permanence=permanence, start=start, end=start + dt.timedelta(minutes=30), status=status
        )
        for start in starts
    ]


def test_a_masked_report_shows_0_as_0_and_3_as_3(permanence, estaires):
    wednesday = midnight(dt.date(2026, 11, 4))
    hours = [dt.timedelta(hours=h) for h in (9, 10, 11, 12, 13, 14)]
    appointments_at(permanence, [wednesday + h for h in hours[:3]], AppointmentStatus.SEEN)
    appointments_at(permanence, [wednesday + hours[3]], AppointmentStatus.NOSHOW)
    appointments_at(permanence, [wednesday + h for h in hours[4:]], AppointmentStatus.EXCUSED)
    figures = report_json(attendance_report(commune=estaires, period=NOVEMBER), masked=True)
    assert figures["appointments"]["seen"] == 3
    assert figures["appointments"]["noshow"] == MASKED  # 1
    assert figures["appointments"]["cancelled_by_person"] == MASKED  # 2
    assert figures["appointments"]["cancelled_by_service"] == 0
    assert figures["appointments"]["booked"] == 6


# --- 7. Both ends of a period ---------------------------------------------------------------


@pytest.fixture
def edges(permanence):
    """Appointments at the four instants around the ends of November 2026 (Paris)."""
    first, after = midnight(NOVEMBER.start), midnight(NOVEMBER.end + dt.timedelta(days=1))
    return dict(
        zip(
            ("before", "first", "last", "after"),
            appointments_at(
                permanence,
                [first - MICROSECOND, first, after - dt.timedelta(minutes=30), after],
            ),
            strict=True,
        )
    )


def test_a_report_counts_from_midnight_of_the_first_day_to_the_end_of_the_last(edges, estaires):
    report = attendance_report(commune=estaires, period=NOVEMBER)
    assert report.appointments.booked == 2  # 1 Nov 00:00 and 30 Nov 23:30
    assert report.appointments.seen == 2
    assert [row.counts.booked for row in report.by_month] == [2]
    assert report.people_helped == 2
    # The same instants split between two months: each in its own month.
    autumn = attendance_report(commune=estaires, period=AUTUMN)
    assert [row.counts.booked for row in autumn.by_month] == [1, 2]  # 31 Oct 23:59:59.999999


def test_the_dashboard_puts_midnight_of_the_first_day_in_the_period_not_the_previous(
    edges, territory
):
    dashboard = territory_dashboard(territory=territory, period=NOVEMBER)
    assert dashboard.previous_period == Period(dt.date(2026, 10, 2), dt.date(2026, 10, 31))
    booked = next(c for c in dashboard.comparison if c.key == "booked")
    assert (booked.current, booked.previous) == (2, 1)
    assert dashboard.total.appointments.booked == 2


def test_an_activity_record_of_the_first_or_last_day_is_counted_not_the_days_around(
    estaires, adviser, permanence
):
    for day in (
        NOVEMBER.start - dt.timedelta(days=1),
        NOVEMBER.start,
        NOVEMBER.end,
        NOVEMBER.end + dt.timedelta(days=1),
    ):
        add_record(commune=estaires, adviser=adviser, venue=permanence.venue, day=day)
    activity = attendance_report(commune=estaires, period=NOVEMBER).activity
    assert activity.individual == 2
    assert activity.participants == 2
    last_day_only = attendance_report(
        commune=estaires, period=Period(NOVEMBER.end, NOVEMBER.end)
    ).activity
    assert last_day_only.individual == 1
