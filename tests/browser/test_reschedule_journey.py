"""An inhabitant books, opens the private link from the confirmation page and changes the time
of the appointment (issue 14); then the same on a 360 px phone without JavaScript.

Real Chromium, real server, real time (as tests/browser/test_booking_journey.py); every page
visited is audited with axe-core and the Nu HTML checker.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cadran.core.clock import PARIS
from cadran.notifications.models import Message
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from tests.browser.conftest import (
    AuditWithoutJavaScript,
    assert_accessible,
    assert_no_horizontal_scroll,
)
from tests.browser.test_booking_journey import (  # noqa: F401 (the fixture)
    estaires_permanence,
    fill_booking_form,
    open_booking_form,
)

pytestmark = pytest.mark.browser

PHONE_360 = {"width": 360, "height": 740}


def change_the_time(
    page, *, width: int | None = None, audit: AuditWithoutJavaScript | None = None
) -> None:
    """From the confirmation page: the private link, « Changer l'horaire », the first free
    slot, confirm; each page audited (and measured when ``width`` is given).

    Without JavaScript, axe-core cannot run in the page itself: ``audit`` audits each page
    as it was received, in a page of the same size with JavaScript on."""

    def check() -> None:
        if audit is not None:
            audit.check(width=width)
            return
        assert_accessible(page)
        if width:
            assert_no_horizontal_scroll(page, width)

    expect(page.locator("h1")).to_contain_text("confirmé")
    expect(page.locator("main")).to_contain_text("Nous avons envoyé un SMS au 06 •• •• •• 78")
    expect(page.get_by_role("link", name="Ajouter à mon agenda")).to_be_visible()
    if width:
        # On a phone, no « Ctrl et P » hint (hidden by the stylesheet, with or without JS).
        expect(page.locator(".keyboard-hint")).to_be_hidden()
    check()

    # The private link is a link: open it, as one would from a note or a message.
    page.locator(".private-link a").click()
    expect(page.locator("h1")).to_have_text("Votre rendez-vous")
    check()

    page.get_by_role("link", name="Changer l'horaire").click()
    expect(page.locator("h1")).to_contain_text("Changer l'horaire")
    check()

    page.locator("ul.slots a").first.click()
    expect(page.locator("h1")).to_contain_text("Confirmer le nouvel horaire")
    check()

    page.get_by_role("button", name="Oui, changer l'horaire").click()
    expect(page.locator("h1")).to_contain_text("L'horaire de votre rendez-vous a changé")
    check()


def assert_moved_to_10h(page, day: dt.date) -> None:
    expect(page.locator(".appointment-facts")).to_contain_text("10h00")
    expect(page.locator("main")).to_contain_text("Nous avons envoyé un SMS au 06 •• •• •• 78")
    appointment = Appointment.objects.get()
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.start.astimezone(PARIS) == dt.datetime.combine(
        day, dt.time(10, 0), tzinfo=PARIS
    )
    assert Message.objects.filter(event="appointment_moved", channel="sms").count() == 1


def test_inhabitant_changes_the_time_from_the_private_link(new_page, estaires_permanence):  # noqa: F811
    _permanence, day = estaires_permanence
    page = new_page()
    open_booking_form(page)
    fill_booking_form(page)
    change_the_time(page)
    assert_moved_to_10h(page, day)


def test_changing_the_time_without_javascript_on_a_phone(new_page, estaires_permanence):  # noqa: F811
    _permanence, day = estaires_permanence
    phone = {"viewport": PHONE_360, "is_mobile": True, "has_touch": True}
    page = new_page(java_script_enabled=False, **phone)
    audit = AuditWithoutJavaScript(page, new_page(**phone))
    page.goto(reverse("public:home"))
    page.get_by_role("link", name=re.compile(r"Voir les créneaux.*Estaires")).click()
    page.locator("ul.slots a").first.click()
    fill_booking_form(page)
    change_the_time(page, width=PHONE_360["width"], audit=audit)
    assert_moved_to_10h(page, day)
