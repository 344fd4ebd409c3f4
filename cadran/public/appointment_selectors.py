"""Reads for the inhabitant's private appointment page (behind its link): nothing writes here."""

from __future__ import annotations

from dataclasses import dataclass

from cadran.notifications.enums import MessageChannel
from cadran.notifications.masking import mask_recipient
from cadran.notifications.models import Message
from cadran.scheduling.models import Appointment


@dataclass(frozen=True)
class SentNotice:
    """One message we sent (or are sending) about the appointment, as the page says it."""

    channel: str
    recipient: str  # masked: the page is behind a link that can be forwarded

    @property
    def sentence(self) -> str:
        if self.channel == MessageChannel.SMS:
            return f"un SMS au {self.recipient}"
        return f"un e-mail à {self.recipient}"


def sent_notices(appointment: Appointment, *, event: str) -> list[SentNotice]:
    """The messages queued for the person about ``event`` (« appointment_booked »,
    « appointment_moved »), the latest first, one per channel (one query).

    Read from the message log rather than from the person's choices: the page says what was
    actually written, SMS first (it arrives first, and most people gave a mobile number).
    """
    messages = (
        Message.objects.for_object(appointment)
        .filter(event=event, beneficiary_id=appointment.beneficiary_id)
        .order_by("-created_at", "-pk")
        .values_list("channel", "recipient")
    )
    seen: dict[str, SentNotice] = {}
    for channel, recipient in messages:
        seen.setdefault(channel, SentNotice(channel, mask_recipient(recipient, channel)))
    return sorted(seen.values(), key=lambda n: n.channel != MessageChannel.SMS)
