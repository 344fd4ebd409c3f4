"""Equipment of the territory (3D printers, laptop kits, projectors) and its loans to the
communes and libraries (convention, art. 4).

Rows change only through :mod:`cadran.equipment.services` (audit-logged); the QuerySets
below are the reads, scoped with ``visible_to(user)``.

The status « prêté » is not stored: an item is on loan when one of its loans is collected
and not yet returned (``Equipment.objects.with_state()``). The stored ``status`` holds what
a person decides: available, in repair, lost, retired (docs/decisions/0007).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core.french import de
from cadran.territory.models import Commune

from .constraints import DateRange, PostgresExclusionConstraint
from .enums import (
    BOOKED_LOAN_STATUSES,
    UNLENDABLE_STATUSES,
    WAITING_LOAN_STATUSES,
    EquipmentKind,
    EquipmentStatus,
    LoanStatus,
    ReturnCondition,
)

# --- Equipment -------------------------------------------------------------------------------


class EquipmentQuerySet(models.QuerySet["Equipment"]):
    def visible_to(self, user) -> EquipmentQuerySet:
        """Every member of staff sees the equipment of their territory (to plan with it)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if not user.territory_id:
            return self.none()
        return self.filter(territory_id=user.territory_id)

    def lendable(self) -> EquipmentQuerySet:
        return self.exclude(status__in=UNLENDABLE_STATUSES)

    def printers(self) -> EquipmentQuerySet:
        return self.filter(kind=EquipmentKind.PRINTER_3D)

    def with_state(self, today: dt.date) -> EquipmentQuerySet:
        """``current_loan_id``, ``current_borrower`` and ``current_until`` (the collected
        loan, if any) and ``next_start`` (the next loan not yet collected): one query."""
        current = Loan.objects.filter(equipment=OuterRef("pk"), status=LoanStatus.COLLECTED)
        upcoming = Loan.objects.filter(
            equipment=OuterRef("pk"), status__in=WAITING_LOAN_STATUSES, end_date__gte=today
        ).order_by("start_date")
        return self.annotate(
            current_loan_id=Subquery(current.values("pk")[:1]),
            current_borrower=Subquery(
                current.annotate(label=Coalesce("library__name", "commune__name")).values("label")[
                    :1
                ]
            ),
            current_until=Subquery(current.values("end_date")[:1]),
            next_start=Subquery(upcoming.values("start_date")[:1]),
            next_borrower=Subquery(
                upcoming.annotate(label=Coalesce("library__name", "commune__name")).values("label")[
                    :1
                ]
            ),
        )


class Equipment(models.Model):
    """An item the territory lends: a 3D printer first, also laptop kits, projectors."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="equipment",
    )
    identifier = models.CharField(
        "numéro d'inventaire",
        max_length=40,
        help_text="Le numéro collé sur le matériel (unique sur le territoire).",
    )
    kind = models.CharField("type", max_length=20, choices=EquipmentKind.choices)
    name = models.CharField("nom", max_length=200)
    status = models.CharField(
        "état",
        max_length=20,
        choices=EquipmentStatus.choices,
        default=EquipmentStatus.AVAILABLE,
        help_text="« Prêté » se déduit des prêts : on ne le choisit pas.",
    )
    notes = models.TextField("remarques", blank=True)
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = EquipmentQuerySet.as_manager()

    class Meta:
        verbose_name = "matériel"
        verbose_name_plural = "matériel"
        ordering = ["kind", "name", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "identifier"],
                name="equipment_unique_identifier",
                violation_error_message="Ce numéro d'inventaire existe déjà sur le territoire.",
            ),
            models.CheckConstraint(
                condition=~Q(status=EquipmentStatus.ON_LOAN),
                name="equipment_on_loan_is_derived",
                violation_error_message="« Prêté » se déduit des prêts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    @property
    def is_printer(self) -> bool:
        return self.kind == EquipmentKind.PRINTER_3D

    @property
    def display_status(self) -> str:
        """The status to show: « prêté » when a loan is collected (needs ``with_state``
        or asks the database), unless lost or set aside."""
        if self.status != EquipmentStatus.AVAILABLE:
            return self.status
        if hasattr(self, "current_loan_id"):
            on_loan = self.current_loan_id is not None
        else:
            on_loan = self.loans.filter(status=LoanStatus.COLLECTED).exists()
        return EquipmentStatus.ON_LOAN if on_loan else EquipmentStatus.AVAILABLE

    @property
    def display_status_label(self) -> str:
        return EquipmentStatus(self.display_status).label


# --- Loans -----------------------------------------------------------------------------------


class LoanQuerySet(models.QuerySet["Loan"]):
    def visible_to(self, user) -> LoanQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(equipment__territory_id=user.territory_id)
        if user.role == Role.LIBRARIAN:
            # The loans of their library's commune (their library's and the commune's).
            if not user.library_id:
                return self.none()
            return self.filter(commune__libraries=user.library_id)
        if user.role in (Role.ADVISER, Role.COMMUNE_REFERENT):
            return self.filter(commune__in=Commune.objects.visible_to(user))
        return self.none()

    def for_commune(self, commune: Commune) -> LoanQuerySet:
        return self.filter(commune=commune)

    def holding(self) -> LoanQuerySet:
        """Loans that hold their period on the item's calendar (all but cancelled)."""
        return self.exclude(status=LoanStatus.CANCELLED)

    def waiting(self) -> LoanQuerySet:
        return self.filter(status__in=WAITING_LOAN_STATUSES)

    def booked(self) -> LoanQuerySet:
        return self.filter(status__in=BOOKED_LOAN_STATUSES)

    def overlapping(self, start: dt.date, end: dt.date) -> LoanQuerySet:
        """Loans sharing at least one day with ``start``–``end`` (both included)."""
        return self.filter(start_date__lte=end, end_date__gte=start)

    def late(self, today: dt.date) -> LoanQuerySet:
        """Collected and not back after the last day of the period."""
        return self.filter(status=LoanStatus.COLLECTED, end_date__lt=today)

    def not_collected_in_time(self, today: dt.date, days: int) -> LoanQuerySet:
        """Not collected ``days`` full days after the start: cancelled by the worker."""
        return self.waiting().filter(start_date__lt=today - dt.timedelta(days=days))

    def with_related(self) -> LoanQuerySet:
        return self.select_related("equipment", "commune", "library", "requested_by", "approved_by")


