"""« Vous venez toujours ? » in a real browser (issue 16): the inhabitant answers from the
links of the question, the staff see the answers, and the Service Culture pushes a session at
risk to the people waiting for similar sessions.

Real Chromium, real server, real time (as tests/browser/test_booking_journey.py: the browser
and the server must agree on "now"; every date is relative to ``clock.now()``, so the tests
also run under ``CADRAN_TEST_TODAY``). The question is asked through the service
(``ask_*_confirmation``), and its link is read from the queued message, as the person would
read it in their SMS or e-mail. Every page visited is audited with axe-core and the Nu HTML
checker.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.notifications.models import Message
from cadran.scheduling import confirmations as appointment_confirmations
from cadran.scheduling.enums import AppointmentStatus, ConfirmationAnswer
from cadran.scheduling.models import Appointment
from cadran.scheduling.slots import make_slot_id
from cadran.workshops import confirmations as registration_confirmations
from cadran.workshops.enums import RegistrationStatus
from tests import factories as f
from tests.browser.conftest import (
    AuditWithoutJavaScript,
    assert_accessible,
    assert_no_horizontal_scroll,
)
from tests.browser.test_booking_journey import (  # noqa: F401 (the fixture)
    estaires_permanence,
    log_in,
)
from tests.workshops.factories import (
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
)

pytestmark = pytest.mark.browser

PHONE_360 = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
WIDTH_360 = 360
DESKTOP = 1280
ANSWER_PATH = re.compile(r"/(?:rendez-vous|ateliers)/reponse/[A-Za-z0-9_-]+/(?:oui|non)/")


def answer_path(message: Message, answer: str) -> str:
    """The path of the link « Je viens » (``oui``) or « Je ne peux pas venir » (``non``) in
    the body of the queued question (the links are absolute, to the territory's address)."""
    paths = [p for p in ANSWER_PATH.findall(message.body) if p.endswith(f"/{answer}/")]
    assert paths, message.body
    return paths[0]


def paris(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=PARIS)


class Audit:
    """Audit the current page: axe-core in the page itself, or (without JavaScript) the page
    as it was received, in a twin page; then the width, when given."""

    def __init__(self, page, *, width: int | None = None, twin=None) -> None:
        self.page = page
        self.width = width
        self.without_js = AuditWithoutJavaScript(page, twin) if twin is not None else None

    def __call__(self) -> None:
        if self.without_js is not None:
            self.without_js.check(width=self.width)
            return
        assert_accessible(self.page)
        if self.width:
            assert_no_horizontal_scroll(self.page, self.width)


# --- 1. « Je ne peux pas venir » for an appointment ------------------------------------


@pytest.fixture
def asked_appointment(estaires_permanence):  # noqa: F811
    """Josiane's appointment at 9h on the permanence's next open day, asked « Vous venez
    toujours ? » by SMS. Returns (appointment, the slot's booking path, the « non » path)."""
    permanence, day = estaires_permanence
    start = paris(day, 9)
    appointment = f.AppointmentFactory(
        permanence=permanence,
        start=start,
        end=start + dt.timedelta(hours=1),
        beneficiary__first_name="Josiane",
        beneficiary__last_name="Vandenbussche",
        beneficiary__phone="06 12 34 56 78",
    )
    [message] = appointment_confirmations.ask_appointment_confirmation(
        appointment=appointment, now=clock.now()
    )
    assert (message.event, message.channel) == ("appointment_confirmation", "sms")
    book = reverse(
        "public:book", args=[permanence.commune.slug, make_slot_id(permanence.pk, start)]
    )
    return appointment, book, answer_path(message, "non")


def release_the_appointment(page, audit: Audit, appointment, book: str, no_path: str) -> None:
    commune = reverse("public:commune", args=["estaires"])

    # Taken: the 9h slot is not offered on the public page.
    page.goto(commune)
    expect(page.locator("h1")).to_contain_text("Estaires")
    expect(page.locator("ul.slots a").first).to_be_visible()
    expect(page.locator(f"a[href='{book}']")).to_have_count(0)
    audit()

    # The link of the SMS: a question with a button; opening it changes nothing.
    response = page.goto(no_path)
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("Vous ne pouvez pas venir ?")
    expect(page.locator("main")).to_contain_text("Rendez-vous avec un conseiller numérique")
    expect(page.get_by_role("link", name="Finalement, je viens")).to_be_visible()
    audit()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.confirmation_answer == ""

    page.get_by_role("button", name="Je ne peux pas venir : annuler mon rendez-vous").click()
    expect(page.locator("h1")).to_have_text("Votre rendez-vous est annulé")
    expect(page.get_by_role("status")).to_contain_text(
        "Le créneau est proposé à une autre personne"
    )
    assert page.url.endswith(f"{no_path}?fait=1")
    audit()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.EXCUSED
    assert appointment.confirmation_answer == ConfirmationAnswer.NO

    # The slot is offered again, at once.
    page.goto(commune)
    expect(page.locator(f"a[href='{book}']")).to_have_count(1)
    audit()

    # The link opened again (a phone opening it on its own): nothing more happens.
    page.goto(no_path)
    expect(page.locator("h1")).to_have_text("Ce rendez-vous est annulé")
    expect(page.locator("main form")).to_have_count(0)
    audit()
    assert Appointment.objects.get().status == AppointmentStatus.EXCUSED


def test_cannot_come_without_javascript_on_a_phone(new_page, asked_appointment):
    appointment, book, no_path = asked_appointment
    page = new_page(java_script_enabled=False, **PHONE_360)
    audit = Audit(page, width=WIDTH_360, twin=new_page(**PHONE_360))
    release_the_appointment(page, audit, appointment, book, no_path)


def test_cannot_come_with_javascript_on_a_phone(new_page, asked_appointment):
    appointment, book, no_path = asked_appointment
    page = new_page(**PHONE_360)
    audit = Audit(page, width=WIDTH_360)
    release_the_appointment(page, audit, appointment, book, no_path)

    # A link cut short in the SMS: a kind page that tells nothing.
    response = page.goto(no_path.replace("/non/", "x/non/"))
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_contain_text("Ce lien ne mène à aucun rendez-vous")
    audit()


# --- 2. « Je viens » for a workshop registration ----------------------------------------


@pytest.fixture
def cast(transactional_db):
    """The territory, Estaires and its médiathèque, the Service Culture, an adviser, a
    workshop format with a minimum of 4."""
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
        confidential=False,
    )
    culture = f.UserFactory(
        culture_service=True,
        territory=territory,
        email="culture@example.org",
        first_name="Paul",
        last_name="Delattre",
    )
    fmt = WorkshopFormatFactory(territory=territory, name="Atelier découverte", min_attendance=4)
    return {"territory": territory, "venue": venue, "culture": culture, "format": fmt}


