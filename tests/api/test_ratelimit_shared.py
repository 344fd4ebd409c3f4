"""One per-slot limit for the HTML booking form and the API together (issue 15).

``CADRAN_RATELIMIT_PER_TARGET`` (10) attempts a minute on one slot, whichever way they come:
the form and ``POST /api/v1/appointments`` count in one bucket keyed by the slot.
"""

from __future__ import annotations

import json

import pytest
import time_machine

from cadran.scheduling.slots import make_slot_id
from tests.public.helpers import WED_9, book_url

pytestmark = pytest.mark.django_db

API = "/api/v1/appointments"


@pytest.fixture
def moment():
    """A fixed minute, time frozen (a test must not straddle two windows)."""
    from tests.conftest import NOW

    with time_machine.travel(NOW, tick=False):
        yield NOW


def _form(client, permanence, i: int) -> int:
    # An invalid form: the page comes back with its errors (200), nothing is booked.
    return client.post(
        book_url(permanence, WED_9), {"first_name": ""}, REMOTE_ADDR=f"203.0.113.{i}"
    ).status_code


def _api(client, permanence, i: int, start=WED_9) -> int:
    body = json.dumps({"slot": make_slot_id(permanence.pk, start)})
    return client.post(
        API, body, content_type="application/json", REMOTE_ADDR=f"198.51.100.{i}"
    ).status_code


def test_form_then_api_share_one_limit_per_slot(client, moment, permanence):
    assert [_form(client, permanence, i) for i in range(5)] == [200] * 5
    assert [_api(client, permanence, i) for i in range(5)] == [422] * 5
    # The 11th attempt on this slot, by the API: refused.
    assert _api(client, permanence, 5) == 429
    # Another slot is counted apart.
    assert _api(client, permanence, 6, start=WED_9.replace(hour=10)) == 422


def test_api_then_form_share_one_limit_per_slot(client, moment, permanence):
    assert [_api(client, permanence, i) for i in range(6)] == [422] * 6
    assert [_form(client, permanence, i) for i in range(4)] == [200] * 4
    # The 11th attempt on this slot, by the form: refused.
    assert _form(client, permanence, 4) == 429
    assert _api(client, permanence, 7) == 429
