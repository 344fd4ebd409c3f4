"""SMS replies « OUI » / « NON » to « Vous venez toujours ? » (docs/notifications.md).

Brevo forwards the replies to its transactional SMS webhook (event « replied »,
https://developers.brevo.com/docs/transactional-webhooks#replied): a JSON object whose
``to`` is the mobile number that received our SMS (and replied) and ``reply`` the text of
the reply (the same field as in ``GET /v3/transactionalSMS/statistics/events``). The other
events (sent, delivered, bounces…) are ignored.

A reply is matched to the most recent question still waiting for an answer that was sent by
SMS to that number; it is then recorded as if the person had clicked the link. Anything
else than a clear « oui » or « non » is ignored and logged: no answer changes nothing.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from cadran.core import clock

from .backends.sms import is_french_mobile
from .enums import MessageChannel
from .masking import mask_recipient
from .models import Message

logger = logging.getLogger("cadran.notifications.sms_replies")

APPOINTMENT_EVENT = "appointment_confirmation"
REGISTRATION_EVENT = "workshop_confirmation"
YES, NO = "yes", "no"  # cadran.scheduling.enums.ConfirmationAnswer
REPLY_EVENTS = {"replied", "reply", "replies", "sms_replied", "inbound"}
# How many recent questions to that number are looked at, newest first.
CANDIDATES = 20


def parse_answer(text: str) -> str | None:
    """« yes » for a reply that starts with « oui », « no » for one that starts with « non »;
    None for anything else. Case, accents, spaces and punctuation do not matter, and words
    after the first are tolerated (« Oui merci ! »), unless the reply holds both words
    (« non… enfin oui »): then it is not clear, and ignored."""
    if not isinstance(text, str):
        return None
    plain = unicodedata.normalize("NFKD", text[:500]).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z]+", plain.lower())
    if not words or ("oui" in words and "non" in words):
        return None
    return {"oui": YES, "non": NO}.get(words[0])


@dataclass(frozen=True)
class SmsReply:
    phone: str
    text: str


def parse_brevo_event(payload) -> SmsReply | None:
    """The reply in one event of Brevo's webhook, or None (another event, or malformed)."""
    if not isinstance(payload, dict):
        return None
    kind = payload.get("msg_status") or payload.get("event") or ""
    if not isinstance(kind, str) or kind.strip().lower() not in REPLY_EVENTS:
        return None
    phone = payload.get("to") or payload.get("phoneNumber") or payload.get("from") or ""
    text = payload.get("reply")
    if text is None:
        text = payload.get("text") or payload.get("content") or ""
    if isinstance(phone, int):
        phone = str(phone)
    if not isinstance(phone, str) or not isinstance(text, str) or not phone.strip():
        return None
    return SmsReply(phone=phone.strip()[:30], text=text)


def national_number(phone: str) -> str:
    """``33612345678``, ``+33 6 12 34 56 78`` and ``06 12 34 56 78`` → ``0612345678``."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0033"):
        digits = digits[2:]
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def _spellings(national: str) -> list[str]:
    """The ways a number may be stored (the forms normalise it, older rows may not)."""
    spaced = " ".join(national[i : i + 2] for i in range(0, len(national), 2))
    return [national, spaced, "+33" + national[1:], "33" + national[1:]]


def _pending_target(message: Message):
    """The appointment or registration a question is about, if it still waits for an
    answer (asked, no answer, still to come); else None."""
    from cadran.scheduling.enums import AppointmentStatus
    from cadran.scheduling.models import Appointment
    from cadran.workshops.enums import RegistrationStatus
    from cadran.workshops.models import Registration

    now = clock.now()
    if message.object_id is None:
        return None
    if message.event == APPOINTMENT_EVENT:
        return (
            Appointment.objects.filter(
                pk=message.object_id,
                status=AppointmentStatus.BOOKED,
                start__gt=now,
                confirmation_asked_at__isnull=False,
                confirmation_answer="",
            )
            .select_related("permanence__commune__territory")
            .first()
        )
    return (
        Registration.objects.filter(
            pk=message.object_id,
            status=RegistrationStatus.CONFIRMED,
            session__start__gt=now,
            confirmation_asked_at__isnull=False,
            confirmation_answer="",
        )
        .select_related("session")
        .first()
    )


def record_sms_reply(reply: SmsReply) -> str:
    """Apply one reply. Returns what happened, in words for the log."""
    from cadran.scheduling.confirmations import answer_appointment_confirmation
    from cadran.scheduling.models import Appointment
    from cadran.workshops.confirmations import answer_registration_confirmation

    masked = mask_recipient(reply.phone, MessageChannel.SMS)
    answer = parse_answer(reply.text)
    if answer is None:
        logger.info("Réponse SMS ignorée (ni oui ni non) de %s : %r", masked, reply.text[:160])
        return "ignorée : ni oui ni non"
    national = national_number(reply.phone)
    if not is_french_mobile(national):
        logger.info("Réponse SMS ignorée : numéro inconnu %s", masked)
        return "ignorée : numéro inconnu"
    questions = (
        Message.objects.filter(
            channel=MessageChannel.SMS,
            event__in=(APPOINTMENT_EVENT, REGISTRATION_EVENT),
            recipient__in=_spellings(national),
        )
        .order_by("-created_at", "-pk")
        .only("pk", "event", "object_id", "content_type_id")[:CANDIDATES]
    )
    appointment_type = ContentType.objects.get_for_model(Appointment)
    for message in questions:
        target = _pending_target(message)
        if target is None:
            continue
        try:
            if message.content_type_id == appointment_type.pk:
                answer_appointment_confirmation(appointment=target, answer=answer, via="par SMS")
            else:
                answer_registration_confirmation(registration=target, answer=answer, via="par SMS")
        except ValidationError as exc:
            logger.info("Réponse SMS de %s refusée : %s", masked, " ".join(exc.messages))
            return "refusée : " + " ".join(exc.messages)
        logger.info("Réponse SMS « %s » de %s enregistrée (%s)", answer, masked, message.event)
        return f"enregistrée : {answer}"
    logger.info("Réponse SMS de %s ignorée : aucune question en attente.", masked)
    return "ignorée : aucune question en attente"
