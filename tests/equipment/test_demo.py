"""The demo equipment: loaded after the rest of the demo, consistent, loaded once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cadran.core import clock
from cadran.equipment import selectors
from cadran.equipment.demo import load_demo_equipment
from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Equipment, Loan
from cadran.territory.models import Territory


@pytest.mark.django_db
def test_demo_equipment(frozen_now):
    call_command("seed_demo", stdout=io.StringIO())
    territory = Territory.objects.get(slug="ccfl")
    load_demo_equipment(territory)  # a no-op if seed_demo already called it
    assert Equipment.objects.filter(territory=territory).count() == 4
    loans = list(Loan.objects.with_related())
    statuses = {loan.status for loan in loans}
    assert {
        LoanStatus.REQUESTED,
        LoanStatus.APPROVED,
        LoanStatus.COLLECTED,
        LoanStatus.RETURNED,
    } <= statuses
    # No two non-cancelled loans of an item share a day (SQLite has no constraint).
    for a in loans:
        for b in loans:
            if a.pk < b.pk and a.equipment_id == b.equipment_id:
                assert a.end_date < b.start_date or b.end_date < a.start_date
    # Every printer loan names its secure storage.
    assert all(loan.storage_place for loan in loans if loan.equipment.is_printer)
    # The first 3D-printer session has its printer; the second shows in the warning.
    missing = list(selectors.sessions_missing_printer(territory_id=territory.pk, now=clock.now()))
    assert len(missing) == 1
    assert load_demo_equipment(territory) == {"equipment": 0, "loans": 0}
