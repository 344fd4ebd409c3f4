"""A collective workshop from the librarian's request to the attendance (issue [3]).

A librarian asks for a published workshop in their médiathèque; the Service Culture accepts
the request, which creates the session; an inhabitant finds it in the public agenda and
registers; on the day, the adviser takes attendance. Real Chromium, real server, real time
(no frozen clock: the browser and the server must agree on "now"); every page visited is
audited with axe-core.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.workshops.enums import RegistrationStatus, RequestStatus, SessionStatus
from cadran.workshops.models import InterventionRequest, Registration, Session
from cadran.workshops.services import (
    PersonData,
    accept_request,
    cancel_session,
    decide_session,
    register,
    request_intervention,
)
from tests import factories as f
from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll
from tests.workshops.factories import WorkshopFactory, WorkshopFormatFactory

pytestmark = pytest.mark.browser

TITLE = "Arnaques en ligne : les repérer"
FIRST_NAME = "Josiane"
LAST_NAME = "Vandenbussche"
SMALL_PHONE = {"width": 375, "height": 667}


@pytest.fixture
def cast(transactional_db):
    """The territory, a médiathèque with its librarian and room, the Service Culture, an
    adviser (free: no permanence), and a published workshop."""
    territory = f.TerritoryFactory(slug="ccfl", contact_phone="03 28 50 50 50")
    estaires = f.CommuneFactory(
        territory=territory, insee_code="59212", name="Estaires", slug="estaires", postcode="59940"
    )
    f.CommuneFactory(
        territory=territory, insee_code="59400", name="Merville", slug="merville", postcode="59660"
    )
    library = f.LibraryFactory(commune=estaires, name="Médiathèque d'Estaires")
    venue = f.VenueFactory(
        commune=estaires,
        library=library,
        name="Médiathèque d'Estaires",
        room="Salle d'animation",
        address="12 rue de la Gare",
    )
    librarian = f.UserFactory(
        librarian=True,
        territory=territory,
        library=library,
        email="bibliotheque@example.org",
        first_name="Nadia",
        last_name="Lemaire",
    )
    culture = f.UserFactory(
        culture_service=True,
        territory=territory,
        email="culture@example.org",
        first_name="Paul",
        last_name="Delattre",
    )
    adviser = f.UserFactory(
        adviser=True,
        territory=territory,
        communes=[estaires],
        email="camille.lefebvre@example.org",
        first_name="Camille",
        last_name="Lefebvre",
    )
    fmt = WorkshopFormatFactory(territory=territory, name="Atelier découverte")
    workshop = WorkshopFactory(territory=territory, format=fmt, title=TITLE)
    return {
        "librarian": librarian,
        "culture": culture,
        "adviser": adviser,
        "venue": venue,
        "workshop": workshop,
    }


def log_in(page, email: str) -> None:
    """The login page, then the page it leads to: both audited."""
    page.goto(reverse("accounts:login"))
    assert_accessible(page)
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile(r"/compte/connexion/"))
    assert_accessible(page)


def wished_start() -> dt.datetime:
    """Three days ahead at 14h (Paris): after the decision time's 48 hours."""
    day = clock.today() + dt.timedelta(days=3)
    return dt.datetime.combine(day, dt.time(14, 0), tzinfo=PARIS)


def librarian_requests_the_workshop(page, cast, start: dt.datetime) -> InterventionRequest:
    log_in(page, cast["librarian"].email)
    page.goto(reverse("workshops:request_new"))
    expect(page.locator("h1")).to_contain_text("Demander un atelier")
    assert_accessible(page)
    page.get_by_label("Atelier demandé").select_option(str(cast["workshop"].pk))
    page.get_by_label("Date proposée 1").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Salle").fill("Salle d'animation")
    page.get_by_label("Public attendu").fill("Seniors")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(page.locator("main")).to_contain_text("Demandée")
    assert_accessible(page)
    request = InterventionRequest.objects.get()
    assert request.library_id == cast["librarian"].library_id
    assert request.status == RequestStatus.REQUESTED
    assert request.date_option_1 == start
    return request


def culture_service_accepts(page, cast, request: InterventionRequest) -> Session:
    log_in(page, cast["culture"].email)
    page.goto(reverse("workshops:request_detail", kwargs={"pk": request.pk}))
    expect(page.locator("h1")).to_contain_text(TITLE)
    assert_accessible(page)
    form = page.locator(f"form[action='{reverse('workshops:request_accept', args=[request.pk])}']")
    form.get_by_label("Lieu").select_option(str(cast["venue"].pk))
    form.get_by_label("Camille Lefebvre").check()
    form.get_by_label(re.compile(r"Nombre de places")).fill("8")
    # One registration is enough for this session to take place (the journey registers one).
    form.get_by_label(re.compile(r"Jauge minimale")).fill("1")
    form.get_by_role("button", name="Accepter et programmer la séance").click()
    expect(page.locator("main")).to_contain_text("La demande est acceptée")
    assert_accessible(page)
    session = Session.objects.get()
    assert session.request_id == request.pk
    assert session.venue_id == cast["venue"].pk
    assert session.start == request.date_option_1
    assert (session.capacity, session.min_attendance) == (8, 1)
    assert session.status == SessionStatus.SCHEDULED
    assert list(session.advisers.all()) == [cast["adviser"]]
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    return session