def session_in(cast, days: int, *, title: str, capacity: int = 8, min_attendance: int = 4):
    start = paris(clock.today() + dt.timedelta(days=days), 14)
    return SessionFactory(
        workshop=WorkshopFactory(territory=cast["territory"], format=cast["format"], title=title),
        venue=cast["venue"],
        start=start,
        capacity=capacity,
        min_attendance=min_attendance,
    )


def test_i_am_coming_to_the_workshop_and_the_session_page_says_it(new_page, cast):
    session = session_in(cast, 5, title="Arnaques en ligne : les repérer")
    registration = RegistrationFactory(
        session=session, first_name="Josiane", last_name="Vandenbussche"
    )
    [message] = registration_confirmations.ask_registration_confirmation(
        registration=registration, now=clock.now()
    )
    assert (message.event, message.channel) == ("workshop_confirmation", "email")
    yes_path = answer_path(message, "oui")

    page = new_page(**PHONE_360)
    audit = Audit(page, width=WIDTH_360)
    page.goto(yes_path)
    expect(page.locator("h1")).to_have_text("Vous venez à l'atelier ?")
    expect(page.locator("main")).to_contain_text("Arnaques en ligne : les repérer")
    expect(page.locator("main")).to_contain_text("12 rue de la Gare")
    audit()
    registration.refresh_from_db()
    assert registration.confirmation_answer == ""

    page.get_by_role("button", name="Oui, je viens").click()
    expect(page.locator("h1")).to_have_text("Merci, c'est noté : vous venez")
    audit()
    registration.refresh_from_db()
    assert registration.confirmation_answer == ConfirmationAnswer.YES
    assert registration.status == RegistrationStatus.CONFIRMED

    # The way back stays open: « Je ne peux finalement pas venir » asks before cancelling.
    page.get_by_role("link", name="Je ne peux finalement pas venir").click()
    expect(page.locator("h1")).to_have_text("Vous ne pouvez pas venir ?")
    expect(page.locator("main")).to_contain_text("votre place donnée à une personne qui attend")
    audit()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED

    # The Service Culture, on the session's page: the registration says « Vient ».
    staff = new_page()
    log_in(staff, cast["culture"].email)
    staff.goto(reverse("workshops:session_detail", args=[session.pk]))
    row = staff.get_by_role("row", name=re.compile("Josiane Vandenbussche"))
    expect(row.get_by_role("cell").nth(2)).to_have_text("Vient")
    assert_accessible(staff)


