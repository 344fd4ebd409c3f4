"""Two journeys of issue 14 in the workshops (docs/ateliers.md).

(a) An off-site (« hors les murs ») request accepted after arbitration: the Service Culture
    gives the session its own place; the public session page shows it, not the library.
(b) A 3D-printer session: the acceptance is refused for want of a printer and offers the
    loan request, pre-filled; the loan is requested, the page comes back filled in; the
    loan is approved (the rule needs an accepted loan), then the acceptance goes through.

Real Chromium, real server, real time; every page is audited (axe-core, Nu checker).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Loan
from cadran.workshops.enums import RequestStatus
from cadran.workshops.models import InterventionRequest, Session
from tests import factories as f
from tests.browser.conftest import assert_accessible
from tests.equipment.factories import EquipmentFactory
from tests.workshops.factories import (
    InterventionRequestFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
)

from .test_workshop_journey import log_in

pytestmark = pytest.mark.browser

TITLE = "Arnaques en ligne : les repérer"
PRINTER_TITLE = "Imprimer un porte-clés en 3D"


def start_in(days: int) -> dt.datetime:
    day = clock.today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(14, 0), tzinfo=PARIS)


@pytest.fixture
def cast(transactional_db):
    territory = f.TerritoryFactory(slug="ccfl", contact_phone="03 28 50 50 50")
    estaires = f.CommuneFactory(
        territory=territory, insee_code="59212", name="Estaires", slug="estaires", postcode="59940"
    )
    library = f.LibraryFactory(commune=estaires, name="Médiathèque d'Estaires")
    venue = f.VenueFactory(
        commune=estaires,
        library=library,
        name="Médiathèque d'Estaires",
        room="Salle d'animation",
        address="12 rue de la Gare",
        has_projector=True,
        has_screen=True,
        has_tables_chairs=True,
        wifi=True,
    )
    librarian = f.UserFactory(
        librarian=True, territory=territory, library=library, email="bibliotheque@example.org"
    )
    culture = f.UserFactory(culture_service=True, territory=territory, email="culture@example.org")
    f.UserFactory(
        adviser=True,
        territory=territory,
        communes=[estaires],
        first_name="Camille",
        last_name="Lefebvre",
    )
    return {
        "territory": territory,
        "library": library,
        "librarian": librarian,
        "culture": culture,
        "venue": venue,
    }


def test_off_site_workshop_is_shown_at_its_own_place(page, cast):
    fmt = WorkshopFormatFactory(territory=cast["territory"], name="Atelier découverte")
    workshop = WorkshopFactory(territory=cast["territory"], format=fmt, title=TITLE)
    request = InterventionRequestFactory(
        workshop=workshop,
        library=cast["library"],
        requested_by=cast["librarian"],
        date_option_1=start_in(5),
        off_site_market=True,
        under_examination=True,
    )
    log_in(page, cast["culture"].email)
    page.goto(reverse("workshops:request_detail", kwargs={"pk": request.pk}))
    assert_accessible(page)
    form = page.locator(f"form[action='{reverse('workshops:request_accept', args=[request.pk])}']")
    expect(form.get_by_label("Nom du lieu hors les murs")).to_have_value("Marché du samedi")
    expect(form.get_by_label("Lieu enregistré de rattachement")).to_have_value(
        str(cast["venue"].pk)
    )
    # Sent without a name: a clear error, linked to its field.
    form.get_by_label("Nom du lieu hors les murs").fill("")
    form.get_by_label("Camille Lefebvre").check()
    form.get_by_role("button", name="Accepter et programmer la séance").click()
    expect(page.locator(".error-summary")).to_contain_text("Indiquez le nom du lieu hors les murs")
    assert_accessible(page)
    assert not Session.objects.exists()

    form = page.locator(f"form[action='{reverse('workshops:request_accept', args=[request.pk])}']")
    form.get_by_label("Nom du lieu hors les murs").fill("Marché du samedi")
    form.get_by_label("Adresse du lieu hors les murs").fill("Grand-Place")
    form.get_by_label(re.compile("Pour trouver le lieu")).fill("Stand bleu, devant la mairie.")
    form.get_by_label("Camille Lefebvre").check()
    form.get_by_role("button", name="Accepter et programmer la séance").click()
    expect(page.locator("main")).to_contain_text("La demande est acceptée")
    expect(page.locator("main")).to_contain_text("Marché du samedi, Grand-Place")
    assert_accessible(page)
    session = Session.objects.get()
    assert session.off_site_name == "Marché du samedi"

    page.goto(reverse("public:session", kwargs={"pk": session.pk}))
    expect(page.locator("h1")).to_contain_text(TITLE)
    facts = page.locator(".session-facts")
    expect(facts).to_contain_text("Marché du samedi")
    expect(facts).to_contain_text("Grand-Place, 59940 Estaires")
    expect(facts).to_contain_text("Stand bleu, devant la mairie.")
    expect(facts).not_to_contain_text("Médiathèque")
    assert_accessible(page)


def test_3d_printer_acceptance_goes_through_the_loan(page, cast):
    territory = cast["territory"]
    EquipmentFactory(territory=territory, printer=True, name="Imprimante 3D n° 1")
    fmt = WorkshopFormatFactory(territory=territory, printer_3d=True, name="Imprimante 3D")
    workshop = WorkshopFactory(territory=territory, format=fmt, title=PRINTER_TITLE)
    start = start_in(6)
    request: InterventionRequest = InterventionRequestFactory(
        workshop=workshop,
        library=cast["library"],
        requested_by=cast["librarian"],
        date_option_1=start,
    )
    accept_action = reverse("workshops:request_accept", args=[request.pk])
    log_in(page, cast["culture"].email)
    page.goto(reverse("workshops:request_detail", kwargs={"pk": request.pk}))
    assert_accessible(page)
    form = page.locator(f"form[action='{accept_action}']")
    form.get_by_label("Camille Lefebvre").check()
    form.get_by_label(re.compile(r"Nombre de places")).fill("6")
    form.get_by_role("button", name="Accepter et programmer la séance").click()
    expect(page.locator(".error-summary")).to_contain_text("Aucune imprimante 3D n'est réservée")
    assert_accessible(page)

    # The loan request, pre-filled: the printer, the commune, the library, the day.
    page.get_by_role("link", name="Demander le prêt de l'imprimante 3D").click()
    expect(page.locator("h1")).to_contain_text("Demander un prêt de matériel")
    assert_accessible(page)
    expect(page.get_by_label("Matériel", exact=True)).to_have_value(
        str(EquipmentFactory._meta.model.objects.get().pk)
    )
    expect(page.get_by_label("Commune qui emprunte")).to_have_value(str(cast["venue"].commune_id))
    expect(page.get_by_label("Premier jour du prêt")).to_have_value(start.date().isoformat())
    expect(page.get_by_label("Dernier jour du prêt")).to_have_value(start.date().isoformat())
    page.get_by_label("Lieu de stockage sécurisé", exact=True).fill("Réserve fermée à clé")
    page.get_by_label(re.compile("La commune garantit ce lieu")).check()
    page.get_by_role("button", name="Envoyer la demande").click()

    # Back on the acceptance, filled in as it was left; the loan waits for its approval.
    expect(page.locator("h1")).to_contain_text(f"Demande de l'atelier « {PRINTER_TITLE} »")
    expect(page.locator("main")).to_contain_text("doit être acceptée avant la séance")
    expect(page.locator("main")).to_contain_text("pas encore accepté")
    assert_accessible(page)
    form = page.locator(f"form[action='{accept_action}']")
    expect(form.get_by_label("Camille Lefebvre")).to_be_checked()
    expect(form.get_by_label(re.compile(r"Nombre de places"))).to_have_value("6")
    loan = Loan.objects.get()
    assert loan.status == LoanStatus.REQUESTED

    # The rule needs an accepted loan: the Service Culture accepts it, and comes back.
    page.get_by_role("link", name="voir le prêt pour l'accepter").click()
    expect(page.locator("h1")).to_contain_text("Prêt de « Imprimante 3D n° 1 »")
    assert_accessible(page)
    page.get_by_role("button", name="Accepter la demande et revenir").click()
    expect(page.locator("main")).to_contain_text("Le prêt est accepté")
    assert_accessible(page)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED

    form = page.locator(f"form[action='{accept_action}']")
    expect(form.get_by_label("Camille Lefebvre")).to_be_checked()
    form.get_by_role("button", name="Accepter et programmer la séance").click()
    expect(page.locator("main")).to_contain_text("La demande est acceptée")
    assert_accessible(page)
    session = Session.objects.get()
    assert session.start == start and session.capacity == 6
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
