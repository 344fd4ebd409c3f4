from django.db import models


class EquipmentKind(models.TextChoices):
    PRINTER_3D = "printer_3d", "Imprimante 3D"
    LAPTOP_KIT = "laptop_kit", "Valise d'ordinateurs portables"
    PROJECTOR = "projector", "Vidéoprojecteur"
    OTHER = "other", "Autre matériel"


class EquipmentStatus(models.TextChoices):
    """What is shown. ``on_loan`` is never stored: it is derived from a collected loan
    (docs/decisions/0007). The other four are set by the Service Culture."""

    AVAILABLE = "available", "Disponible"
    ON_LOAN = "on_loan", "Prêté"
    IN_REPAIR = "in_repair", "En réparation"
    LOST = "lost", "Perdu"
    RETIRED = "retired", "Retiré du prêt"


# The states a person may set by hand (everything but « prêté »).
STORED_EQUIPMENT_STATUSES = (
    EquipmentStatus.AVAILABLE,
    EquipmentStatus.IN_REPAIR,
    EquipmentStatus.LOST,
    EquipmentStatus.RETIRED,
)
# No new loan is requested or approved for these.
UNLENDABLE_STATUSES = (EquipmentStatus.LOST, EquipmentStatus.RETIRED)


class LoanStatus(models.TextChoices):
    REQUESTED = "requested", "Demandé"
    APPROVED = "approved", "Accepté"
    COLLECTED = "collected", "Retiré (en cours)"
    RETURNED = "returned", "Rendu"
    CANCELLED = "cancelled", "Annulé"


# Loans that hold their period on the item's calendar (never overlapping).
HOLDING_LOAN_STATUSES = (
    LoanStatus.REQUESTED,
    LoanStatus.APPROVED,
    LoanStatus.COLLECTED,
    LoanStatus.RETURNED,
)
# Not yet collected: may still be approved, cancelled, or cancelled by the worker.
WAITING_LOAN_STATUSES = (LoanStatus.REQUESTED, LoanStatus.APPROVED)
# Booked for sure: what a 3D-printer session relies on.
BOOKED_LOAN_STATUSES = (LoanStatus.APPROVED, LoanStatus.COLLECTED)


class ReturnCondition(models.TextChoices):
    GOOD = "good", "Bon état"
    WORN = "worn", "Usure normale, petits défauts"
    DAMAGED = "damaged", "Abîmé : à réparer"
    INCOMPLETE = "incomplete", "Incomplet : il manque des pièces"


# After such a return the item goes « en réparation ».
REPAIR_CONDITIONS = (ReturnCondition.DAMAGED, ReturnCondition.INCOMPLETE)
