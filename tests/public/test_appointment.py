"""The private appointment page behind its link, and cancelling from it."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token, new_token
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from tests import factories as f

from .helpers import WED_9, book_url

pytestmark = pytest.mark.usefixtures("frozen_now")


def html(response) -> str:
    return html_lib.unescape(response.content.decode())


def test_private_page_shows_everything_needed(client, booked):
    appointment = Appointment.objects.get()
    url = reverse("public:appointment", args=[booked])
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    page = html(response)
    assert "<h1>Votre rendez-vous</h1>" in page
    assert "Mercredi 2 décembre 2026" in page
    assert "9h00" in page
    assert "Mairie de Estaires" in page and "Bureau du CCAS" in page
    assert "Place du Général de Gaulle" in page
    ref = appointment.reference
    assert f"{ref[:3]} {ref[3:]}" in page
    assert (
        "Mes démarches en ligne (CAF, impôts, ANTS…), Ma santé en ligne (Ameli, Doctolib…)" in page
    )
    assert f"http://testserver{url}" in page
    assert "Imprimer" in page
    assert reverse("public:cancel", args=[booked]) in page


def test_confirmation_message_after_booking(client, booked):
    url = reverse("public:appointment", args=[booked])
    assert "Votre rendez-vous est confirmé" in html(client.get(url, {"confirme": "1"}))
    assert "Votre rendez-vous est confirmé" not in html(client.get(url))


def test_cancel_asks_first_then_frees_the_slot(client, permanence, booked):
    commune_url = reverse("public:commune", args=["estaires"])
    slot_link = book_url(permanence)
    assert slot_link not in html(client.get(commune_url))

    cancel_url = reverse("public:cancel", args=[booked])
    response = client.get(cancel_url)
    assert response.status_code == 200
    assert "Annuler votre rendez-vous ?" in html(response)
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED

    response = client.post(cancel_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("public:appointment", args=[booked])
    assert Appointment.objects.get().status == AppointmentStatus.EXCUSED

    page = html(client.get(response["Location"]))
    assert "Votre rendez-vous est annulé" in page
    assert "Prendre un autre rendez-vous" in page
    assert reverse("public:cancel", args=[booked]) not in page

    # The slot is free again, and can be booked by someone else.
    assert slot_link in html(client.get(commune_url))
    assert client.get(slot_link).status_code == 200


def test_cancelling_twice_changes_nothing(client, booked):
    cancel_url = reverse("public:cancel", args=[booked])
    client.post(cancel_url)
    response = client.post(cancel_url)
    assert response.status_code == 302
    assert Appointment.objects.get().status == AppointmentStatus.EXCUSED


@pytest.mark.parametrize("token", ["inconnu", "x" * 43, "a" * 200])
def test_unknown_token_is_404_and_reveals_nothing(client, booked, token):
    for name in ("public:appointment", "public:cancel"):
        response = client.get(reverse(name, args=[token]))
        assert response.status_code == 404
        page = html(response)
        assert "Ce lien ne mène à aucun rendez-vous" in page
        assert "Estaires" not in page and "Lefebvre" not in page
    assert client.post(reverse("public:cancel", args=[token])).status_code == 404
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


@pytest.fixture
def past_token(permanence):
    token = new_token()
    f.AppointmentFactory(
        permanence=permanence,
        start=dt.datetime(2026, 11, 25, 9, 0, tzinfo=PARIS),
        token_hash=hash_token(token),
    )
    return token


def test_past_appointment_is_shown_without_cancel(client, past_token):
    response = client.get(reverse("public:appointment", args=[past_token]))
    assert response.status_code == 200
    page = html(response)
    assert "Ce rendez-vous est passé." in page
    assert "Mercredi 25 novembre 2026" in page
    assert "Annuler le rendez-vous" not in page

    cancel_url = reverse("public:cancel", args=[past_token])
    assert client.get(cancel_url).status_code == 302
    assert client.post(cancel_url).status_code == 302
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


def test_appointment_cancelled_by_the_service(client, permanence):
    token = new_token()
    f.AppointmentFactory(
        permanence=permanence,
        start=WED_9,
        status=AppointmentStatus.REVOKED,
        token_hash=hash_token(token),
    )
    page = html(client.get(reverse("public:appointment", args=[token])))
    assert "Votre rendez-vous est annulé" in page
    assert "Le service a annulé ce rendez-vous." in page