def inhabitant_registers(page, session: Session) -> str:
    """Home → agenda → session → form (first sent empty) → private page. Returns its URL."""
    page.goto(reverse("public:home"))
    assert_accessible(page)
    page.get_by_role("link", name="Voir l'agenda des ateliers").click()
    expect(page.locator("h1")).to_contain_text("Ateliers collectifs")
    expect(page.locator("main")).to_contain_text("Gratuit pour les habitants")
    assert_accessible(page)
    link = page.get_by_role("link", name=TITLE, exact=True)
    if link.count() == 0:  # three days ahead may be next month
        page.get_by_role("link", name=re.compile("Mois suivant")).click()
        assert_accessible(page)
    expect(page.locator("main")).to_contain_text("8 places libres")
    page.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    assert_accessible(page)
    page.get_by_role("link", name="S'inscrire à cet atelier").click()
    expect(page.locator("h1")).to_contain_text("S'inscrire à l'atelier")
    assert_accessible(page)

    # Sent empty: the errors are listed at the top and lead to their fields.
    page.get_by_role("button", name="Confirmer mon inscription").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)

    # A card number in the wrong format: the reason and the service's phone, by the field.
    page.get_by_label("Prénom").fill(FIRST_NAME)
    page.get_by_label(re.compile(r"^Nom")).fill(LAST_NAME)
    page.get_by_label("Numéro de téléphone").fill("06 12 34 56 78")
    page.get_by_label("Je suis inscrit(e) dans une médiathèque du réseau").check()
    page.get_by_label("Numéro de votre carte de médiathèque").fill("ABC")
    page.get_by_label(re.compile(r"J'ai lu les informations")).check()
    page.get_by_role("button", name="Confirmer mon inscription").click()
    expect(page.locator("main")).to_contain_text("format du réseau des médiathèques")
    expect(page.locator("main")).to_contain_text("03 28 50 50 50")
    assert_accessible(page)
    assert Registration.objects.count() == 0

    # Living in Estaires is enough.
    page.get_by_label("J'habite une de ces communes").check()
    page.get_by_label("Votre commune").select_option("59212")
    page.get_by_label("Numéro de votre carte de médiathèque").fill("")
    page.get_by_label(re.compile(r"J'ai lu les informations")).check()
    page.get_by_role("button", name="Confirmer mon inscription").click()
    expect(page.locator("h1")).to_have_text("Votre inscription est confirmée")
    expect(page.locator("main")).to_contain_text("12 rue de la Gare")
    expect(page.get_by_role("link", name="Annuler mon inscription")).to_be_visible()
    assert "/ateliers/inscription/" in page.url
    assert_accessible(page)
    return page.url


def adviser_takes_attendance(page, cast, session: Session) -> None:
    log_in(page, cast["adviser"].email)
    page.goto(reverse("workshops:attendance", kwargs={"pk": session.pk}))
    expect(page.locator("h1")).to_contain_text("Appel")
    assert_accessible(page)
    page.get_by_label(re.compile(rf"{LAST_NAME.upper()}\s+{FIRST_NAME}")).check()
    page.get_by_label("Personnes venues sans inscription").fill("2")
    page.get_by_role("button", name="Enregistrer l'appel").click()
    expect(page.locator("main")).to_contain_text("L'appel est enregistré")
    assert_accessible(page)


