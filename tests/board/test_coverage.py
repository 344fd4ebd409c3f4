"""Coverage per commune: hours, per 1,000 inhabitants, waiting time, use and no-shows."""

from __future__ import annotations

import datetime as dt

import pytest

from cadran.board.coverage import coverage
from cadran.scheduling.enums import AppointmentStatus
from tests import factories as f

from .conftest import at

pytestmark = pytest.mark.usefixtures("frozen_now")


def rows_of(territory, month=dt.date(2026, 12, 1)):
    result = coverage(territory_id=territory.pk, month=month)
    return result, {row.commune.name: row for row in result.rows}


def test_hours_per_month_and_per_thousand(territory, estaires, merville, permanence):
    estaires.population = 6000
    estaires.save()
    result, rows = rows_of(territory)
    assert rows["Estaires"].hours == 15.0  # five Wednesdays of three hours
    assert rows["Estaires"].per_thousand == 2.5
    assert rows["Merville"].hours == 0
    assert result.total.hours == 15.0


def test_holidays_and_closures_take_hours_away(territory, estaires, permanence, adviser):
    """November 2026: four Wednesdays, the 11th is a public holiday; a closure of one hour
    on the 18th."""
    f.ClosureFactory(
        territory=territory, adviser=adviser, start=at(18, 9, month=11), end=at(18, 10, month=11)
    )
    _, rows = rows_of(territory, dt.date(2026, 11, 1))
    assert rows["Estaires"].hours == 8.0
    assert rows["Estaires"].open_slots == 8


def test_use_rate_and_no_shows(territory, permanence):
    """November: 9 open slots (11/11 is a holiday), 3 taken, 1 no-show out of 2 known."""
    f.AppointmentFactory(
        permanence=permanence, start=at(4, 9, month=11), status=AppointmentStatus.SEEN
    )
    f.AppointmentFactory(
        permanence=permanence, start=at(4, 10, month=11), status=AppointmentStatus.NOSHOW
    )
    f.AppointmentFactory(permanence=permanence, start=at(18, 9, month=11), cancelled=True)
    f.AppointmentFactory(permanence=permanence, start=at(25, 9, month=11))
    _, rows = rows_of(territory, dt.date(2026, 11, 1))
    estaires = rows["Estaires"]
    assert (estaires.used_slots, estaires.open_slots) == (3, 9)
    assert estaires.use_rate == 33
    assert (estaires.seen, estaires.noshow, estaires.noshow_rate) == (1, 1, 50)


def test_waiting_time_to_the_next_free_slot(territory, permanence):
    """Now: Friday 27 November 10h. Next Estaires slot: Wednesday 2 December 9h."""
    _, rows = rows_of(territory)
    assert rows["Estaires"].next_free == at(2, 9)
    assert rows["Estaires"].wait_days == 5.0  # 4 days 23 hours
    f.AppointmentFactory(permanence=permanence, start=at(2, 9))
    _, rows = rows_of(territory)
    assert rows["Estaires"].next_free == at(2, 10)


def test_without_permanence_or_population(territory, merville):
    _, rows = rows_of(territory)
    row = rows["Merville"]
    assert row.wait_days is None and row.use_rate is None and row.noshow_rate is None
    assert row.per_thousand == 0.0
    merville.population = None
    merville.save()
    assert rows_of(territory)[1]["Merville"].per_thousand is None