# --- 3. Sessions at risk, and the push to similar waiting lists --------------------------


@pytest.fixture
def at_risk(cast):
    """A session under its minimum 8 days ahead (decision 6 days ahead): 2 registered, 1
    waiting, minimum 4. Another session of the same format, full, with 3 people waiting:
    Annie (e-mail), Bruno (SMS), and Josiane, already registered on the session at risk
    (not told); a session of another format, at its minimum, with one person waiting (not
    told)."""
    risky = session_in(cast, 8, title="Arnaques en ligne : les repérer", capacity=8)
    RegistrationFactory(session=risky, email="josiane@example.org")
    RegistrationFactory(session=risky)
    RegistrationFactory(session=risky, waiting=True)

    full = session_in(cast, 15, title="Faire ses démarches sur son téléphone", capacity=1)
    RegistrationFactory(session=full)
    annie = RegistrationFactory(session=full, waiting=True, email="annie@example.org")
    bruno = RegistrationFactory(session=full, waiting=True, sms_only=True)
    RegistrationFactory(session=full, waiting=True, email="josiane@example.org")

    other_format = WorkshopFormatFactory(territory=cast["territory"], name="Imprimante 3D")
    elsewhere = SessionFactory(
        workshop=WorkshopFactory(territory=cast["territory"], format=other_format),
        venue=cast["venue"],
        start=risky.start + dt.timedelta(days=3),
        capacity=1,
        min_attendance=2,
    )
    RegistrationFactory(session=elsewhere)
    RegistrationFactory(session=elsewhere, waiting=True, email="autre@example.org")
    return risky, {("email", annie.email, annie.pk), ("sms", bruno.phone, bruno.pk)}


def open_the_announcement(page, audit: Audit, risky) -> None:
    """Sessions list → « Séances à risque » → « Prévenir… » of the session at risk."""
    page.goto(reverse("workshops:session_list"))
    page.get_by_role("link", name="Séances à risque").click()
    expect(page.locator("h1")).to_have_text("Séances à risque d'annulation")
    card = page.locator(".risk-list > li")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Arnaques en ligne : les repérer")
    expect(card).to_contain_text("2 inscrits et 1 en liste d'attente, minimum 4")
    expect(card).to_contain_text("il manque 1 personne.")
    expect(card).to_contain_text("dans 6 jours")
    audit()

    card.get_by_role(
        "link", name=re.compile("Prévenir les personnes en liste d'attente d'ateliers semblables")
    ).click()
    expect(page.locator("h1")).to_have_text(
        "Prévenir les personnes en liste d'attente d'ateliers semblables"
    )
    expect(page.locator("main")).to_contain_text(
        "2 personnes attendent une place dans un autre atelier « Atelier découverte »"
    )
    assert page.url.endswith(reverse("workshops:session_announce", args=[risky.pk]))
    audit()


