"""Factories for the equipment app, with traits (``LoanFactory(approved=True)``)."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from cadran.core.clock import PARIS
from cadran.equipment.enums import EquipmentKind, LoanStatus, ReturnCondition
from cadran.equipment.models import Equipment, Loan
from tests.factories import CommuneFactory, TerritoryFactory

# Wednesday 2 December 2026: the next Estaires permanence after the tests' "now".
LOAN_START = dt.date(2026, 12, 2)
AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=PARIS)


class EquipmentFactory(DjangoModelFactory):
    class Meta:
        model = Equipment

    territory = factory.SubFactory(TerritoryFactory)
    identifier = factory.Sequence(lambda n: f"MAT-{n:03d}")
    kind = EquipmentKind.LAPTOP_KIT
    name = factory.Sequence(lambda n: f"Valise d'ordinateurs {n}")

    class Params:
        printer = factory.Trait(
            kind=EquipmentKind.PRINTER_3D, name=factory.Sequence(lambda n: f"Imprimante 3D {n}")
        )


class LoanFactory(DjangoModelFactory):
    """Rows written directly (no service, no message): for the reads and the sweeps."""

    class Meta:
        model = Loan

    equipment = factory.SubFactory(EquipmentFactory)
    commune = factory.SubFactory(
        CommuneFactory, territory=factory.SelfAttribute("..equipment.territory")
    )
    start_date = LOAN_START
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=2))
    status = LoanStatus.REQUESTED
    storage_place = "Réserve fermée à clé"
    storage_committed = True
    requested_at = AT

    class Params:
        approved = factory.Trait(status=LoanStatus.APPROVED, approved_at=AT)
        collected = factory.Trait(status=LoanStatus.COLLECTED, approved_at=AT, collected_at=AT)
        returned = factory.Trait(
            status=LoanStatus.RETURNED,
            approved_at=AT,
            collected_at=AT,
            returned_at=AT,
            return_condition=ReturnCondition.GOOD,
        )
        cancelled = factory.Trait(status=LoanStatus.CANCELLED, cancelled_at=AT)
