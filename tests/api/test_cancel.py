from __future__ import annotations

import datetime as dt

import pytest

from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token
from cadran.scheduling.enums import AppointmentStatus
from tests import factories as f

from .conftest import post_json

pytestmark = pytest.mark.usefixtures("frozen_now")

URL = "/api/v1/appointments/cancel"
TOKEN = "un-secret-de-lien-prive-assez-long-pour-le-test"


@pytest.fixture
def appointment(permanence):
    return f.AppointmentFactory(
        permanence=permanence,
        start=dt.datetime(2026, 12, 2, 9, tzinfo=PARIS),
        token_hash=hash_token(TOKEN),
    )


def test_cancel(client, appointment):
    response = post_json(client, URL, {"token": TOKEN})
    assert response.status_code == 200
    assert response.json() == {"reference": appointment.reference, "status": "excused"}
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.EXCUSED


@pytest.mark.parametrize("token", ["mauvais-secret", ""])
def test_cancel_unknown_token(client, appointment, token):
    response = post_json(client, URL, {"token": token})
    assert response.status_code == 404
    assert response.json()["detail"] == "Rendez-vous introuvable. Vérifiez l'adresse reçue."
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_cancel_twice_is_a_conflict(client, appointment):
    assert post_json(client, URL, {"token": TOKEN}).status_code == 200
    response = post_json(client, URL, {"token": TOKEN})
    assert response.status_code == 409
    assert response.json()["detail"] == "Ce rendez-vous est déjà annulé ou terminé."


def test_cancel_a_past_appointment_is_a_conflict(client, appointment):
    appointment.start = dt.datetime(2026, 11, 25, 9, tzinfo=PARIS)
    appointment.end = appointment.start + dt.timedelta(hours=1)
    appointment.save()
    response = post_json(client, URL, {"token": TOKEN})
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Ce rendez-vous est déjà passé : il ne peut plus être annulé en ligne."
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "Ce champ est obligatoire."),
        ({"token": "x" * 101}, "Ce texte est trop long : 100 caractères au plus."),
    ],
)
def test_cancel_bad_input(client, appointment, payload, message):
    response = post_json(client, URL, payload)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Certaines informations sont à corriger.",
        "errors": {"token": [message]},
    }
