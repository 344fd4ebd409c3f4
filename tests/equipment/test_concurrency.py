"""Ten people ask for the same 3D printer on overlapping dates at the same moment, each
approving at once: exactly one loan exists and is approved; the others are told the
printer is taken. Then ten staff approve the same request at once: one approval.

Real threads, each with its own database connection, released together by a barrier.
On PostgreSQL the item's row is locked (``SELECT … FOR UPDATE``) and the exclusion
constraint backs it; on SQLite the IMMEDIATE transactions take the write lock at
``BEGIN``, so requests queue and the second sees the first.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cadran.equipment import services
from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Equipment, Loan
from cadran.notifications.models import Message
from cadran.territory.models import Commune
from tests import factories as f

from .factories import EquipmentFactory, LoanFactory

THREADS = 10


def run_together(target, count: int):
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            result = target(n)
            with lock:
                results.append(result)
        except BaseException as exc:  # collected and checked below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_printer_exactly_one_approved():
    territory = f.TerritoryFactory(slug="ccfl")
    communes = [f.CommuneFactory(territory=territory) for _ in range(THREADS)]
    culture = f.UserFactory(culture_service=True, territory=territory)
    printer = EquipmentFactory(territory=territory, printer=True)
    start = dt.date.today() + dt.timedelta(days=7)

    def ask_and_approve(n: int) -> int:
        loan = services.request_loan(
            equipment=Equipment(pk=printer.pk),
            commune=Commune.objects.get(pk=communes[n].pk),
            start_date=start + dt.timedelta(days=n % 3),  # all overlap with each other
            end_date=start + dt.timedelta(days=3),
            storage_place="Réserve fermée à clé",
            storage_committed=True,
            by=culture,
        )
        services.approve_loan(loan=loan, by=culture)
        return loan.pk

    results, errors = run_together(ask_and_approve, THREADS)

    assert len(results) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert all(e.error_dict["start_date"][0].code == "overlap" for e in errors)
    loans = Loan.objects.filter(equipment=printer)
    assert loans.count() == 1
    assert loans.get().status == LoanStatus.APPROVED
    assert loans.get().pk == results[0]


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_one_request_approve_once():
    territory = f.TerritoryFactory(slug="ccfl")
    staff = [f.UserFactory(culture_service=True, territory=territory) for _ in range(THREADS)]
    referent = f.UserFactory(referent=True, territory=territory)
    loan = LoanFactory(
        equipment=EquipmentFactory(territory=territory, printer=True),
        start_date=dt.date.today() + dt.timedelta(days=7),
        requested_by=referent,
    )
    referent.communes.set([loan.commune])

    def approve(n: int):
        return services.approve_loan(loan=Loan(pk=loan.pk), by=staff[n]).approved_by_id

    results, errors = run_together(approve, THREADS)

    assert len(results) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, ValidationError) and e.code == "state" for e in errors), errors
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED and loan.approved_by_id == results[0]
    # The borrower is told once.
    assert Message.objects.filter(event="equipment_loan_approved").count() == 1
