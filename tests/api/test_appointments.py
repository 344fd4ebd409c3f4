from __future__ import annotations

import datetime as dt

import pytest

from cadran.api.errors import EMAIL_FORMAT
from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import Appointment, Beneficiary
from cadran.scheduling.slots import make_slot_id
from tests import factories as f

from .conftest import counts, post_json

pytestmark = pytest.mark.usefixtures("frozen_now")

URL = "/api/v1/appointments"
CANCEL_URL = "/api/v1/appointments/cancel"
SLOTS_URL = "/api/v1/communes/59212/slots?from=2026-12-02&to=2026-12-02"
INVALID = "Certaines informations sont à corriger."
TAKEN = "Ce créneau vient d'être réservé. Choisissez-en un autre."


def slot_ids(client) -> list[str]:
    return [slot["id"] for slot in client.get(SLOTS_URL).json()]


def test_booking_returns_the_appointment_and_its_private_link(client, booking_data, slot_id):
    response = post_json(client, URL, booking_data)

    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get()
    assert body["reference"] == appointment.reference
    assert body["start"] == "2026-12-02T09:00:00+01:00"
    assert body["end"] == "2026-12-02T10:00:00+01:00"
    assert body["venue"] == {"name": "Mairie de Estaires", "address": "Place du Général de Gaulle"}
    prefix = "http://testserver/rendez-vous/"
    assert body["manage_url"].startswith(prefix) and body["manage_url"].endswith("/")
    token = body["manage_url"][len(prefix) : -1]
    assert hash_token(token) == appointment.token_hash
    assert appointment.channel == Channel.ONLINE
    assert appointment.created_by is None
    assert appointment.status == AppointmentStatus.BOOKED
    assert sorted(appointment.topics.values_list("thematique", flat=True)) == [
        "aide_aux_demarches_administratives",
        "sante",
    ]
    person = appointment.beneficiary
    assert (person.first_name, person.last_name, person.phone) == (
        "Josiane",
        "Vandewalle",
        "0612345678",
    )
    assert person.residence_insee == "59212"


def test_booked_slot_leaves_the_list_and_cancelling_frees_it(client, booking_data, slot_id):
    assert slot_id in slot_ids(client)
    booked = post_json(client, URL, booking_data).json()
    assert slot_id not in slot_ids(client)
    assert len(slot_ids(client)) == 2

    token = booked["manage_url"].rstrip("/").rsplit("/", 1)[1]
    response = post_json(client, CANCEL_URL, {"token": token})
    assert response.status_code == 200
    assert response.json() == {"reference": booked["reference"], "status": "excused"}
    assert Appointment.objects.get().status == AppointmentStatus.EXCUSED
    assert slot_id in slot_ids(client)
    # The freed slot can be booked again.
    assert post_json(client, URL, booking_data).status_code == 201


def test_booking_with_an_email_only(client, booking_data):
    booking_data.pop("phone")
    booking_data.update(email="Josiane.V@Example.org", commune_insee=None)
    assert post_json(client, URL, booking_data).status_code == 201
    person = Beneficiary.objects.get()
    assert (person.email, person.phone, person.residence_insee) == ("josiane.v@example.org", "", "")


def test_email_with_spaces_around_is_refused_as_the_schema_says(client, booking_data):
    # The schema says « format: email »: the server does not trim it silently (issue 15).
    booking_data.update(email=" josiane@example.org ")
    response = post_json(client, URL, booking_data)
    assert response.status_code == 422
    assert response.json()["errors"] == {"email": [EMAIL_FORMAT]}


def test_taken_slot_is_a_conflict(client, booking_data, permanence):
    f.AppointmentFactory(permanence=permanence, start=dt.datetime(2026, 12, 2, 9, tzinfo=PARIS))
    before = counts()
    response = post_json(client, URL, booking_data)
    assert response.status_code == 409
    assert response.json()["detail"] == TAKEN
    assert counts() == before


