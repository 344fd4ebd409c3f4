"""Every write about equipment and its loans (convention, art. 4).

One keyword-only function per business action; each is atomic, writes the audit log and
queues its e-mails in the same transaction. A refusal raises ``ValidationError`` with a
French message shown as is.

- Loans: ``request_loan``, ``approve_loan``, ``collect_loan``, ``return_loan``,
  ``cancel_loan``; for the worker ``cancel_uncollected_loan`` and ``flag_late_loan``.
- Equipment: ``set_equipment_status``.

Overlaps. Two loans of one item that are not cancelled never share a day. Every service
that creates a loan first locks the item's row (``SELECT … FOR UPDATE`` on PostgreSQL;
on SQLite the IMMEDIATE transaction holds the database's write lock from ``BEGIN``), then
looks for an overlapping loan, then writes: concurrent requests queue and the second one
sees the first. On PostgreSQL an exclusion constraint holds the rule as well, so even a
write that bypasses this module cannot break it (docs/decisions/0007).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import audit, clock
from cadran.core.clock import PARIS
from cadran.territory.models import Commune, Library

from . import notifications
from .enums import (
    REPAIR_CONDITIONS,
    STORED_EQUIPMENT_STATUSES,
    UNLENDABLE_STATUSES,
    WAITING_LOAN_STATUSES,
    EquipmentStatus,
    LoanStatus,
    ReturnCondition,
)
from .models import Equipment, Loan

FORBIDDEN = "Vous n'avez pas le droit de faire cette action."
# A loan lasts at most this many days (both ends included).
MAX_LOAN_DAYS = 31
JUST_TAKEN = "Ce matériel vient d'être réservé sur ces dates. Choisissez-en d'autres."


# --- Helpers ---------------------------------------------------------------------------------


def pickup_days() -> int:
    return settings.CADRAN_LOAN_PICKUP_DAYS


def pickup_deadline(loan: Loan) -> dt.date:
    """The last day the item may be collected; the worker cancels the loan the day after."""
    return loan.start_date + dt.timedelta(days=pickup_days())


def _authenticated(by) -> bool:
    return by is not None and by.is_authenticated and by.is_active


def manages(by, territory_id: int) -> bool:
    """The Service Culture or the coordination of the territory (or a superuser)."""
    if not _authenticated(by):
        return False
    return by.is_superuser or (by.role in TERRITORY_ROLES and by.territory_id == territory_id)


def speaks_for(by, *, commune: Commune, library: Library | None) -> bool:
    """A referent of the commune, or a librarian of the library."""
    if not _authenticated(by):
        return False
    if by.role == Role.COMMUNE_REFERENT:
        return by.communes.filter(pk=commune.pk).exists()
    if by.role == Role.LIBRARIAN:
        return library is not None and by.library_id == library.pk
    return False


def may_request(by, *, commune: Commune, library: Library | None) -> bool:
    return manages(by, commune.territory_id) or speaks_for(by, commune=commune, library=library)


def _require(allowed: bool) -> None:
    if not allowed:
        raise ValidationError(FORBIDDEN, code="forbidden")


def _lock_equipment(equipment: Equipment) -> Equipment:
    return Equipment.objects.select_for_update().select_related("territory").get(pk=equipment.pk)


def _lock_loan(loan: Loan) -> Loan:
    """The loan and its item, locked in that order (every service locks in this order)."""
    locked = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("commune", "library", "requested_by")
        .get(pk=loan.pk)
    )
    locked.equipment = _lock_equipment(Equipment(pk=locked.equipment_id))
    return locked


def _today(now: dt.datetime | None = None) -> dt.date:
    return now.astimezone(PARIS).date() if now is not None else clock.today()


def _overlap_message(other: Loan) -> str:
    return (
        f"Ce matériel est déjà réservé {other.period_label} ({other.borrower_label}). "
        "Choisissez d'autres dates ou un autre matériel."
    )


def _record(loan: Loan, *, by, action: str, description: str) -> None:
    audit.record(
        actor=by,
        obj=loan,
        action=action,
        description=description,
        territory_id=loan.equipment.territory_id,
    )


# --- Loans -----------------------------------------------------------------------------------


@transaction.atomic
def request_loan(
    *,
    equipment: Equipment,
    start_date: dt.date,
    end_date: dt.date,
    by,
    commune: Commune | None = None,
    library: Library | None = None,
    storage_place: str = "",
    storage_committed: bool = False,
    purpose: str = "",
) -> Loan:
    """Ask to borrow an item for a period (both days included).

    The borrower is a commune, or one of its libraries (``commune`` may then be left out).
    The Service Culture and the coordination ask for anyone of their territory, a referent
    for their commune, a librarian for their library. A 3D printer needs a secure storage
    place named and guaranteed for the whole period (convention, art. 4).
    """
    if library is not None:
        if commune is None:
            commune = library.commune
        elif library.commune_id != commune.pk:
            raise ValidationError({"library": ["Cette médiathèque n'est pas dans cette commune."]})
    if commune is None:
        raise ValidationError({"commune": ["Choisissez la commune qui emprunte."]})
    _require(may_request(by, commune=commune, library=library))
    equipment = _lock_equipment(equipment)
    if commune.territory_id != equipment.territory_id:
        raise ValidationError(
            {"equipment": ["Ce matériel n'appartient pas au territoire de cette commune."]}
        )
    storage_place = storage_place.strip()
    errors: dict[str, list[str]] = {}
    if equipment.status in UNLENDABLE_STATUSES:
        errors["equipment"] = [
            f"Ce matériel n'est plus prêté ({EquipmentStatus(equipment.status).label.lower()})."
        ]
    if start_date < clock.today():
        errors["start_date"] = ["Le prêt ne peut pas commencer dans le passé."]
    if end_date < start_date:
        errors["end_date"] = ["Le dernier jour doit être le même jour ou après le premier."]
    elif (end_date - start_date).days + 1 > MAX_LOAN_DAYS:
        errors["end_date"] = [f"Un prêt dure au plus {MAX_LOAN_DAYS} jours."]
    if equipment.is_printer:
        if not storage_place:
            errors["storage_place"] = [
                "Pour une imprimante 3D, indiquez le lieu fermé où elle sera rangée "
                "(convention, article 4)."
            ]
        if not storage_committed:
            errors["storage_committed"] = [
                "Pour une imprimante 3D, la commune doit garantir ce stockage sécurisé "
                "pendant toute la durée du prêt."
            ]
    if errors:
        raise ValidationError(errors)
    other = (
        Loan.objects.filter(equipment=equipment)
        .holding()
        .overlapping(start_date, end_date)
        .select_related("commune", "library")
        .order_by("start_date")
        .first()
    )
    if other is not None:
        raise ValidationError(
            {"start_date": ValidationError(_overlap_message(other), code="overlap")}
        )
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                equipment=equipment,
                commune=commune,
                library=library,
                start_date=start_date,
                end_date=end_date,
                purpose=purpose.strip(),
                storage_place=storage_place,
                storage_committed=storage_committed,
                requested_by=by,
                requested_at=clock.now(),
            )
    except IntegrityError as exc:  # the PostgreSQL exclusion constraint, as a last guard
        raise ValidationError({"start_date": ValidationError(JUST_TAKEN, code="overlap")}) from exc
    _record(
        loan,
        by=by,
        action="loan.requested",
        description=f"Prêt demandé : {equipment} pour {loan.borrower_label}, {loan.period_label}."
        + (f" Stockage sécurisé : {storage_place}." if equipment.is_printer else ""),
    )
    notifications.notify_loan_requested(loan, by=by)
    return loan


@transaction.atomic
def approve_loan(*, loan: Loan, by) -> Loan:
    loan = _lock_loan(loan)
    _require(manages(by, loan.equipment.territory_id))
    if loan.status != LoanStatus.REQUESTED:
        raise ValidationError(
            f"Ce prêt n'attend pas de validation (il est « {loan.get_status_display().lower()} »).",
            code="state",
        )
    if loan.equipment.status in UNLENDABLE_STATUSES:
        raise ValidationError(
            f"Ce matériel n'est plus prêté ({loan.equipment.get_status_display().lower()}).",
            code="unlendable",
        )
    if clock.today() > pickup_deadline(loan):
        raise ValidationError(
            "La date de retrait est dépassée : annulez cette demande ou faites-en une nouvelle.",
            code="too_late",
        )
    loan.status = LoanStatus.APPROVED
    loan.approved_by = by
    loan.approved_at = clock.now()
    loan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    _record(loan, by=by, action="loan.approved", description=f"Prêt accepté : {loan}.")
    notifications.notify_loan_approved(loan, by=by)
    return loan


@transaction.atomic
def collect_loan(*, loan: Loan, by) -> Loan:
    """The borrower takes the item away (« retiré »)."""
    loan = _lock_loan(loan)
    equipment = loan.equipment
    _require(manages(by, equipment.territory_id))
    today = clock.today()
    if loan.status == LoanStatus.REQUESTED:
        raise ValidationError("Acceptez d'abord la demande.", code="state")
    if loan.status != LoanStatus.APPROVED:
        raise ValidationError(
            f"Ce prêt est « {loan.get_status_display().lower()} » : "
            "le matériel ne peut pas partir.",
            code="state",
        )
    if today < loan.start_date:
        raise ValidationError(
            f"Le prêt commence le {loan.start_date:%d/%m/%Y} : "
            "le matériel ne peut pas partir avant.",
            code="too_early",
        )
    if today > loan.end_date:
        raise ValidationError("La période de ce prêt est finie.", code="too_late")
    if equipment.status != EquipmentStatus.AVAILABLE:
        raise ValidationError(
            f"Ce matériel est « {equipment.get_status_display().lower()} » : "
            "il ne peut pas partir.",
            code="unavailable",
        )
    out = (
        Loan.objects.filter(equipment=equipment, status=LoanStatus.COLLECTED)
        .select_related("commune", "library")
        .first()
    )
    if out is not None:
        raise ValidationError(
            f"Ce matériel n'est pas encore rentré du prêt précédent ({out.borrower_label}).",
            code="still_out",
        )
    loan.status = LoanStatus.COLLECTED
    loan.collected_by = by
    loan.collected_at = clock.now()
    loan.save(update_fields=["status", "collected_by", "collected_at", "updated_at"])
    _record(loan, by=by, action="loan.collected", description=f"Matériel retiré : {loan}.")
    return loan


@transaction.atomic
def return_loan(*, loan: Loan, condition: str, by, notes: str = "") -> Loan:
    """The item is back, in the given condition. Returned early, the loan's period ends
    today (the item may be lent again from tomorrow); damaged or incomplete, the item goes
    « en réparation »."""
    loan = _lock_loan(loan)
    equipment = loan.equipment
    _require(manages(by, equipment.territory_id))
    if loan.status != LoanStatus.COLLECTED:
        raise ValidationError(
            f"Ce prêt est « {loan.get_status_display().lower()} » : il n'y a rien à rendre.",
            code="state",
        )
    notes = notes.strip()
    errors: dict[str, list[str]] = {}
    if condition not in ReturnCondition.values:
        errors["condition"] = ["Choisissez l'état du matériel au retour."]
    elif condition in REPAIR_CONDITIONS and not notes:
        errors["notes"] = ["Dites ce qui est abîmé ou ce qui manque."]
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    today = clock.today()
    planned_end = loan.end_date
    fields = ["status", "returned_by", "returned_at", "return_condition", "return_notes"]
    if today < loan.end_date:
        loan.end_date = max(today, loan.start_date)
        fields.append("end_date")
    loan.status = LoanStatus.RETURNED
    loan.returned_by = by
    loan.returned_at = now
    loan.return_condition = condition
    loan.return_notes = notes
    loan.save(update_fields=[*fields, "updated_at"])
    description = f"Matériel rendu ({ReturnCondition(condition).label.lower()}) : {loan}."
    if loan.end_date != planned_end:
        description += f" Rendu en avance : la fin prévue était le {planned_end:%d/%m/%Y}."
    if planned_end < today:
        description += f" Rendu en retard : il devait l'être le {planned_end:%d/%m/%Y}."
    _record(loan, by=by, action="loan.returned", description=description)
    if condition in REPAIR_CONDITIONS and equipment.status == EquipmentStatus.AVAILABLE:
        equipment.status = EquipmentStatus.IN_REPAIR
        equipment.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=by,
            obj=equipment,
            action="equipment.status",
            description=f"{equipment} passe « en réparation » après le retour : {notes}",
            territory_id=equipment.territory_id,
        )
    return loan


@transaction.atomic
def cancel_loan(*, loan: Loan, by, reason: str) -> Loan:
    """Cancel a loan not yet collected: the service (or coordination) for any loan, the
    commune's referent or the library's librarian for their own. Refusing a request is
    cancelling it, with the reason."""
    loan = _lock_loan(loan)
    by_manager = manages(by, loan.equipment.territory_id)
    _require(by_manager or speaks_for(by, commune=loan.commune, library=loan.library))
    if loan.status == LoanStatus.COLLECTED:
        raise ValidationError("Le matériel est déjà parti : notez son retour plutôt.", code="state")
    if loan.status not in WAITING_LOAN_STATUSES:
        raise ValidationError(
            f"Ce prêt est déjà « {loan.get_status_display().lower()} ».", code="state"
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Dites pourquoi, en quelques mots."]})
    loan.status = LoanStatus.CANCELLED
    loan.cancelled_by = by
    loan.cancelled_at = clock.now()
    loan.cancel_reason = reason
    loan.save(
        update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason", "updated_at"]
    )
    _record(
        loan, by=by, action="loan.cancelled", description=f"Prêt annulé : {loan}. Motif : {reason}"
    )
    notifications.notify_loan_cancelled(loan, by=by, by_manager=by_manager)
    return loan


@transaction.atomic
def cancel_uncollected_loan(*, loan: Loan, now: dt.datetime) -> bool:
    """For the worker: cancel a loan not collected by its pickup deadline and tell the
    borrower. Checked again on the locked row, so it happens once. True if done."""
    loan = _lock_loan(loan)
    if loan.status not in WAITING_LOAN_STATUSES or _today(now) <= pickup_deadline(loan):
        return False
    loan.status = LoanStatus.CANCELLED
    loan.cancelled_by = None
    loan.cancelled_at = now
    loan.cancel_reason = (
        f"Matériel non retiré dans les {pickup_days()} jours après le début du prêt."
    )
    loan.save(
        update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason", "updated_at"]
    )
    _record(
        loan,
        by=None,
        action="loan.auto_cancelled",
        description=f"Prêt annulé automatiquement (matériel non retiré) : {loan}.",
    )
    notifications.notify_loan_auto_cancelled(loan)
    return True


@transaction.atomic
def flag_late_loan(*, loan: Loan, now: dt.datetime) -> bool:
    """For the worker: mark a collected loan past its last day as late and alert the
    service and the borrower, once (``late_flagged_at`` is the mark). True if done."""
    loan = _lock_loan(loan)
    if (
        loan.status != LoanStatus.COLLECTED
        or loan.end_date >= _today(now)
        or loan.late_flagged_at is not None
    ):
        return False
    loan.late_flagged_at = now
    loan.save(update_fields=["late_flagged_at", "updated_at"])
    _record(
        loan,
        by=None,
        action="loan.late",
        description=f"Matériel pas rendu à la date prévue : {loan}.",
    )
    notifications.notify_loan_late(loan)
    return True


# --- Equipment -------------------------------------------------------------------------------


@transaction.atomic
def set_equipment_status(
    *, equipment: Equipment, status: str, by, notes: str | None = None
) -> Equipment:
    """Set what a person decides about an item: available, in repair, lost, retired.
    « Prêté » is never set by hand: it comes from the loans."""
    equipment = _lock_equipment(equipment)
    _require(manages(by, equipment.territory_id))
    if status == EquipmentStatus.ON_LOAN:
        raise ValidationError(
            {"status": ["« Prêté » se met tout seul quand le matériel est retiré."]}
        )
    if status not in STORED_EQUIPMENT_STATUSES:
        raise ValidationError({"status": ["Choisissez un état."]})
    out = Loan.objects.filter(equipment=equipment, status=LoanStatus.COLLECTED).exists()
    if out and status in (EquipmentStatus.IN_REPAIR, EquipmentStatus.RETIRED):
        raise ValidationError(
            {"status": ["Ce matériel est prêté en ce moment : notez d'abord son retour."]}
        )
    before = equipment.get_status_display()
    fields = ["status", "updated_at"]
    equipment.status = status
    if notes is not None:
        equipment.notes = notes.strip()
        fields.append("notes")
    equipment.save(update_fields=fields)
    audit.record(
        actor=by,
        obj=equipment,
        action="equipment.status",
        description=f"{equipment} : « {before} » → « {equipment.get_status_display()} ».",
        territory_id=equipment.territory_id,
    )
    return equipment
