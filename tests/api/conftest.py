from __future__ import annotations

import datetime as dt
import json

import pytest

from cadran.core.clock import PARIS
from cadran.scheduling.models import Appointment, Beneficiary
from cadran.scheduling.slots import make_slot_id

# Estaires' next Wednesday permanence after the frozen "now" (Friday 27 Nov 2026).
FIRST_SLOT_START = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)


def post_json(client, path: str, data) -> object:
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(path, data=body, content_type="application/json")


def counts() -> tuple[int, int]:
    return Appointment.objects.count(), Beneficiary.objects.count()


@pytest.fixture
def slot_id(permanence) -> str:
    return make_slot_id(permanence.pk, FIRST_SLOT_START)


@pytest.fixture
def booking_data(slot_id) -> dict:
    return {
        "slot": slot_id,
        "first_name": "Josiane",
        "last_name": "Vandewalle",
        "phone": "06 12 34 56 78",
        "commune_insee": "59212",
        "topics": ["aide_aux_demarches_administratives", "sante"],
        "consent": True,
    }
