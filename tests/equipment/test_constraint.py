"""The database itself refuses two non-cancelled loans of one item on the same day
(PostgreSQL's exclusion constraint); on SQLite the migration is the same and adds nothing,
and the services check the rule (tests in test_services.py and test_concurrency.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Loan

from .factories import LOAN_START, EquipmentFactory, LoanFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's"
)


def constraint_names() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, Loan._meta.db_table))


@pytest.mark.django_db
def test_constraint_exists_on_postgresql_only():
    if connection.vendor == "postgresql":
        assert "loan_no_overlap" in constraint_names()
    else:
        assert "loan_no_overlap" not in constraint_names()
    assert "loan_end_after_start" in constraint_names()


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("trait", [{}, {"approved": True}, {"collected": True}, {"returned": True}])
def test_database_refuses_an_overlapping_loan(trait):
    first = LoanFactory(**trait)
    with pytest.raises(IntegrityError, match="loan_no_overlap"), transaction.atomic():
        LoanFactory(
            equipment=first.equipment,
            commune=first.commune,
            start_date=first.end_date,
            end_date=first.end_date + dt.timedelta(days=5),
        )


@postgres_only
@pytest.mark.django_db
def test_database_refuses_moving_a_loan_onto_another():
    first = LoanFactory()
    second = LoanFactory(
        equipment=first.equipment,
        commune=first.commune,
        start_date=first.end_date + dt.timedelta(days=1),
        end_date=first.end_date + dt.timedelta(days=3),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=second.pk).update(start_date=first.end_date)


@postgres_only
@pytest.mark.django_db
def test_database_accepts_cancelled_adjacent_and_other_items():
    first = LoanFactory()
    LoanFactory(equipment=first.equipment, commune=first.commune, cancelled=True)
    LoanFactory(
        equipment=first.equipment,
        commune=first.commune,
        start_date=first.end_date + dt.timedelta(days=1),
        end_date=first.end_date + dt.timedelta(days=1),
    )
    LoanFactory(
        equipment=EquipmentFactory(territory=first.equipment.territory), commune=first.commune
    )
    # Un-cancelling onto a held period is refused.
    cancelled = Loan.objects.get(status=LoanStatus.CANCELLED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=cancelled.pk).update(status=LoanStatus.REQUESTED)


@pytest.mark.django_db
def test_end_before_start_is_refused_by_the_database():
    item = EquipmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanFactory(
            equipment=item, start_date=LOAN_START, end_date=LOAN_START - dt.timedelta(days=1)
        )


@pytest.mark.django_db
def test_on_loan_is_never_stored():
    item = EquipmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(item).objects.filter(pk=item.pk).update(status="on_loan")


@pytest.mark.django_db
def test_model_validation_reports_the_overlap_on_postgresql():
    """``full_clean`` (the admin) checks the exclusion constraint on PostgreSQL and skips
    it on SQLite, where it does not exist."""
    from django.core.exceptions import ValidationError

    first = LoanFactory()
    clash = Loan(
        equipment=first.equipment,
        commune=first.commune,
        start_date=first.start_date,
        end_date=first.end_date,
        requested_at=first.requested_at,
    )
    if connection.vendor == "postgresql":
        with pytest.raises(ValidationError, match="déjà réservé"):
            clash.full_clean()
    else:
        clash.full_clean()