class Loan(models.Model):
    """An item lent to a commune (or one of its libraries) for a period of days.

    ``commune`` is always the borrowing commune, also when a library borrows (then it is
    the library's commune), so a commune's loan history is one filter.
    """

    equipment = models.ForeignKey(
        Equipment, verbose_name="matériel", on_delete=models.PROTECT, related_name="loans"
    )
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        related_name="equipment_loans",
    )
    library = models.ForeignKey(
        "territory.Library",
        verbose_name="médiathèque",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="equipment_loans",
    )
    start_date = models.DateField("du")
    end_date = models.DateField("au (inclus)")
    status = models.CharField(
        "état", max_length=12, choices=LoanStatus.choices, default=LoanStatus.REQUESTED
    )
    purpose = models.TextField("pour quoi faire", blank=True)
    storage_place = models.CharField(
        "lieu de stockage sécurisé",
        max_length=255,
        blank=True,
        help_text="Obligatoire pour une imprimante 3D (convention, article 4).",
    )
    storage_committed = models.BooleanField(
        "stockage sécurisé garanti pendant tout le prêt", default=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="equipment_loan_requests",
    )
    requested_at = models.DateTimeField("demandé le")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="accepté par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField("accepté le", null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="remis par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    collected_at = models.DateTimeField("retiré le", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="retour noté par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField("rendu le", null=True, blank=True)
    return_condition = models.CharField(
        "état au retour", max_length=12, choices=ReturnCondition.choices, blank=True
    )
    return_notes = models.TextField("remarques au retour", blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="annulé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Vide quand le prêt a été annulé automatiquement.",
    )
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancel_reason = models.TextField("motif de l'annulation", blank=True)
    late_flagged_at = models.DateTimeField(
        "retard signalé le",
        null=True,
        blank=True,
        help_text="Le jour où l'alerte de retard est partie (une seule fois).",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = "prêt de matériel"
        verbose_name_plural = "prêts de matériel"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="loan_end_after_start",
                violation_error_message="La fin du prêt doit être après son début.",
            ),
            models.CheckConstraint(
                condition=~Q(status=LoanStatus.RETURNED) | ~Q(return_condition=""),
                name="loan_returned_has_condition",
                violation_error_message="Notez l'état du matériel au retour.",
            ),
            models.CheckConstraint(
                condition=~Q(status=LoanStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="loan_cancelled_has_date",
            ),
            # Never two loans of one item on the same day (PostgreSQL; on SQLite the
            # services check it inside their transaction, see constraints.py).
            PostgresExclusionConstraint(
                name="loan_no_overlap",
                expressions=[
                    (
                        DateRange(
                            "start_date",
                            "end_date",
                            RangeBoundary(inclusive_lower=True, inclusive_upper=True),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                    ("equipment", RangeOperators.EQUAL),
                ],
                condition=~Q(status=LoanStatus.CANCELLED),
                violation_error_message="Ce matériel est déjà réservé sur ces dates.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "start_date"], name="loan_status_start"),
            models.Index(fields=["status", "end_date"], name="loan_status_end"),
            models.Index(fields=["equipment", "start_date"], name="loan_equipment_start"),
            models.Index(fields=["commune", "start_date"], name="loan_commune_start"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.equipment} — {self.borrower_label}, "
            f"du {self.start_date:%d/%m/%Y} au {self.end_date:%d/%m/%Y}"
        )

    @property
    def borrower_label(self) -> str:
        if self.library is not None:
            return f"{self.library.name} ({self.commune.name})"
        return f"Commune {de(self.commune)}"

    @property
    def period_label(self) -> str:
        if self.start_date == self.end_date:
            return f"le {self.start_date:%d/%m/%Y}"
        return f"du {self.start_date:%d/%m/%Y} au {self.end_date:%d/%m/%Y}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def is_late(self, today: dt.date) -> bool:
        return self.status == LoanStatus.COLLECTED and self.end_date < today
