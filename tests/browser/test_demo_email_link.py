"""The link of a booking e-mail opens the appointment in the browser: links follow the
address the site is served at (``CADRAN_SITE_URL``, here the test server's)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cadran.notifications.models import Message
from cadran.scheduling.models import Appointment
from tests.browser.conftest import assert_accessible
from tests.browser.test_booking_journey import (  # noqa: F401 — the fixture
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    TOPIC,
    estaires_permanence,
    open_booking_form,
)

pytestmark = pytest.mark.browser

URL_RE = re.compile(r"https?://\S+/rendez-vous/\S+")


def test_the_link_of_the_booking_email_opens_the_appointment(
    new_page,
    estaires_permanence,  # noqa: F811
    live_server,
    settings,
):
    settings.CADRAN_SITE_URL = live_server.url
    page = new_page()
    open_booking_form(page)
    page.get_by_label("Prénom").fill(FIRST_NAME)
    page.get_by_label(re.compile(r"^Nom")).fill(LAST_NAME)
    page.get_by_label("Numéro de téléphone").fill(PHONE)
    page.get_by_label("Adresse e-mail").fill("josiane@example.org")
    page.get_by_label("Me prévenir par e-mail").check()
    page.get_by_label(TOPIC).check()
    page.get_by_label(re.compile(r"J'ai lu les informations")).check()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator("h1")).to_contain_text("rendez-vous")

    email = Message.objects.get(channel="email", event="appointment_booked")
    links = URL_RE.findall(email.body)
    assert links, email.body
    assert all(link.startswith(live_server.url) for link in links), links
    other = new_page()  # another browser: no session, only the link
    response = other.goto(links[0])
    assert response is not None and response.status == 200
    appointment = Appointment.objects.get(beneficiary__last_name=LAST_NAME)
    shown = other.locator(".reference").inner_text()  # written in groups: « NZQ DJY »
    assert shown.replace(" ", "") == appointment.reference.replace(" ", "")
    assert_accessible(other)
