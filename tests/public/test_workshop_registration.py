"""Registering for a workshop on the public pages, the private page behind the link, and
cancelling through it (which gives the place to the first person waiting)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cadran.notifications.models import Message
from cadran.workshops.enums import EligibilityBasis, RegistrationStatus, SessionStatus
from cadran.workshops.models import Registration
from cadran.workshops.services import PersonData, register
from tests.workshops.factories import RegistrationFactory, SessionFactory

from .workshop_helpers import form_data, make_cycle, make_session, paris, register_url, token_of

pytestmark = pytest.mark.usefixtures("frozen_now")


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def session(territory, estaires, merville):
    return make_session(territory, estaires)


def private_url(token: str) -> str:
    return reverse("public:workshop_registration", kwargs={"token": token})


def cancel_url(token: str) -> str:
    return reverse("public:workshop_registration_cancel", kwargs={"token": token})


# --- The form -----------------------------------------------------------------------------


def test_form_shows_the_notice_the_communes_and_both_ways_to_be_eligible(client, session):
    response = client.get(register_url(session))
    assert response.status_code == 200
    page = html(response)
    assert "<h1>S'inscrire à l'atelier</h1>" in page
    assert "Vos données personnelles" in page
    assert "3 mois après l'atelier" in page
    assert "J&#x27;habite une de ces communes" in page
    assert "Je suis inscrit(e) dans une médiathèque du réseau" in page
    assert '<option value="59212">Estaires</option>' in page
    assert '<option value="59400">Merville</option>' in page
    assert "Numéro de votre carte de médiathèque" in page
    assert "12 places libres" in page
    assert 'name="consent"' in page
    assert "Confirmer mon inscription" in page


def test_resident_registers_and_lands_on_the_private_page(client, session):
    response = client.post(register_url(session), form_data())
    token = token_of(response)
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.session_id == session.pk
    assert registration.eligibility_basis == EligibilityBasis.RESIDENT
    assert registration.commune_insee == "59212"
    assert registration.library_card == ""
    assert registration.phone == "0612345678"
    assert registration.created_by is None
    page_response = client.get(private_url(token))
    assert page_response.status_code == 200
    assert page_response["X-Robots-Tag"] == "noindex, nofollow"
    page = html(page_response)
    assert "<h1>Votre inscription est confirmée</h1>" in page
    assert "Arnaques en ligne : les repérer" in page
    assert "Samedi 5 décembre 2026</strong>, de 10h à 12h" in page
    assert "12 rue de la Gare" in page
    assert "Josiane Vandewalle" in page
    assert cancel_url(token) in page
    # The SMS carries the same private link.
    sms = Message.objects.get(event="workshop_registered", channel="sms")
    assert private_url(token) in sms.body


def test_library_member_from_elsewhere_registers_with_a_card(client, session):
    data = form_data(basis="library_member", commune_insee="", library_card="0012 3456")
    token_of(client.post(register_url(session), data))
    registration = Registration.objects.get()
    assert registration.eligibility_basis == EligibilityBasis.LIBRARY_MEMBER
    assert registration.library_card == "00123456"


def test_a_card_alone_is_understood_without_ticking_the_choice(client, session):
    data = form_data(basis=None, commune_insee="", library_card="12345678")
    token_of(client.post(register_url(session), data))
    assert Registration.objects.get().eligibility_basis == EligibilityBasis.LIBRARY_MEMBER


def test_a_wrong_card_is_explained_with_the_service_contact_next_to_the_field(client, session):
    data = form_data(basis="library_member", commune_insee="", library_card="AB-12")
    response = client.post(register_url(session), data)
    assert response.status_code == 200
    page = html(response)
    assert "ne correspond pas au format du réseau des médiathèques" in page
    assert "Pour toute question : Service Culture, 03 28 00 00 00 ou culture@example.org." in page
    assert 'href="#id_library_card"' in page  # the summary leads to the field
    assert 'id="id_library_card_error"' in page
    assert 'aria-describedby="id_library_card_helptext id_library_card_error"' in page
    assert Registration.objects.count() == 0


def test_nothing_chosen_about_eligibility_is_asked_for(client, session):
    response = client.post(
        register_url(session), form_data(basis=None, commune_insee="", library_card="")
    )
    assert response.status_code == 200
    assert "Choisissez : vous habitez une commune du territoire" in html(response)
    assert Registration.objects.count() == 0


def test_resident_must_choose_a_commune_of_the_list(client, session):
    page = html(client.post(register_url(session), form_data(commune_insee="75056")))
    assert "Choisissez votre commune dans la liste." in page
    page = html(client.post(register_url(session), form_data(commune_insee="")))
    assert "Choisissez votre commune dans la liste." in page
    assert Registration.objects.count() == 0


def test_a_phone_or_an_email_and_the_consent_are_required(client, session):
    response = client.post(register_url(session), form_data(phone="", consent=None))
    page = html(response)
    assert "Indiquez un numéro de téléphone ou une adresse e-mail" in page
    assert "Cochez la case pour dire que vous avez lu les informations" in page
    assert "Il faut corriger le formulaire" in page
    assert Registration.objects.count() == 0


def test_registering_twice_is_refused_plainly(client, session):
    token_of(client.post(register_url(session), form_data()))
    response = client.post(register_url(session), form_data())
    assert response.status_code == 200
    assert "Vous êtes déjà inscrit(e) à cet atelier" in html(response)
    assert Registration.objects.count() == 1


def test_when_full_the_person_goes_on_the_waiting_list_with_their_position(
    client, territory, estaires
):
    session = make_session(territory, estaires, capacity=1)
    RegistrationFactory(session=session)
    RegistrationFactory(session=session, waiting=True)
    assert "M'inscrire sur la liste d'attente" in html(client.get(register_url(session)))
    token = token_of(client.post(register_url(session), form_data()))
    mine = Registration.objects.get(last_name="Vandewalle")
    assert mine.status == RegistrationStatus.WAITING
    page = html(client.get(private_url(token)))
    assert "Vous êtes sur la liste d'attente, en position 2" in page
    assert cancel_url(token) in page


def test_registering_to_a_cycle_covers_every_date(client, territory, estaires):
    first, second = make_cycle(territory, estaires, [paris(2026, 12, 5), paris(2026, 12, 12)])
    assert client.get(register_url(second)).status_code == 302
    token = token_of(client.post(register_url(first), form_data()))
    assert Registration.objects.get().session_id == first.pk
    page = html(client.get(private_url(token)))
    assert "Samedi 5 décembre 2026" in page and "Samedi 12 décembre 2026" in page


def test_cancelled_session_refuses_registration_with_a_410(client, territory, estaires):
    session = make_session(territory, estaires, cancelled=True)
    later = SessionFactory(
        workshop=session.workshop, venue=session.venue, start=paris(2026, 12, 19)
    )
    response = client.get(register_url(session))
    assert response.status_code == 410
    assert reverse("public:session", args=[later.pk]) in html(response)
    response = client.post(register_url(session), form_data())
    assert response.status_code == 410
    assert "Cet atelier est annulé" in html(response)
    assert Registration.objects.count() == 0


def test_session_that_has_begun_refuses_registration(client, territory, estaires):
    session = make_session(
        territory, estaires, start=paris(2026, 11, 27, 9), decision_at=paris(2026, 11, 25)
    )
    response = client.post(register_url(session), form_data())
    assert response.status_code == 410
    assert Registration.objects.count() == 0


def test_hostile_text_is_escaped_on_the_private_page(client, session):
    data = form_data(first_name="<script>alert(1)</script>", last_name="<b>Nom</b>")
    token = token_of(client.post(register_url(session), data))
    page = html(client.get(private_url(token)))
    assert "<script>alert(1)</script>" not in page and "<b>Nom</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- The private page and cancelling ------------------------------------------------------


def test_unknown_link_shows_a_neutral_404(client, session):
    response = client.get(private_url("pas-un-vrai-jeton"))
    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "Ce lien ne mène à aucune inscription" in html(response)
    assert client.post(cancel_url("pas-un-vrai-jeton")).status_code == 404


def test_cancel_asks_first_then_frees_the_place_for_the_first_person_waiting(
    client, territory, estaires
):
    session = make_session(territory, estaires, capacity=1)
    token = token_of(client.post(register_url(session), form_data()))
    first_waiting = register(
        session=session,
        person=PersonData(
            first_name="Anne", last_name="Premier", email="a@example.org", commune_insee="59212"
        ),
    ).registration
    second_waiting = register(
        session=session,
        person=PersonData(
            first_name="Bruno", last_name="Second", email="b@example.org", commune_insee="59212"
        ),
    ).registration
    assert first_waiting.status == second_waiting.status == RegistrationStatus.WAITING

    response = client.get(cancel_url(token))
    assert response.status_code == 200
    assert "Annuler votre inscription ?" in html(response)
    assert Registration.objects.get(last_name="Vandewalle").status == RegistrationStatus.CONFIRMED

    response = client.post(cancel_url(token))
    assert response.status_code == 302 and response["Location"] == private_url(token)
    mine = Registration.objects.get(last_name="Vandewalle")
    assert mine.status == RegistrationStatus.CANCELLED and mine.cancelled_at is not None
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.CONFIRMED
    assert first_waiting.promoted_at is not None
    assert second_waiting.status == RegistrationStatus.WAITING
    assert Message.objects.filter(event="workshop_promoted", recipient="a@example.org").exists()

    page = html(client.get(private_url(token)))
    assert "<h1>Votre inscription est annulée</h1>" in page
    assert cancel_url(token) not in page
    # Cancelling again only leads back to the page.
    assert client.post(cancel_url(token))["Location"] == private_url(token)


def test_private_page_of_a_cancelled_session_offers_the_next_dates(client, territory, estaires):
    session = make_session(territory, estaires)
    token = token_of(client.post(register_url(session), form_data()))
    later = SessionFactory(
        workshop=session.workshop, venue=session.venue, start=paris(2026, 12, 19)
    )
    session.status = SessionStatus.CANCELLED_LOW_ATTENDANCE
    session.save(update_fields=["status"])
    page = html(client.get(private_url(token)))
    assert "<h1>Cet atelier est annulé</h1>" in page
    assert "pas assez d'inscrits" in page
    assert reverse("public:session", args=[later.pk]) in page
    assert cancel_url(token) not in page
    assert client.get(cancel_url(token)).status_code == 302
