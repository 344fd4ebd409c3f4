"""Issue 16: a person with repeated no-shows is flagged to the adviser, never blocked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.selectors import (
    NOSHOW_FLAG_THRESHOLD,
    NOSHOW_FLAG_WINDOW,
    repeated_noshows,
)
from cadran.scheduling.services import book_appointment
from cadran.scheduling.slots import make_slot_id
from tests import factories as f
from tests.conftest import NOW

NINE = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)  # next Estaires slot after NOW


@pytest.fixture(autouse=True)
def _now(frozen_now):
    return frozen_now


def absences(permanence, person, starts):
    for start in starts:
        f.AppointmentFactory(
            permanence=permanence,
            beneficiary=person,
            start=start,
            status=AppointmentStatus.NOSHOW,
        )


def test_shipped_rule_is_two_absences_in_365_days():
    assert NOSHOW_FLAG_THRESHOLD == 2
    assert dt.timedelta(days=365) == NOSHOW_FLAG_WINDOW


def test_n_minus_one_absences_is_no_flag_n_is(permanence, adviser, territory):
    person = f.BeneficiaryFactory(territory=territory)
    absences(permanence, person, [NOW - dt.timedelta(days=10)])
    assert repeated_noshows(adviser, [person.pk], now=NOW) == {}
    absences(permanence, person, [NOW - dt.timedelta(days=3)])
    flag = repeated_noshows(adviser, [person.pk], now=NOW)[person.pk]
    assert flag.count == 2
    expected = (NOW - dt.timedelta(days=10)).strftime("%d/%m/%Y")
    assert flag.label == f"2 absences sans prévenir depuis le {expected}"


def test_the_window_edge_instant_counts_one_microsecond_before_does_not(
    permanence, adviser, territory
):
    person = f.BeneficiaryFactory(territory=territory)
    absences(permanence, person, [NOW - dt.timedelta(days=1)])
    edge = NOW - NOSHOW_FLAG_WINDOW
    absences(permanence, person, [edge - dt.timedelta(microseconds=1)])
    assert repeated_noshows(adviser, [person.pk], now=NOW) == {}
    absences(permanence, person, [edge])
    assert repeated_noshows(adviser, [person.pk], now=NOW)[person.pk].count == 2


def test_other_statuses_are_not_absences(permanence, adviser, territory):
    person = f.BeneficiaryFactory(territory=territory)
    for status in (AppointmentStatus.SEEN, AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED):
        f.AppointmentFactory(
            permanence=permanence,
            beneficiary=person,
            start=NOW - dt.timedelta(days=2),
            status=status,
        )
    absences(permanence, person, [NOW - dt.timedelta(days=5)])
    assert repeated_noshows(adviser, [person.pk], now=NOW) == {}


def test_only_staff_in_scope_see_it(permanence, adviser, territory, referent, librarian):
    person = f.BeneficiaryFactory(territory=territory)
    absences(permanence, person, [NOW - dt.timedelta(days=d) for d in (3, 9)])
    assert person.pk in repeated_noshows(adviser, [person.pk], now=NOW)
    assert repeated_noshows(referent, [person.pk], now=NOW) == {}
    assert repeated_noshows(librarian, [person.pk], now=NOW) == {}
    other_territory = f.TerritoryFactory(slug="ailleurs", name="Ailleurs")
    outsider = f.UserFactory(role="coordinator", territory=other_territory)
    assert repeated_noshows(outsider, [person.pk], now=NOW) == {}


def test_booking_is_never_refused_because_of_it(permanence, adviser, territory):
    person = f.BeneficiaryFactory(territory=territory)
    absences(permanence, person, [NOW - dt.timedelta(days=d) for d in (3, 9, 20, 40)])
    assert repeated_noshows(adviser, [person.pk], now=NOW)[person.pk].count == 4
    booking = book_appointment(
        slot_id=make_slot_id(permanence.pk, NINE),
        topics=["aide_aux_demarches_administratives"],
        channel=Channel.PHONE,
        beneficiary=person,
        by=adviser,
    )
    assert booking.appointment.status == AppointmentStatus.BOOKED


def test_day_sheet_and_appointment_page_show_the_flag(client, permanence, adviser, territory):
    person = f.BeneficiaryFactory(territory=territory)
    quiet = f.BeneficiaryFactory(territory=territory)
    absences(permanence, person, [NOW - dt.timedelta(days=d) for d in (7, 14)])
    flagged = f.AppointmentFactory(permanence=permanence, beneficiary=person, start=NINE)
    f.AppointmentFactory(
        permanence=permanence, beneficiary=quiet, start=NINE + dt.timedelta(hours=1)
    )
    client.force_login(adviser)
    html = client.get(
        reverse("staff:day_sheet", kwargs={"pk": permanence.pk, "day": NINE.date()})
    ).content.decode()
    assert html.count("absences sans prévenir depuis le") == 1
    html = client.get(reverse("staff:appointment", args=[flagged.pk])).content.decode()
    assert "2 absences sans prévenir depuis le" in html
