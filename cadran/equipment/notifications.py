"""The e-mails about equipment loans: what is said and to whom.

Called by the services (and the sweep) inside their transaction: the ``Message`` rows are
stored with the change, each with a unique ``dedupe_key``, so a sweep run twice or two
workers at once never send the same alert twice. Only staff are written to (the Service
Culture and the coordination, the person who asked, the commune's referents or the
library's librarians); loans carry no inhabitant's data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.accounts.models import User
from cadran.notifications.enums import MessageChannel
from cadran.notifications.models import Message
from cadran.notifications.services import queue_message
from cadran.territory import identity as territory_identity

from .models import Loan

REQUESTED = "equipment_loan_requested"
APPROVED = "equipment_loan_approved"
CANCELLED = "equipment_loan_cancelled"
AUTO_CANCELLED = "equipment_loan_auto_cancelled"
LATE = "equipment_loan_late"


def loan_link(loan: Loan) -> str:
    return territory_identity.for_id(loan.equipment.territory_id).reverse(
        "equipment:loan_detail", pk=loan.pk
    )


def territory_managers(territory_id: int) -> list[User]:
    """The Service Culture and the coordination of the territory (active, with an e-mail)."""
    return list(
        User.objects.filter(
            territory_id=territory_id, role__in=TERRITORY_ROLES, is_active=True
        ).exclude(email="")
    )


def borrower_contacts(loan: Loan) -> list[User]:
    """Who speaks for the borrower: the person who asked, and the library's librarians
    (a library loan) or the commune's referents (a commune loan). Once each."""
    if loan.library_id:
        others = User.objects.filter(role=Role.LIBRARIAN, library_id=loan.library_id)
    else:
        others = User.objects.filter(role=Role.COMMUNE_REFERENT, communes=loan.commune_id)
    users: dict[int, User] = {}
    if loan.requested_by is not None:
        users[loan.requested_by.pk] = loan.requested_by
    for user in others.filter(is_active=True):
        users.setdefault(user.pk, user)
    return [u for u in users.values() if u.is_active and u.email]


def loan_context(loan: Loan) -> dict:
    equipment = loan.equipment
    territory = equipment.territory
    return {
        "loan": loan,
        "item": equipment.name,
        "identifier": equipment.identifier,
        "is_printer": equipment.is_printer,
        "borrower": loan.borrower_label,
        "commune": loan.commune.name,
        "period": loan.period_label,
        "start": f"{loan.start_date:%d/%m/%Y}",
        "end": f"{loan.end_date:%d/%m/%Y}",
        "storage_place": loan.storage_place,
        "purpose": loan.purpose,
        "reason": loan.cancel_reason,
        "link": loan_link(loan),
        "pickup_days": settings.CADRAN_LOAN_PICKUP_DAYS,
        "territory_name": territory.name,
        "service_name": territory.service_name,
        "contact_phone": territory.contact_phone,
        "contact_email": territory.contact_email,
    }


def _send(loan: Loan, *, event: str, users: Iterable[User], skip=None) -> list[Message]:
    context = loan_context(loan)
    queued: list[Message] = []
    for user in users:
        if skip is not None and user.pk == getattr(skip, "pk", None):
            continue
        message, created = queue_message(
            territory_id=loan.equipment.territory_id,
            channel=MessageChannel.EMAIL,
            event=event,
            template=f"equipment/email/{event.removeprefix('equipment_')}",
            dedupe_key=f"loan:{loan.pk}:{event}:user:{user.pk}:email",
            recipient=user.email,
            context=context | {"first_name": user.first_name},
            user=user,
            target=loan,
        )
        if created:
            queued.append(message)
    return queued


def notify_loan_requested(loan: Loan, *, by) -> list[Message]:
    """A new request: the Service Culture and the coordination are asked to decide."""
    return _send(
        loan, event=REQUESTED, users=territory_managers(loan.equipment.territory_id), skip=by
    )


def notify_loan_approved(loan: Loan, *, by) -> list[Message]:
    return _send(loan, event=APPROVED, users=borrower_contacts(loan), skip=by)


def notify_loan_cancelled(loan: Loan, *, by, by_manager: bool) -> list[Message]:
    """Cancelled by the service: the borrower is told; by the borrower: the service."""
    users = (
        borrower_contacts(loan) if by_manager else territory_managers(loan.equipment.territory_id)
    )
    return _send(loan, event=CANCELLED, users=users, skip=by)


def notify_loan_auto_cancelled(loan: Loan) -> list[Message]:
    return _send(loan, event=AUTO_CANCELLED, users=borrower_contacts(loan))


def notify_loan_late(loan: Loan) -> list[Message]:
    users = {u.pk: u for u in territory_managers(loan.equipment.territory_id)}
    for user in borrower_contacts(loan):
        users.setdefault(user.pk, user)
    return _send(loan, event=LATE, users=users.values())