def test_service_culture_pushes_a_session_at_risk(new_page, cast, at_risk):
    risky, expected = at_risk

    # On a phone: up to the confirmation step, then « Ne rien envoyer ».
    phone = new_page(**PHONE_360)
    log_in(phone, cast["culture"].email)
    open_the_announcement(phone, Audit(phone, width=WIDTH_360), risky)
    phone.get_by_role("link", name="Ne rien envoyer").click()
    expect(phone.locator("h1")).to_have_text("Séances à risque d'annulation")
    assert not Message.objects.exists()

    # On a desktop screen: sent.
    desk = new_page()
    audit = Audit(desk, width=DESKTOP)
    log_in(desk, cast["culture"].email)
    open_the_announcement(desk, audit, risky)
    desk.get_by_role("button", name="Envoyer le message").click()
    expect(desk.locator("h1")).to_have_text("Séances à risque d'annulation")
    expect(desk.locator("main")).to_contain_text(
        "C'est fait : 2 personnes en liste d'attente d'ateliers semblables vont recevoir "
        "un message."
    )
    audit()
    messages = Message.objects.all()
    assert {(m.channel, m.recipient, m.object_id) for m in messages} == expected
    assert {m.event for m in messages} == {"workshop_similar_session"}

    # Sent again: nobody is told twice.
    desk.goto(reverse("workshops:session_announce", args=[risky.pk]))
    desk.get_by_role("button", name="Envoyer le message").click()
    expect(desk.locator("main")).to_contain_text("Personne de plus à prévenir")
    audit()
    assert Message.objects.count() == 2


# --- 4. The day sheet: answers and the repeated no-show flag ----------------------------


def test_day_sheet_shows_answers_and_repeated_noshows_on_a_phone(new_page, estaires_permanence):  # noqa: F811
    permanence, day = estaires_permanence
    josiane = f.BeneficiaryFactory(
        territory=permanence.commune.territory, first_name="Josiane", last_name="Vandenbussche"
    )
    # Two absences without notice in the last year (the threshold: 2).
    for weeks in (2, 6):
        past = paris(day - dt.timedelta(weeks=weeks), 9)
        f.AppointmentFactory(
            permanence=permanence,
            beneficiary=josiane,
            start=past,
            end=past + dt.timedelta(hours=1),
            status=AppointmentStatus.NOSHOW,
        )
    lines = []
    for hour, beneficiary in ((9, josiane), (10, None), (11, None)):
        start = paris(day, hour)
        extra = {"beneficiary": beneficiary} if beneficiary else {}
        lines.append(
            f.AppointmentFactory(
                permanence=permanence, start=start, end=start + dt.timedelta(hours=1), **extra
            )
        )
    for appointment in lines[:2]:
        appointment_confirmations.ask_appointment_confirmation(
            appointment=appointment, now=clock.now()
        )
    appointment_confirmations.answer_appointment_confirmation(
        appointment=lines[0], answer=ConfirmationAnswer.YES
    )

    page = new_page(**PHONE_360)
    log_in(page, permanence.adviser.email)
    page.goto(reverse("staff:day_sheet", kwargs={"pk": permanence.pk, "day": day}))
    slots = page.locator("ol.sheet > li")
    expect(slots).to_have_count(3)
    expect(slots.nth(0)).to_contain_text("Vient toujours ? Vient")
    since = paris(day - dt.timedelta(weeks=6), 9)
    expect(slots.nth(0).locator(".noshow-flag")).to_contain_text(
        f"2 absences sans prévenir depuis le {since:%d/%m/%Y}"
    )
    expect(slots.nth(0)).to_contain_text("le rendez-vous reste possible")
    expect(slots.nth(1)).to_contain_text("Vient toujours ? Sans réponse")
    expect(slots.nth(2)).to_contain_text("Vient toujours ? —")
    expect(page.locator(".noshow-flag")).to_have_count(1)
    assert_accessible(page)
    assert_no_horizontal_scroll(page, WIDTH_360)
