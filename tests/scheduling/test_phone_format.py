"""Phone numbers as people read them on staff pages: « 06 12 34 56 01 »."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.scheduling.templatetags.staff_format import phone
from tests import factories as f


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("0612345601", "06 12 34 56 01"),
        ("06.12.34.56.01", "06 12 34 56 01"),
        ("06 12 34 56 01", "06 12 34 56 01"),
        ("+33612345601", "+33 6 12 34 56 01"),
        ("+32 470 12 34 56", "+32 470 12 34 56"),  # not French: as typed
        ("061234560", "061234560"),  # nine digits: as typed
        ("", ""),
        (None, ""),
    ],
)
def test_french_numbers_are_grouped_in_pairs(raw, shown):
    assert phone(raw) == shown


@pytest.mark.django_db
def test_the_appointment_page_shows_the_number_grouped(client, permanence, culture_user):
    person = f.BeneficiaryFactory(territory=permanence.commune.territory, phone="0612345601")
    start = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)
    appointment = f.AppointmentFactory(
        permanence=permanence, beneficiary=person, start=start, end=start + dt.timedelta(hours=1)
    )
    client.force_login(culture_user)
    page = client.get(reverse("staff:appointment", args=[appointment.pk])).content.decode()
    assert '<a href="tel:0612345601">06 12 34 56 01</a>' in page
