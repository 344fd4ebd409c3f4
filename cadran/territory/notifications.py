"""The e-mails about venue changes to staff: the referent who declared it learns the
decision; the advisers whose permanences or sessions move learn where they now work.

Inhabitants are told by the scheduling and workshops notifications (same transaction).
"""

from __future__ import annotations

from cadran.notifications.enums import MessageChannel
from cadran.notifications.formatting import day_label, hour_label
from cadran.notifications.models import Message
from cadran.notifications.services import queue_message

from . import identity
from .models import VenueChange, VenueChangeStatus

DECIDED = "venue_change_decided"
STAFF = "venue_change_staff"


def _context(change: VenueChange) -> dict:
    territory = change.commune.territory
    return {
        "commune": change.commune.name,
        "day": day_label(change.effective_date),
        "old_place": change.old_venue.full_place,
        "new_place": change.new_venue.full_place,
        "new_address": change.new_venue.postal_address,
        "confirmed": change.status == VenueChangeStatus.CONFIRMED,
        "reason": change.refusal_reason,
        "link": identity.for_id(territory.pk).reverse("territory:change_detail", pk=change.pk),
        "service_name": territory.service_name,
        "contact_phone": territory.contact_phone,
        "territory_name": territory.name,
    }


def _email(user, *, change: VenueChange, event: str, context: dict) -> Message | None:
    if user is None or not user.is_active or not user.email:
        return None
    message, created = queue_message(
        territory_id=change.commune.territory_id,
        channel=MessageChannel.EMAIL,
        event=event,
        template=f"territory/email/{event}",
        dedupe_key=f"venue_change:{change.pk}:{event}:user:{user.pk}:email",
        recipient=user.email,
        context=context | {"first_name": user.first_name},
        user=user,
        target=change,
    )
    return message if created else None


def notify_venue_change_decided(change: VenueChange) -> Message | None:
    """The person who declared the change learns whether it is confirmed or refused."""
    return _email(change.declared_by, change=change, event=DECIDED, context=_context(change))


def notify_venue_change_staff(change: VenueChange, *, permanences, sessions) -> list[Message]:
    """Each adviser whose permanence or sessions move gets one e-mail listing them."""
    work: dict[int, dict] = {}
    for permanence in permanences:
        entry = work.setdefault(permanence.adviser_id, {"user": permanence.adviser, "items": []})
        entry["items"].append(f"la permanence {permanence.hours_label}")
    for session in sessions:
        for adviser in session.advisers.all():
            entry = work.setdefault(adviser.pk, {"user": adviser, "items": []})
            entry["items"].append(
                f"l'atelier « {session.workshop.title} » du {day_label(session.start)} "
                f"à {hour_label(session.start)}"
            )
    context = _context(change)
    queued = []
    for entry in work.values():
        message = _email(
            entry["user"], change=change, event=STAFF, context=context | {"items": entry["items"]}
        )
        if message is not None:
            queued.append(message)
    return queued
