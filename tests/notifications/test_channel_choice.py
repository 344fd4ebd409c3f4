"""The person chooses, when booking, whether to be told by SMS and/or by e-mail."""

from __future__ import annotations

import json

import pytest

from cadran.notifications.models import Message
from cadran.scheduling.models import Beneficiary
from tests.public.helpers import book_url, form_data

pytestmark = pytest.mark.usefixtures("frozen_now")


def channels() -> set[str]:
    return set(Message.objects.filter(event__contains="booked").values_list("channel", flat=True))


def test_public_form_offers_both_channels_ticked(client, permanence):
    page = client.get(book_url(permanence)).content.decode()
    assert 'name="notify_sms" id="id_notify_sms" checked' in page
    assert 'name="notify_email" id="id_notify_email" checked' in page


def test_both_channels_ticked_queue_sms_and_email(client, permanence):
    data = form_data(email="jeanne@example.org", notify_sms="on", notify_email="on")
    assert client.post(book_url(permanence), data).status_code == 302
    assert channels() == {"sms", "email"}


def test_unticked_sms_sends_only_the_email(client, permanence):
    data = form_data(email="jeanne@example.org", notify_email="on")
    assert client.post(book_url(permanence), data).status_code == 302
    person = Beneficiary.objects.get()
    assert (person.notify_sms, person.notify_email) == (False, True)
    assert channels() == {"email"}


def test_api_booking_can_refuse_sms(client, permanence):
    from cadran.scheduling.slots import make_slot_id
    from tests.public.helpers import WED_9

    body = {
        "slot": make_slot_id(permanence.pk, WED_9),
        "first_name": "Jeanne",
        "last_name": "Lefebvre",
        "phone": "0612345678",
        "topics": ["sante"],
        "notify_sms": False,
        "consent": True,
    }
    response = client.post(
        "/api/v1/appointments", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert channels() == set()
