"""The booking form: success, refusals shown next to their field, nothing created on error."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import Appointment, Beneficiary
from tests import factories as f

from .helpers import WED_9, book_url, form_data

pytestmark = pytest.mark.usefixtures("frozen_now")


def html(response) -> str:
    return html_lib.unescape(response.content.decode())


def counts() -> tuple[int, int]:
    return Appointment.objects.count(), Beneficiary.objects.count()


def test_booking_form_shows_the_slot_the_notice_then_the_form(client, permanence, merville):
    response = client.get(book_url(permanence))
    assert response.status_code == 200
    page = html(response)
    assert '<h1 class="booking-title">Prendre rendez-vous</h1>' in page
    assert "Mercredi 2 décembre 2026 à 9h00" in page
    # A short notice before the form: the controller, the purpose, a link to the full text.
    notice = page[page.index('id="notice-short"') : page.index("<form")]
    assert "Responsable : Communauté de communes Flandre Lys" in notice
    assert "organiser votre rendez-vous" in notice
    assert f'href="{reverse("public:privacy")}"' in notice
    assert "article 6, paragraphe 1" not in page  # the full notice is one link away
    # Why we ask for a phone or an e-mail.
    assert "Donnez au moins un des deux" in page
    # Communes of the territory, the slot's commune chosen, and "another commune".
    assert '<option value="59212" selected>Estaires</option>' in page
    assert '<option value="59400">Merville</option>' in page
    assert "Une autre commune" in page
    # Reasons in plain words, grouped; the national code is the value.
    assert "<legend>Démarches</legend>" in page
    assert "Mes démarches en ligne (CAF, impôts, ANTS…)" in page
    assert 'value="sante"' in page


def test_booking_creates_the_appointment_and_redirects_to_the_private_page(client, permanence):
    response = client.post(book_url(permanence), form_data(email="Jeanne@Example.org"))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/rendez-vous/") and location.endswith("/?confirme=1")

    appointment = Appointment.objects.get()
    assert appointment.permanence == permanence
    assert appointment.start == WED_9
    assert appointment.channel == Channel.ONLINE
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.created_by is None
    assert sorted(appointment.topics.values_list("thematique", flat=True)) == [
        "aide_aux_demarches_administratives",
        "sante",
    ]
    person = appointment.beneficiary
    assert (person.first_name, person.last_name) == ("Jeanne", "Lefebvre")
    assert person.phone == "0612345678"
    assert person.email == "jeanne@example.org"
    assert person.residence_insee == "59212"

    page = html(client.get(location))
    assert "Votre rendez-vous est confirmé" in page


def test_booking_with_email_only_and_another_commune(client, permanence):
    response = client.post(
        book_url(permanence), form_data(phone="", email="yvette@example.org", residence="autre")
    )
    assert response.status_code == 302
    person = Beneficiary.objects.get()
    assert person.phone == ""
    assert person.email == "yvette@example.org"
    assert person.residence_insee == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"phone": "", "email": ""},
            "Indiquez un numéro de téléphone ou une adresse e-mail, pour vous prévenir",
        ),
        ({"consent": None}, "Cochez la case pour dire que vous avez lu les informations"),
        ({"topics": ["piratage"]}, "Ce motif n'existe pas. Choisissez dans la liste."),
        ({"topics": ["sante", "diagnostic_numerique"]}, "Ce motif n'existe pas."),
        ({"topics": None}, "Cochez au moins une case : pour quoi venez-vous ?"),
        ({"first_name": ""}, "Indiquez votre prénom."),
        ({"last_name": "   "}, "Indiquez votre nom."),
        ({"phone": "appelez-moi"}, "Écrivez le numéro de téléphone en chiffres"),
        ({"email": "jeanne@", "phone": ""}, "Cette adresse e-mail ne semble pas juste."),
        ({"residence": "99999"}, "Choisissez votre commune dans la liste."),
        # Refused by the service (too few digits), shown next to the phone field.
        ({"phone": "06 12 34 5"}, "Ce numéro de téléphone ne semble pas complet"),
    ],
)
def test_invalid_input_rerenders_with_the_error_and_creates_nothing(
    client, permanence, overrides, message
):
    before = counts()
    response = client.post(book_url(permanence), form_data(**overrides))
    assert response.status_code == 200
    page = html(response)
    assert message in page
    assert "Il faut corriger le formulaire" in page
    assert 'aria-invalid="true"' in page
    assert counts() == before
    # Nothing typed is lost.
    if "last_name" not in overrides:
        assert 'value="Lefebvre"' in page


def test_error_summary_links_to_the_fields(client, permanence):
    response = client.post(book_url(permanence), form_data(first_name="", topics=None))
    page = html(response)
    assert '<a href="#id_first_name">Indiquez votre prénom.</a>' in page
    assert '<a href="#id_topics_0">' in page
    assert 'id="id_first_name_error"' in page
    assert 'aria-describedby="id_first_name_error"' in page


def test_booking_a_taken_slot_shows_the_message_and_creates_nothing(client, permanence):
    f.AppointmentFactory(permanence=permanence, start=WED_9)
    before = counts()
    response = client.post(book_url(permanence), form_data(first_name="Marcel"))
    assert response.status_code == 200
    page = html(response)
    assert "Ce créneau vient d'être réservé. Choisissez-en un autre." in page
    assert f'href="{reverse("public:commune", args=["estaires"])}"' in page
    assert 'value="Marcel"' in page  # the form is kept
    assert counts() == before


def test_second_booking_of_the_same_slot_is_refused(client, permanence):
    assert client.post(book_url(permanence), form_data()).status_code == 302
    before = counts()
    response = client.post(book_url(permanence), form_data(first_name="Ahmed"))
    assert "Ce créneau vient d'être réservé. Choisissez-en un autre." in html(response)
    assert counts() == before


def test_get_on_a_taken_slot_is_a_friendly_page(client, permanence):
    f.AppointmentFactory(permanence=permanence, start=WED_9)
    response = client.get(book_url(permanence))
    assert response.status_code == 410
    page = html(response)
    assert "<h1>Ce créneau n'est plus disponible</h1>" in page
    assert "Ce créneau vient d'être réservé" in page
    assert "Voir les créneaux libres à Estaires" in page


@pytest.mark.parametrize(
    "start",
    [
        dt.datetime(2026, 11, 25, 9, 0, tzinfo=PARIS),  # past
        dt.datetime(2026, 12, 3, 9, 0, tzinfo=PARIS),  # not a Wednesday
        dt.datetime(2026, 12, 2, 9, 30, tzinfo=PARIS),  # not a slot start
        dt.datetime(2027, 6, 2, 9, 0, tzinfo=PARIS),  # beyond the booking window
    ],
)
def test_get_on_a_slot_that_is_not_bookable_is_410(client, permanence, start):
    response = client.get(book_url(permanence, start))
    assert response.status_code == 410
    assert "Ce créneau n'est plus disponible. Choisissez-en un autre." in html(response)


def test_post_on_a_slot_that_is_not_bookable_keeps_the_form(client, permanence):
    before = counts()
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=PARIS)
    response = client.post(book_url(permanence, start), form_data())
    assert response.status_code == 200
    assert "Ce créneau n'est plus disponible" in html(response)
    assert counts() == before


def test_slot_of_a_permanence_closed_to_online_booking(client, estaires, adviser):
    permanence = f.PermanenceFactory(commune=estaires, adviser=adviser, online_booking=False)
    assert client.get(book_url(permanence)).status_code == 410
    before = counts()
    client.post(book_url(permanence), form_data())
    assert counts() == before


def test_slot_ids_that_do_not_exist_are_404(client, permanence, merville):
    url = reverse("public:book", args=["estaires", "n-importe-quoi"])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("public:book", args=["estaires", "999-202612020900"])).status_code == 404
    )
    # A real slot, asked under another commune.
    slot_id = book_url(permanence).rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("public:book", args=["merville", slot_id])).status_code == 404
    assert (
        client.post(reverse("public:book", args=["merville", slot_id]), form_data()).status_code
        == 404
    )
    assert counts() == (0, 0)


def test_hostile_text_is_stored_as_typed_and_shown_escaped(client, permanence):
    hostile = "<script>alert('x')</script>"
    response = client.post(book_url(permanence), form_data(first_name=hostile))
    assert Beneficiary.objects.get().first_name == hostile
    raw = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in raw
    assert "<script>alert" not in raw
    # And on a form re-rendered with an error.
    raw = client.post(book_url(permanence), form_data(last_name=hostile, consent=None)).content
    assert b"<script>alert" not in raw
    assert b"&lt;script&gt;" in raw


@pytest.mark.parametrize("stamp", ["000101010000", "999912312359", "202613450900"])
def test_slot_ids_at_the_calendar_edges_are_404(client, permanence, stamp):
    url = reverse("public:book", args=["estaires", f"{permanence.pk}-{stamp}"])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data()).status_code == 404
