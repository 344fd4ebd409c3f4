"""The demo: the eight communes with an agreement each, Estaires as its convention says."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from cadran.agreements.demo import load_demo_agreements
from cadran.agreements.enums import AgreementStatus
from cadran.agreements.models import Agreement
from cadran.scheduling.models import Permanence
from cadran.territory.models import Territory


def test_demo_agreements(frozen_now, db):
    call_command("seed_demo", stdout=io.StringIO())
    territory = Territory.objects.get(slug="ccfl")
    load_demo_agreements(territory)
    agreements = {a.commune.insee_code: a for a in Agreement.objects.with_state_data()}
    assert len(agreements) == 8

    estaires = agreements["59212"]
    state = estaires.state()
    assert (state.status, state.period.number, state.period.start, state.ends_on) == (
        AgreementStatus.IN_FORCE,
        3,
        dt.date(2026, 9, 1),
        dt.date(2027, 8, 31),
    )
    assert estaires.signed_on == dt.date(2024, 7, 25)
    assert estaires.signed_place == "La Gorgue"
    assert estaires.commune_signatory_name == "Bruno FICHEUX"
    assert estaires.territory_signatory_name == "Jacques HURLUS"
    assert sorted((d.body, d.number, d.date) for d in estaires.deliberations.all()) == [
        ("community", "", dt.date(2020, 7, 30)),
        ("community", "", dt.date(2021, 12, 14)),
        ("community", "", dt.date(2023, 4, 4)),
        ("community", "", dt.date(2024, 7, 2)),
        ("municipal", "109/110", dt.date(2024, 9, 12)),
    ]
    assert [r.label for r in estaires.referents.filter(party="commune")] == [
        "Isabelle DEBRAY, Responsable de la Bibliothèque",
        "Noémie POMARD et Carine LOMBART du C.C.A.S",
    ]
    assert [u.get_full_name() for u in estaires.advisers.all()] == ["David Thibaut"]
    assert estaires.permanence.get_weekday_display() == "mercredi"
    assert Permanence.objects.get(commune__insee_code="59212").valid_until == dt.date(2027, 8, 31)

    assert agreements["62736"].state().period.number == 2  # Sailly joined in January 2025
    assert agreements["62338"].state().status == AgreementStatus.NOTICE_GIVEN  # Fleurbaix
    assert Permanence.objects.get(commune__insee_code="62338").valid_until == dt.date(2027, 2, 2)
    others = [a for insee, a in agreements.items() if insee not in ("59212", "62736", "62338")]
    assert all(a.state().label == "En vigueur (année 3 sur 3)" for a in others)

    # Running it again changes nothing.
    assert load_demo_agreements(territory) == []
    assert Agreement.objects.count() == 8
