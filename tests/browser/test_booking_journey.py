"""An inhabitant books on the public pages; the adviser sees the appointment on the day sheet.

Real Chromium, real server (live_server), real time (no frozen clock: the browser and the
server must agree on "now"); every page visited is audited with axe-core.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.scheduling.calendars import public_holidays
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import Appointment
from tests import factories as f
from tests.browser.conftest import (
    AuditWithoutJavaScript,
    assert_accessible,
    assert_no_horizontal_scroll,
)

pytestmark = pytest.mark.browser

FIRST_NAME = "Josiane"
LAST_NAME = "Vandenbussche"
PHONE = "06 12 34 56 78"
TOPIC = "Mes démarches en ligne (CAF, impôts, ANTS…)"
SMALL_PHONE = {"width": 375, "height": 667}


def next_open_day(today: dt.date) -> dt.date:
    """The first day after today that is not a public holiday (the permanence's weekday)."""
    days = [today + dt.timedelta(days=n) for n in range(1, 8)]
    closed = public_holidays(days[0], days[-1])
    return next(day for day in days if day not in closed)


@pytest.fixture
def estaires_permanence(transactional_db):
    """Estaires, its adviser, and a 9h–12h permanence tomorrow-ish, bookable at once."""
    territory = f.TerritoryFactory(slug="ccfl", contact_phone="03 28 50 50 50")
    estaires = f.CommuneFactory(
        territory=territory, insee_code="59212", name="Estaires", slug="estaires", postcode="59940"
    )
    f.CommuneFactory(
        territory=territory, insee_code="59400", name="Merville", slug="merville", postcode="59660"
    )
    adviser = f.UserFactory(
        adviser=True,
        territory=territory,
        communes=[estaires],
        email="camille.lefebvre@example.org",
        first_name="Camille",
        last_name="Lefebvre",
    )
    day = next_open_day(clock.today())
    permanence = f.PermanenceFactory(
        commune=estaires,
        adviser=adviser,
        weekday=day.weekday(),
        start_time=dt.time(9, 0),
        end_time=dt.time(12, 0),
        slot_minutes=60,
        min_notice_minutes=0,
        valid_from=clock.today() - dt.timedelta(days=30),
    )
    return permanence, day


def open_booking_form(page) -> None:
    """Home → Estaires → the first free slot, each page audited."""
    response = page.goto(reverse("public:home"))
    assert response is not None and response.ok
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"Voir les créneaux.*Estaires")).click()
    expect(page.locator("h1")).to_contain_text("Estaires")
    assert_accessible(page)

    page.locator("ul.slots a").first.click()
    expect(page.locator("h1")).to_contain_text("Prendre rendez-vous")
    assert_accessible(page)


def fill_booking_form(page) -> None:
    page.get_by_label("Prénom").fill(FIRST_NAME)
    page.get_by_label(re.compile(r"^Nom")).fill(LAST_NAME)
    page.get_by_label("Numéro de téléphone").fill(PHONE)
    page.get_by_label(TOPIC).check()
    page.get_by_label(re.compile(r"J'ai lu les informations")).check()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()


def log_in(page, email: str, check: Callable[[], None] | None = None) -> None:
    """Log in on the staff login page, audited by ``check`` (axe-core on ``page`` by default)."""
    page.goto(reverse("accounts:login"))
    if check is None:
        assert_accessible(page)
    else:
        check()
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile(r"/compte/connexion/"))


def test_inhabitant_books_and_adviser_sees_it_on_the_day_sheet(new_page, estaires_permanence):
    permanence, day = estaires_permanence

    # The inhabitant, on their own browser.
    inhabitant = new_page()
    open_booking_form(inhabitant)
    fill_booking_form(inhabitant)

    expect(inhabitant.locator("h1")).to_contain_text("confirmé")
    expect(inhabitant.locator("main")).to_contain_text(f"{FIRST_NAME} {LAST_NAME}")
    assert "/rendez-vous/" in inhabitant.url
    assert_accessible(inhabitant)

    # The database holds one online booking, at 9h on the first open day, for this person.
    appointment = Appointment.objects.select_related("beneficiary").get()
    assert appointment.permanence_id == permanence.pk
    assert appointment.start.astimezone(PARIS) == dt.datetime.combine(
        day, dt.time(9, 0), tzinfo=PARIS
    )
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.channel == Channel.ONLINE
    assert appointment.beneficiary.last_name == LAST_NAME
    assert list(appointment.topics.values_list("thematique", flat=True)) == [
        "aide_aux_demarches_administratives"
    ]

    # The adviser, on another browser: logs in, sees the day sheet with the person's name.
    adviser = new_page()
    log_in(adviser, permanence.adviser.email)
    assert_accessible(adviser)

    adviser.goto(reverse("staff:day_sheet", kwargs={"pk": permanence.pk, "day": day}))
    main = adviser.locator("main")
    expect(main).to_contain_text(re.compile(FIRST_NAME, re.IGNORECASE))
    expect(main).to_contain_text(re.compile(LAST_NAME, re.IGNORECASE))
    expect(main).to_contain_text(re.compile(r"9\s?h", re.IGNORECASE))
    assert_accessible(adviser)


def test_booking_form_fits_a_small_phone(new_page, estaires_permanence):
    """375×667 (a small phone): no page of the way to the form scrolls sideways."""
    page = new_page(viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    page.goto(reverse("public:home"))
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    page.get_by_role("link", name=re.compile(r"Voir les créneaux.*Estaires")).click()
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    page.locator("ul.slots a").first.click()
    expect(page.get_by_label("Prénom")).to_be_visible()
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    assert_accessible(page)

    # With the errors shown (nothing filled in), it still fits, and the summary leads to them.
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    assert_accessible(page)


def test_booking_works_without_javascript(new_page, estaires_permanence):
    """The pages only get better with JavaScript: without it, one can still book; each page,
    as received without JavaScript, audited."""
    page = new_page(java_script_enabled=False)
    audit = AuditWithoutJavaScript(page, new_page())
    page.goto(reverse("public:home"))
    audit.check()
    page.get_by_role("link", name=re.compile(r"Voir les créneaux.*Estaires")).click()
    expect(page.locator("h1")).to_contain_text("Estaires")
    audit.check()
    page.locator("ul.slots a").first.click()
    expect(page.get_by_label("Prénom")).to_be_visible()
    audit.check()
    fill_booking_form(page)
    expect(page.locator("h1")).to_contain_text("confirmé")
    audit.check()
    assert Appointment.objects.filter(beneficiary__last_name=LAST_NAME).count() == 1