def test_from_the_librarians_request_to_the_attendance(new_page, cast):
    start = wished_start()

    request = librarian_requests_the_workshop(new_page(), cast, start)
    session = culture_service_accepts(new_page(), cast, request)

    # The inhabitant, on a small phone.
    inhabitant = new_page(viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    private_url = inhabitant_registers(inhabitant, session)
    assert_no_horizontal_scroll(inhabitant, SMALL_PHONE["width"])
    registration = Registration.objects.get()
    assert registration.session_id == session.pk
    assert (registration.first_name, registration.last_name) == (FIRST_NAME, LAST_NAME)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.commune_insee == "59212"

    # The day comes. Attendance is taken once the session has begun, but sessions can only
    # be created in the future: the test moves this one so that it began five minutes ago
    # (directly in the database, decision time included), then the worker's decision runs
    # as the sweep would (one registered, minimum 1: confirmed).
    now = clock.now()
    Session.objects.filter(pk=session.pk).update(
        start=now - dt.timedelta(minutes=5),
        end=now + dt.timedelta(minutes=115),
        decision_at=now - dt.timedelta(minutes=10),
    )
    session.refresh_from_db()
    assert decide_session(session=session, now=clock.now()).outcome == "confirmed"

    adviser_takes_attendance(new_page(), cast, session)
    session.refresh_from_db()
    registration.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert session.anonymous_count == 2
    assert registration.status == RegistrationStatus.PRESENT
    assert session.attendances.get().present is True

    # The private page now says the workshop took place.
    inhabitant.goto(private_url)
    expect(inhabitant.locator("h1")).to_contain_text("passé")
    assert_accessible(inhabitant)


def test_agenda_and_registration_work_without_javascript(new_page, cast):
    """A session already accepted; registering needs no JavaScript."""
    start = wished_start()
    request = request_intervention(
        workshop=cast["workshop"],
        library=cast["librarian"].library,
        by=cast["librarian"],
        date_options=[start],
    )
    [session] = accept_request(
        request=request,
        by=cast["culture"],
        venue=cast["venue"],
        starts=[start],
        advisers=[cast["adviser"]],
    )
    page = new_page(java_script_enabled=False)
    page.goto(reverse("public:session_register", args=[session.pk]))
    page.get_by_label("Prénom").fill(FIRST_NAME)
    page.get_by_label(re.compile(r"^Nom")).fill(LAST_NAME)
    page.get_by_label("Adresse e-mail").fill("josiane@example.org")
    page.get_by_label("J'habite une de ces communes").check()
    page.get_by_label("Votre commune").select_option("59400")
    page.get_by_label(re.compile(r"J'ai lu les informations")).check()
    page.get_by_role("button", name="Confirmer mon inscription").click()
    expect(page.locator("h1")).to_have_text("Votre inscription est confirmée")
    page.get_by_role("link", name="Annuler mon inscription").click()
    page.get_by_role("button", name="Oui, annuler mon inscription").click()
    expect(page.locator("h1")).to_have_text("Votre inscription est annulée")
    assert Registration.objects.get().status == RegistrationStatus.CANCELLED


def test_waiting_list_cancel_and_closed_pages_are_accessible(new_page, cast):
    """The other public pages of a registration: waiting list, cancelling, a session that
    is over, a wrong link; each audited."""
    start = wished_start()
    request = request_intervention(
        workshop=cast["workshop"],
        library=cast["librarian"].library,
        by=cast["librarian"],
        date_options=[start],
    )
    [session] = accept_request(
        request=request,
        by=cast["culture"],
        venue=cast["venue"],
        starts=[start],
        advisers=[cast["adviser"]],
        capacity=1,
    )
    register(
        session=session,
        person=PersonData(
            first_name="Anne", last_name="Premier", email="a@example.org", commune_insee="59212"
        ),
    )
    page = new_page()
    page.goto(reverse("public:session", args=[session.pk]))
    expect(page.locator("main")).to_contain_text("Complet")
    assert_accessible(page)
    page.get_by_role("link", name="S'inscrire sur la liste d'attente").click()
    page.get_by_label("Prénom").fill(FIRST_NAME)
    page.get_by_label(re.compile(r"^Nom")).fill(LAST_NAME)
    page.get_by_label("Adresse e-mail").fill("josiane@example.org")
    page.get_by_label("Je suis inscrit(e) dans une médiathèque du réseau").check()
    page.get_by_label("Numéro de votre carte de médiathèque").fill("0012 3456")
    page.get_by_label(re.compile(r"J'ai lu les informations")).check()
    page.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    expect(page.locator("h1")).to_have_text("Vous êtes sur la liste d'attente, en position 1")
    assert_accessible(page)
    page.get_by_role("link", name="Annuler mon inscription").click()
    expect(page.locator("h1")).to_have_text("Annuler votre inscription ?")
    assert_accessible(page)
    page.get_by_role("button", name="Oui, annuler mon inscription").click()
    expect(page.locator("h1")).to_have_text("Votre inscription est annulée")
    assert_accessible(page)

    # The session is cancelled by the service: its page is gone (410), kindly.
    cancel_session(session=session, reason="Conseiller malade.", by=cast["culture"])
    response = page.goto(reverse("public:session", args=[session.pk]))
    assert response is not None and response.status == 410
    expect(page.locator("h1")).to_contain_text("On ne peut plus s'inscrire")
    assert_accessible(page)

    response = page.goto(reverse("public:workshop_registration", kwargs={"token": "faux"}))
    assert response is not None and response.status == 404
    assert_accessible(page)
