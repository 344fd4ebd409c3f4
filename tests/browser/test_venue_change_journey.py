"""A commune's referent declares a venue change, the Service Culture confirms it, and an
inhabitant's private appointment page shows the new venue (convention, art. 3).

Real Chromium, real server (live_server), real time; every page visited is audited with
axe-core.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.scheduling.calendars import public_holidays
from cadran.scheduling.services import BeneficiaryData, book_appointment
from cadran.scheduling.slots import make_slot_id
from cadran.territory.models import VenueChange, VenueChangeStatus
from tests import factories as f
from tests.browser.conftest import assert_accessible
from tests.browser.test_booking_journey import log_in

pytestmark = pytest.mark.browser

NEW_PLACE = "Salle des fêtes Léo Lagrange"
NEW_ADDRESS = "4 rue de la Gare"


def appointment_day(today: dt.date) -> dt.date:
    """An open day at least two days ahead: the change can then start the day before."""
    days = [today + dt.timedelta(days=n) for n in range(2, 16)]
    closed = public_holidays(days[0], days[-1])
    return next(day for day in days if day not in closed)


@pytest.fixture
def estaires_world(transactional_db):
    territory = f.TerritoryFactory(slug="ccfl", contact_phone="03 28 50 50 50")
    estaires = f.CommuneFactory(
        territory=territory, insee_code="59212", name="Estaires", slug="estaires", postcode="59940"
    )
    adviser = f.UserFactory(adviser=True, territory=territory, communes=[estaires])
    referent = f.UserFactory(
        referent=True,
        territory=territory,
        communes=[estaires],
        email="ccas@estaires.example.org",
        first_name="Nadine",
        last_name="Deschamps",
    )
    culture = f.UserFactory(
        culture_service=True,
        territory=territory,
        email="culture@ccfl.example.org",
        first_name="Sophie",
        last_name="Vermeulen",
    )
    day = appointment_day(clock.today())
    permanence = f.PermanenceFactory(
        commune=estaires,
        adviser=adviser,
        weekday=day.weekday(),
        min_notice_minutes=0,
        valid_from=clock.today() - dt.timedelta(days=30),
    )
    booking = book_appointment(
        slot_id=make_slot_id(permanence.pk, dt.datetime.combine(day, dt.time(9, 0), tzinfo=PARIS)),
        topics=["aide_aux_demarches_administratives"],
        channel="online",
        person=BeneficiaryData(first_name="Josiane", last_name="Vandenbussche", phone="0612345678"),
    )
    return {
        "referent": referent,
        "culture": culture,
        "permanence": permanence,
        "day": day,
        "token": booking.token,
    }


def test_referent_declares_culture_confirms_inhabitant_sees_the_new_venue(new_page, estaires_world):
    world = estaires_world
    old_place = world["permanence"].venue.name
    effective = world["day"] - dt.timedelta(days=1)

    # The inhabitant's private page shows the mairie before the change.
    inhabitant = new_page()
    inhabitant.goto(reverse("public:appointment", kwargs={"token": world["token"]}))
    expect(inhabitant.locator("main")).to_contain_text(old_place)
    assert_accessible(inhabitant)

    # The commune's referent declares the change.
    referent = new_page()
    log_in(referent, world["referent"].email)
    referent.get_by_role("link", name="Lieux", exact=True).click()
    expect(referent.locator("h1")).to_contain_text("Lieux")
    assert_accessible(referent)

    referent.get_by_role("link", name="Déclarer un changement de lieu").click()
    expect(referent.locator("h1")).to_have_text("Déclarer un changement de lieu")
    assert_accessible(referent)
    referent.get_by_label("Le lieu que vous quittez").select_option(index=1)
    referent.get_by_label("À partir du").fill(effective.isoformat())
    referent.get_by_role("radio", name=re.compile("Un autre lieu")).check()
    referent.get_by_label("Nom du nouveau lieu").fill(NEW_PLACE)
    referent.get_by_label("Adresse", exact=True).fill(NEW_ADDRESS)
    for condition in ("Chauffé", "Wifi", "Assuré par la commune", "Tables et chaises"):
        referent.get_by_role("checkbox", name=condition, exact=True).check()
    # No closed office: the permanence needs one, so the venue will be flagged.
    referent.get_by_role("button", name="Envoyer la déclaration").click()

    expect(referent.locator("h1")).to_contain_text("Changement de lieu à Estaires")
    main = referent.locator("main")
    expect(main).to_contain_text("En attente de confirmation")
    expect(main).to_contain_text("il manque quelque chose")
    expect(main).to_contain_text("bureau fermé")
    expect(main).not_to_contain_text("Vandenbussche")  # counts and dates only for the commune
    assert_accessible(referent)
    change = VenueChange.objects.get()
    assert change.status == VenueChangeStatus.PENDING
    assert change.effective_date == effective

    # The Service Culture confirms, accepting the missing condition explicitly.
    culture = new_page()
    log_in(culture, world["culture"].email)
    culture.get_by_role("link", name="Lieux", exact=True).click()
    assert_accessible(culture)
    culture.get_by_role("link", name=re.compile(r"Voir.*Estaires")).click()
    expect(culture.locator("main")).to_contain_text("Vandenbussche")
    assert_accessible(culture)

    culture.get_by_role("button", name="Confirmer le changement de lieu").click()
    expect(culture.locator(".error-summary")).to_be_visible()
    assert_accessible(culture)
    culture.get_by_label(re.compile("J'accepte ce lieu")).check()
    culture.get_by_role("button", name="Confirmer le changement de lieu").click()
    expect(culture.locator(".messages")).to_contain_text("1 rendez-vous")
    expect(culture.locator("main")).to_contain_text("Confirmé")
    assert_accessible(culture)
    change.refresh_from_db()
    assert change.status == VenueChangeStatus.CONFIRMED

    # The inhabitant's private page now shows the new venue.
    inhabitant.reload()
    main = inhabitant.locator("main")
    expect(main).to_contain_text(NEW_PLACE)
    expect(main).to_contain_text(NEW_ADDRESS)
    expect(main).not_to_contain_text(old_place)
    assert_accessible(inhabitant)
