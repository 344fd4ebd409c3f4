"""« Prendre rendez-vous pour une personne » (issue 15): a staff token on the public POSTs.

No token: the public books online, as before. A token holding ``appointments:book``: the
member of staff books for the person (channel « par téléphone », their name in the audit
log). A token without that right: 403; an unknown token: 401. Never silently public.
"""

from __future__ import annotations

import json

import pytest

from cadran.accounts.services import create_api_token
from cadran.core.models import AuditLog
from cadran.scheduling.enums import Channel
from cadran.scheduling.models import Appointment
from cadran.workshops.models import Registration
from tests.public.workshop_helpers import make_session

from .conftest import counts

pytestmark = pytest.mark.usefixtures("frozen_now")

URL = "/api/v1/appointments"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, data, url: str = URL, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_without_token_the_booking_is_public_and_online(client, booking_data):
    assert post(client, booking_data).status_code == 201
    appointment = Appointment.objects.get()
    assert (appointment.channel, appointment.created_by) == (Channel.ONLINE, None)


def test_token_with_the_right_books_on_behalf(client, booking_data, culture_user):
    _row, clear = create_api_token(user=culture_user, name="Accueil", scopes=["appointments:book"])
    response = post(client, booking_data, **bearer(clear))
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get()
    assert (appointment.channel, appointment.created_by) == (Channel.PHONE, culture_user)
    log = AuditLog.objects.get(action="appointment.booked")
    assert log.actor == culture_user


@pytest.mark.parametrize("scopes", [["activities:read"], ["reports:read", "activities:read"]])
def test_token_without_the_right_is_403_and_books_nothing(
    client, booking_data, culture_user, scopes
):
    _row, clear = create_api_token(user=culture_user, name="Outil", scopes=scopes)
    before = counts()
    response = post(client, booking_data, **bearer(clear))
    assert response.status_code == 403
    assert "Prendre rendez-vous pour une personne" in response.json()["detail"]
    assert counts() == before


def test_unknown_token_is_401_never_public(client, booking_data):
    before = counts()
    response = post(client, booking_data, HTTP_AUTHORIZATION="Bearer nimportequoi")
    assert response.status_code == 401
    assert counts() == before


def test_token_of_a_role_that_does_not_book_is_403(client, booking_data, referent):
    _row, clear = create_api_token(user=referent, name="Outil", scopes=["appointments:book"])
    before = counts()
    response = post(client, booking_data, **bearer(clear))
    assert response.status_code == 403
    assert (
        response.json()["detail"] == "Vous ne pouvez pas gérer les rendez-vous de cette permanence."
    )
    assert counts() == before


def test_workshop_registration_on_behalf(client, territory, estaires, culture_user):
    session = make_session(territory, estaires)
    url = f"/api/v1/sessions/{session.pk}/registrations"
    person = {
        "first_name": "Josiane",
        "last_name": "Vandewalle",
        "phone": "06 12 34 56 78",
        "commune_insee": "59212",
        "consent": True,
    }
    assert post(client, person, url=url).status_code == 201  # public, no token
    _row, reading = create_api_token(user=culture_user, name="Lire", scopes=["reports:read"])
    other = {**person, "first_name": "Paul", "phone": "06 12 34 56 70"}
    assert post(client, other, url=url, **bearer(reading)).status_code == 403
    assert not Registration.objects.filter(first_name="Paul").exists()
    _row, booking = create_api_token(
        user=culture_user, name="Accueil", scopes=["appointments:book"]
    )
    response = post(client, other, url=url, **bearer(booking))
    assert response.status_code == 201, response.content
    assert Registration.objects.get(first_name="Paul").created_by == culture_user
    assert Registration.objects.get(first_name="Josiane").created_by is None
