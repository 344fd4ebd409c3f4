"""The worker cancels loans not collected in time and flags late returns, once each,
however often the sweep runs; the borrower (and for a late return the service) is told."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cadran.core.clock import PARIS
from cadran.core.sweep import run_sweep
from cadran.equipment import sweepers
from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Loan
from cadran.notifications.models import Message
from tests import factories as f

from .factories import LOAN_START, LoanFactory

pytestmark = pytest.mark.django_db


def paris(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def referent_loan(territory, estaires, printer, culture_user):
    referent = f.UserFactory(referent=True, territory=territory, communes=[estaires])
    return LoanFactory(equipment=printer, commune=estaires, approved=True, requested_by=referent)


def test_the_sweeper_is_registered(settings):
    assert "cadran.equipment.sweepers.sweep_loans" in settings.CADRAN_SWEEPERS


def test_uncollected_loan_is_cancelled_once_after_the_delay(referent_loan):
    loan = referent_loan  # 2–4 Dec; 3 days to collect: until Saturday 5 Dec included
    last_day = paris(LOAN_START + dt.timedelta(days=3), 23, 59)
    with time_machine.travel(last_day, tick=False):
        assert sweepers.sweep_loans(last_day) == 0
    midnight = paris(LOAN_START + dt.timedelta(days=4))
    with time_machine.travel(midnight, tick=False):
        assert sweepers.sweep_loans(midnight) == 1
        assert sweepers.sweep_loans(midnight) == 0  # idempotent
        later = midnight + dt.timedelta(hours=5)
        assert run_sweep(now=later).counts["cadran.equipment.sweepers.sweep_loans"] == 0
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CANCELLED
    assert loan.cancelled_by is None and loan.cancelled_at == midnight
    assert "non retiré dans les 3 jours" in loan.cancel_reason
    sent = Message.objects.filter(event="equipment_loan_auto_cancelled")
    assert list(sent.values_list("recipient", flat=True)) == [loan.requested_by.email]
    assert "n'a pas été retiré dans les 3 jours" in sent.get().body


def test_the_delay_is_a_setting(settings, referent_loan):
    settings.CADRAN_LOAN_PICKUP_DAYS = 0
    day_after = paris(LOAN_START + dt.timedelta(days=1), 8)
    with time_machine.travel(day_after, tick=False):
        assert sweepers.sweep_loans(day_after) == 1


def test_a_request_never_approved_is_cancelled_too(printer):
    loan = LoanFactory(equipment=printer)
    now = paris(LOAN_START + dt.timedelta(days=10))
    with time_machine.travel(now, tick=False):
        assert sweepers.sweep_loans(now) == 1
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.CANCELLED


@pytest.mark.parametrize("trait", ["collected", "returned", "cancelled"])
def test_collected_returned_or_cancelled_loans_are_not_auto_cancelled(printer, trait):
    loan = LoanFactory(
        equipment=printer, end_date=LOAN_START + dt.timedelta(days=30), **{trait: True}
    )
    now = paris(LOAN_START + dt.timedelta(days=10))
    with time_machine.travel(now, tick=False):
        sweepers.cancel_uncollected_loans(now)
    assert Loan.objects.get(pk=loan.pk).status == loan.status


def test_late_return_is_flagged_once_and_alerts_everyone(
    territory, estaires, printer, culture_user, coordinator
):
    referent = f.UserFactory(referent=True, territory=territory, communes=[estaires])
    loan = LoanFactory(equipment=printer, commune=estaires, collected=True, requested_by=referent)
    last_day = paris(loan.end_date, 23, 30)
    with time_machine.travel(last_day, tick=False):
        assert sweepers.sweep_loans(last_day) == 0
    next_day = paris(loan.end_date + dt.timedelta(days=1), 0, 1)
    with time_machine.travel(next_day, tick=False):
        assert sweepers.sweep_loans(next_day) == 1
        assert sweepers.sweep_loans(next_day) == 0
    week_later = next_day + dt.timedelta(days=7)
    with time_machine.travel(week_later, tick=False):
        assert run_sweep(now=week_later).errors == {}
        assert sweepers.sweep_loans(week_later) == 0
    loan.refresh_from_db()
    assert loan.late_flagged_at == next_day
    assert loan.status == LoanStatus.COLLECTED  # still out: flagged, not closed
    recipients = set(
        Message.objects.filter(event="equipment_loan_late").values_list("recipient", flat=True)
    )
    assert recipients == {culture_user.email, coordinator.email, referent.email}
    assert Message.objects.filter(event="equipment_loan_late").count() == 3


def test_library_loan_alerts_the_librarians(librarian, printer):
    loan = LoanFactory(
        equipment=printer,
        commune=librarian.library.commune,
        library=librarian.library,
        approved=True,
    )
    now = paris(LOAN_START + dt.timedelta(days=5))
    with time_machine.travel(now, tick=False):
        sweepers.sweep_loans(now)
    sent = Message.objects.filter(event="equipment_loan_auto_cancelled")
    assert list(sent.values_list("recipient", flat=True)) == [librarian.email]
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.CANCELLED


def test_sweep_query_count_does_not_grow_when_nothing_is_due(printer, django_assert_num_queries):
    now = paris(LOAN_START)
    LoanFactory.create_batch(3, equipment__territory=printer.territory, returned=True)
    with time_machine.travel(now, tick=False), django_assert_num_queries(2):
        sweepers.sweep_loans(now)
