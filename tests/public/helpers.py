"""Helpers shared by the public pages' tests."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.scheduling.slots import make_slot_id

# The first free slot after the tests' "now" (Friday 27 November 2026, 10:00).
WED_9 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)


def book_url(permanence, start: dt.datetime = WED_9) -> str:
    return reverse(
        "public:book", args=[permanence.commune.slug, make_slot_id(permanence.pk, start)]
    )


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Jeanne",
        "last_name": "Lefebvre",
        "phone": "06 12 34 56 78",
        "email": "",
        "residence": "59212",
        "topics": ["aide_aux_demarches_administratives", "sante"],
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