PAST_SLOT = "past"
UNKNOWN_SLOT = "unknown"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"topics": ["jardinage"]}, "topics", "Motif inconnu : jardinage."),
        ({"topics": []}, "topics", "Choisissez au moins un motif."),
        (
            {"phone": None, "email": ""},
            "phone",
            "Indiquez un numéro de téléphone ou une adresse e-mail, pour vous prévenir en cas "
            "de changement.",
        ),
        (
            {"phone": "06 12"},
            "phone",
            "Ce numéro de téléphone ne semble pas complet : il faut 10 chiffres.",
        ),
        (
            {"email": "josiane-at-example"},
            "email",
            "Cette adresse e-mail n'est pas valide (ex. prenom.nom@exemple.fr).",
        ),
        ({"slot": PAST_SLOT}, "slot", "Ce créneau n'est plus disponible. Choisissez-en un autre."),
        ({"slot": UNKNOWN_SLOT}, "slot", "Ce créneau n'existe pas."),
        ({"slot": "demain matin"}, "slot", "Ce créneau n'existe pas."),
        (
            {"consent": None},
            "consent",
            "Pour prendre rendez-vous, la personne doit accepter que ses coordonnées servent à "
            "la prévenir (consent doit valoir true).",
        ),
        (
            {"consent": False},
            "consent",
            "Pour prendre rendez-vous, la personne doit accepter que ses coordonnées servent à "
            "la prévenir (consent doit valoir true).",
        ),
        (
            {"consent": "oui"},
            "consent",
            "Pour prendre rendez-vous, la personne doit accepter que ses coordonnées servent à "
            "la prévenir (consent doit valoir true).",
        ),
        (
            {"commune_insee": "5921"},
            "commune_insee",
            "Le code INSEE de la commune compte cinq caractères (ex. 59212).",
        ),
        (
            {"commune_insee": "592120"},
            "commune_insee",
            "Le code INSEE de la commune compte cinq caractères (ex. 59212).",
        ),
        (
            {"first_name": "J" * 101},
            "first_name",
            "Ce texte est trop long : 100 caractères au plus.",
        ),
        ({"last_name": "V" * 101}, "last_name", "Ce texte est trop long : 100 caractères au plus."),
        ({"first_name": "  "}, "first_name", "Indiquez le prénom."),
        (
            {"email": "j" * 243 + "@example.org"},
            "email",
            "Ce texte est trop long : 254 caractères au plus.",
        ),
        ({"phone": "0" * 21}, "phone", "Ce texte est trop long : 20 caractères au plus."),
        ({"last_name": ...}, "last_name", "Ce champ est obligatoire."),
        ({"topics": "sante"}, "topics", "Ce champ doit être une liste."),
        ({"is_admin": True}, "is_admin", "Ce champ n'est pas attendu."),
    ],
)
def test_refused_booking_says_why_in_french_and_leaves_nothing(
    client, booking_data, permanence, change, field, message
):
    for key, value in change.items():
        if value is ...:
            booking_data.pop(key)
        elif value is None:
            booking_data.pop(key, None)
        else:
            booking_data[key] = value
    if booking_data["slot"] == PAST_SLOT:
        booking_data["slot"] = make_slot_id(
            permanence.pk, dt.datetime(2026, 11, 25, 9, tzinfo=PARIS)
        )
    elif booking_data["slot"] == UNKNOWN_SLOT:
        booking_data["slot"] = make_slot_id(
            permanence.pk + 1000, dt.datetime(2026, 12, 2, 9, tzinfo=PARIS)
        )
    before = counts()

    response = post_json(client, URL, booking_data)

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == INVALID
    assert body["errors"][field] == [message]
    assert counts() == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            '{"slot": "1-202612020900", "first_name": ',
            "Le contenu envoyé n'est pas du JSON valide.",
        ),
        ("", "La demande est vide : envoyez les informations en JSON."),
        ("[]", "Le contenu envoyé doit être un objet JSON."),
    ],
)
def test_malformed_body_is_refused_in_french(client, permanence, payload, message):
    before = counts()
    response = post_json(client, URL, payload)
    assert response.status_code == 422
    assert response.json()["errors"] == {"__all__": [message]}
    assert counts() == before


def test_refused_booking_on_a_closed_online_booking(client, booking_data, permanence):
    permanence.online_booking = False
    permanence.save()
    response = post_json(client, URL, booking_data)
    assert response.status_code == 422
    assert response.json()["errors"] == {"slot": ["Ce créneau n'existe pas."]}
    assert counts() == (0, 0)
