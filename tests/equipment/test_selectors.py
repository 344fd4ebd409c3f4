"""Reads: is a 3D printer booked for a session, which sessions lack one, a commune's
loan history, an item's month calendar; and the 3D-printer check when scheduling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cadran.core.clock import PARIS
from cadran.equipment import selectors
from cadran.equipment.enums import EquipmentStatus
from cadran.equipment.models import Equipment
from cadran.workshops import services as workshop_services
from tests import factories as f
from tests.workshops.factories import SessionFactory, WorkshopFactory, WorkshopFormatFactory

from .factories import EquipmentFactory, LoanFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

SAT = dt.datetime(2026, 12, 5, 14, 0, tzinfo=PARIS)


@pytest.fixture
def venue(estaires):
    return f.VenueFactory(commune=estaires, has_projector=True, has_screen=True)


def booked(venue_or_commune, start=SAT, hours=2):
    return selectors.printer_booked_for(
        venue_or_commune=venue_or_commune, start=start, end=start + dt.timedelta(hours=hours)
    )


# --- printer_booked_for -----------------------------------------------------------------------


@pytest.mark.parametrize("trait", ["approved", "collected"])
def test_an_accepted_or_collected_printer_loan_covers_the_session(printer, estaires, venue, trait):
    LoanFactory(
        equipment=printer,
        commune=estaires,
        start_date=dt.date(2026, 12, 4),
        end_date=dt.date(2026, 12, 5),
        **{trait: True},
    )
    assert booked(venue)
    assert booked(estaires)


@pytest.mark.parametrize("trait", [{}, {"cancelled": True}, {"returned": True}])
def test_a_request_a_cancelled_or_returned_loan_does_not(printer, estaires, venue, trait):
    LoanFactory(
        equipment=printer,
        commune=estaires,
        start_date=dt.date(2026, 12, 5),
        end_date=dt.date(2026, 12, 5),
        **trait,
    )
    assert not booked(venue)


def test_the_loan_must_be_for_that_commune_that_day_and_a_printer(
    printer, laptops, estaires, merville, venue
):
    LoanFactory(
        equipment=printer,
        commune=merville,
        approved=True,
        start_date=dt.date(2026, 12, 5),
        end_date=dt.date(2026, 12, 5),
    )
    LoanFactory(
        equipment=printer,
        commune=estaires,
        approved=True,
        start_date=dt.date(2026, 12, 6),
        end_date=dt.date(2026, 12, 8),
    )
    LoanFactory(
        equipment=laptops,
        commune=estaires,
        approved=True,
        start_date=dt.date(2026, 12, 5),
        end_date=dt.date(2026, 12, 5),
    )
    assert not booked(venue)


def test_paris_dates_count_not_utc(printer, estaires, venue):
    """A session at 00:30 Paris on 5 Dec is 23:30 UTC on 4 Dec: the 5 Dec loan covers it."""
    LoanFactory(
        equipment=printer,
        commune=estaires,
        approved=True,
        start_date=dt.date(2026, 12, 5),
        end_date=dt.date(2026, 12, 5),
    )
    assert booked(venue, start=dt.datetime(2026, 12, 5, 0, 30, tzinfo=PARIS), hours=1)


# --- sessions_missing_printer and the scheduling check ----------------------------------------


def test_sessions_missing_printer(territory, printer, estaires, venue):
    fmt = WorkshopFormatFactory(territory=territory, printer_3d=True)
    workshop = WorkshopFactory(territory=territory, format=fmt)
    covered = SessionFactory(workshop=workshop, venue=venue, start=SAT)
    missing = SessionFactory(workshop=workshop, venue=venue, start=SAT + dt.timedelta(days=7))
    SessionFactory(
        workshop=workshop, venue=venue, start=SAT + dt.timedelta(days=14), cancelled=True
    )
    SessionFactory(workshop=WorkshopFactory(territory=territory), venue=venue, start=SAT)
    LoanFactory(
        equipment=printer,
        commune=estaires,
        approved=True,
        start_date=dt.date(2026, 12, 5),
        end_date=dt.date(2026, 12, 5),
    )
    found = list(
        selectors.sessions_missing_printer(
            territory_id=territory.pk, now=SAT - dt.timedelta(days=1)
        )
    )
    assert found == [missing]
    assert covered not in found


def test_scheduling_a_3d_printer_session_needs_a_printer(
    territory, culture_user, adviser, printer, estaires, venue
):
    fmt = WorkshopFormatFactory(territory=territory, printer_3d=True)
    workshop = WorkshopFactory(territory=territory, format=fmt)
    with pytest.raises(ValidationError) as exc:
        workshop_services.schedule_sessions(
            workshop=workshop, venue=venue, starts=[SAT], advisers=[adviser], by=culture_user
        )
    assert "Aucune imprimante 3D n'est réservée pour Estaires" in exc.value.message_dict["venue"][0]
    LoanFactory(
        equipment=printer,
        commune=estaires,
        approved=True,
        start_date=dt.date(2026, 12, 5),
        end_date=dt.date(2026, 12, 5),
    )
    sessions = workshop_services.schedule_sessions(
        workshop=workshop, venue=venue, starts=[SAT], advisers=[adviser], by=culture_user
    )
    assert len(sessions) == 1


def test_other_formats_need_no_printer(territory, culture_user, adviser, venue):
    workshop = WorkshopFactory(territory=territory)
    assert workshop_services.schedule_sessions(
        workshop=workshop, venue=venue, starts=[SAT], advisers=[adviser], by=culture_user
    )


# --- loan_history, month_calendar, with_state -------------------------------------------------


def test_loan_history_lists_the_commune_and_its_libraries_newest_first(
    printer, laptops, estaires, merville, estaires_library
):
    old = LoanFactory(
        equipment=printer,
        commune=estaires,
        returned=True,
        start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2026, 10, 3),
    )
    cancelled = LoanFactory(
        equipment=laptops,
        commune=estaires,
        library=estaires_library,
        cancelled=True,
        start_date=dt.date(2026, 11, 2),
    )
    new = LoanFactory(equipment=printer, commune=estaires, approved=True)
    LoanFactory(equipment=laptops, commune=merville)
    assert list(selectors.loan_history(estaires)) == [new, cancelled, old]


def test_month_calendar(printer, estaires):
    loan = LoanFactory(equipment=printer, commune=estaires)  # 2–4 Dec
    LoanFactory(
        equipment=printer,
        commune=estaires,
        cancelled=True,
        start_date=dt.date(2026, 12, 10),
        end_date=dt.date(2026, 12, 10),
    )
    cal = selectors.month_calendar(printer, dt.date(2026, 12, 17))
    assert cal.month == dt.date(2026, 12, 1)
    assert cal.previous == dt.date(2026, 11, 1) and cal.next == dt.date(2027, 1, 1)
    days = {d.date: d for week in cal.weeks for d in week}
    assert len(cal.weeks[0]) == 7 and cal.weeks[0][0].date == dt.date(2026, 11, 30)  # a Monday
    assert [d for d, day in sorted(days.items()) if day.is_busy] == [
        dt.date(2026, 12, 2),
        dt.date(2026, 12, 3),
        dt.date(2026, 12, 4),
    ]
    assert days[dt.date(2026, 12, 2)].loans == [loan]
    assert not days[dt.date(2026, 11, 30)].in_month


def test_with_state_derives_on_loan(printer, laptops, estaires, merville):
    LoanFactory(
        equipment=printer,
        commune=estaires,
        collected=True,
        start_date=dt.date(2026, 11, 25),
        end_date=dt.date(2026, 11, 30),
    )
    LoanFactory(equipment=laptops, commune=merville, start_date=dt.date(2026, 12, 10))
    lost = EquipmentFactory(territory=printer.territory, status=EquipmentStatus.LOST)
    items = {e.pk: e for e in Equipment.objects.with_state(dt.date(2026, 11, 27))}
    assert items[printer.pk].display_status == "on_loan"
    assert items[printer.pk].current_borrower == "Estaires"
    assert items[printer.pk].current_until == dt.date(2026, 11, 30)
    assert items[laptops.pk].display_status == "available"
    assert items[laptops.pk].next_start == dt.date(2026, 12, 10)
    assert items[laptops.pk].next_borrower == "Merville"
    assert items[lost.pk].display_status_label == "Perdu"
