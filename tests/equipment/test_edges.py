"""Equipment loans at their edges: the shipped pickup delay (not the value the conftest sets)
at the exact day it ends, and a librarian's scope of loans."""

from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError

import config.settings
from cadran.core.clock import PARIS
from cadran.equipment import services, sweepers
from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Loan
from tests import factories as f

from .factories import LOAN_START, EquipmentFactory, LoanFactory

pytestmark = pytest.mark.django_db

MICROSECOND = dt.timedelta(microseconds=1)


@pytest.fixture
def shipped_pickup_days(settings, monkeypatch):
    """The delay the project ships (``config/settings.py`` read again without the
    environment variable), put back in place of the one tests/equipment/conftest.py sets."""
    monkeypatch.delenv("CADRAN_LOAN_PICKUP_DAYS", raising=False)
    shipped = runpy.run_path(str(Path(config.settings.__file__)))["CADRAN_LOAN_PICKUP_DAYS"]
    settings.CADRAN_LOAN_PICKUP_DAYS = shipped
    return shipped


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)


# --- 1. The shipped pickup delay: 3 days ----------------------------------------------------


def test_the_shipped_pickup_delay_is_3_days_then_the_loan_is_cancelled(
    shipped_pickup_days, territory, estaires, printer
):
    loan = LoanFactory(equipment=printer, commune=estaires, approved=True)
    last_instant = midnight(LOAN_START + dt.timedelta(days=4)) - MICROSECOND  # day 3, 23:59:59.…
    with time_machine.travel(last_instant, tick=False):
        assert not sweepers.uncollected_loans(last_instant).exists()  # not even picked up
        assert sweepers.sweep_loans(last_instant) == 0
        assert not services.cancel_uncollected_loan(loan=loan, now=last_instant)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
    day_after = midnight(LOAN_START + dt.timedelta(days=4))
    with time_machine.travel(day_after, tick=False):
        assert sweepers.sweep_loans(day_after) == 1
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CANCELLED
    assert f"non retiré dans les {shipped_pickup_days} jours" in loan.cancel_reason
    assert shipped_pickup_days == 3


def test_a_request_may_be_approved_on_the_last_pickup_day_not_the_day_after(
    shipped_pickup_days, territory, estaires, printer, culture_user
):
    last_day = LoanFactory(equipment=printer, commune=estaires)
    with time_machine.travel(midnight(LOAN_START + dt.timedelta(days=3)) + dt.timedelta(hours=23)):
        assert services.approve_loan(loan=last_day, by=culture_user).status == LoanStatus.APPROVED
    too_late = LoanFactory(equipment=EquipmentFactory(territory=territory), commune=estaires)
    with (
        time_machine.travel(midnight(LOAN_START + dt.timedelta(days=4)), tick=False),
        pytest.raises(ValidationError) as exc,
    ):
        services.approve_loan(loan=too_late, by=culture_user)
    assert exc.value.code == "too_late"


# --- 5. A librarian sees the loans of their library (and its commune), no other -------------


def test_a_librarian_sees_only_the_loans_of_their_library_and_its_commune(
    territory, estaires, merville, librarian, printer
):
    laptops = EquipmentFactory(territory=territory)
    own = LoanFactory(equipment=printer, commune=estaires, library=librarian.library)
    commune_s = LoanFactory(
        equipment=laptops, commune=estaires, start_date=LOAN_START + dt.timedelta(days=10)
    )
    merville_library = f.LibraryFactory(commune=merville, name="Médiathèque de Merville")
    LoanFactory(
        equipment=printer,
        commune=merville,
        library=merville_library,
        start_date=LOAN_START + dt.timedelta(days=20),
    )
    LoanFactory(equipment=laptops, commune=merville, start_date=LOAN_START + dt.timedelta(days=30))
    elsewhere = f.TerritoryFactory(slug="ailleurs", name="Ailleurs", short_name="AIL")
    LoanFactory(equipment=EquipmentFactory(territory=elsewhere))
    assert set(Loan.objects.visible_to(librarian).values_list("pk", flat=True)) == {
        own.pk,
        commune_s.pk,
    }
    colleague = f.UserFactory(librarian=True, territory=territory, library=merville_library)
    assert own.pk not in set(Loan.objects.visible_to(colleague).values_list("pk", flat=True))
    without_library = f.UserFactory(librarian=True, territory=territory)
    assert not Loan.objects.visible_to(without_library).exists()
