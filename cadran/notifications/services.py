"""Queue, send, retry and withdraw messages.

A message is rendered and stored when it is queued (inside the transaction of the business
action that caused it), then sent by the ``deliver_message`` task once that transaction has
committed. Sending never touches the object the message is about: a provider that fails
leaves the appointment as it was and the message pending, retried with a growing delay,
then marked failed for the Service Culture to see.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string

from cadran.core import audit, clock

from .backends.sms import Sms, get_sms_backend
from .enums import MessageChannel, MessageStatus
from .models import Message

logger = logging.getLogger("cadran.notifications")

# A message claimed by a delivery task is not claimed again for this long (the send's own
# timeouts are far shorter); if the worker died mid-send, the sweep queues it again after.
CLAIM_SECONDS = 300
# A pending message due this long ago has lost its task (enqueued just before a crash, or
# the task row was removed): the sweep queues it again.
STALE_AFTER = dt.timedelta(minutes=10)
SWEEP_BATCH = 500


def max_attempts() -> int:
    return settings.CADRAN_MESSAGE_MAX_ATTEMPTS


def retry_delay(attempts: int) -> dt.timedelta:
    """1 min, 2 min, 4 min, 8 min… after the 1st, 2nd, 3rd, 4th failure; at most 6 hours."""
    base = settings.CADRAN_MESSAGE_RETRY_SECONDS
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def render_message(*, channel: str, template: str, context: dict) -> tuple[str, str]:
    """The subject and body. ``template`` is a path without suffix, for instance
    ``scheduling/email/appointment_booked`` (``_subject.txt`` and ``_body.txt``) or
    ``scheduling/sms/appointment_booked`` (``.txt``)."""
    if channel == MessageChannel.EMAIL:
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context).strip() + "\n"
        return subject[:255], body
    lines = [line.strip() for line in render_to_string(f"{template}.txt", context).splitlines()]
    return "", " ".join(line for line in lines if line)


def queue_message(
    *,
    territory_id: int,
    channel: str,
    event: str,
    template: str,
    dedupe_key: str,
    recipient: str,
    context: dict,
    beneficiary=None,
    user=None,
    target: models.Model | None = None,
    event_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    ics: str = "",
) -> tuple[Message, bool]:
    """Store a message and send it once the current transaction commits.

    Returns ``(message, created)``. A second call with the same ``dedupe_key`` (a sweep run
    twice, two workers at once, a form submitted twice) returns the existing message and
    queues nothing.
    """
    if channel not in MessageChannel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    subject, body = render_message(channel=channel, template=template, context=context)
    now = clock.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                territory_id=territory_id,
                channel=channel,
                event=event,
                template=template,
                dedupe_key=dedupe_key,
                recipient=recipient,
                beneficiary=beneficiary,
                user=user,
                content_type=ContentType.objects.get_for_model(target) if target else None,
                object_id=target.pk if target else None,
                event_at=event_at,
                expires_at=expires_at,
                subject=subject,
                body=body,
                ics=ics,
                next_attempt_at=now,
            )
    except IntegrityError:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing, False
    transaction.on_commit(partial(enqueue_delivery, message.pk), robust=True)
    return message, True


def enqueue_delivery(message_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Put a delivery task in the queue (later if ``run_after``)."""
    from .tasks import deliver_message

    task = deliver_message
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # The immediate backend cannot wait: the sweep re-queues the message when due.
            return
        task = task.using(run_after=run_after)
    task.enqueue(message_id)


def deliver(message_id: int) -> str:
    """Send one message if it is still pending and due. Returns what happened (for the log).

    1. A short transaction claims the row (``SELECT … FOR UPDATE SKIP LOCKED`` on
       PostgreSQL; SQLite's IMMEDIATE transactions serialise writers): only a pending, due
       message is claimed; claiming counts an attempt and pushes ``next_attempt_at`` past
       the send's timeout, so a duplicate task or a sweep leaves it alone.
    2. The e-mail or SMS is sent outside any transaction: no database lock is held while a
       provider answers.
    3. A second short transaction marks it sent, or records the error and the next try.
    """
    now = clock.now()
    with transaction.atomic():
        message = Message.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None:
            return "absent ou en cours d'envoi"
        if message.status != MessageStatus.PENDING:
            return f"déjà traité ({message.status})"
        if message.next_attempt_at > now:
            return "pas encore dû"
        if message.expires_at is not None and message.expires_at <= now:
            message.status = MessageStatus.WITHDRAWN
            message.last_error = "Trop tard : le moment dont parle ce message est passé."
            message.save(update_fields=["status", "last_error", "updated_at"])
            return "trop tard"
        message.attempts += 1
        message.next_attempt_at = now + dt.timedelta(seconds=CLAIM_SECONDS)
        message.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
    try:
        _send(message)
    except Exception as exc:  # any provider error: recorded, retried, never raised
        logger.warning("Message %s not sent (attempt %s): %s", message.pk, message.attempts, exc)
        return _record_failure(message.pk, exc)
    Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
        status=MessageStatus.SENT, sent_at=clock.now(), last_error="", updated_at=clock.now()
    )
    return "envoyé"


def _send(message: Message) -> None:
    if message.channel == MessageChannel.EMAIL:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Auto-Submitted": "auto-generated"},
        )
        if message.ics:
            email.attach("rendez-vous.ics", message.ics, "text/calendar")
        if email.send(fail_silently=False) != 1:
            raise RuntimeError("Le serveur d'e-mail n'a pas accepté le message.")
    else:
        get_sms_backend().send(Sms(to=message.recipient, body=message.body))


def _record_failure(message_id: int, exc: Exception) -> str:
    now = clock.now()
    error = f"{type(exc).__name__}: {exc}"[:1000]
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.PENDING:
            return f"déjà traité ({message.status})"
        message.last_error = error
        if message.attempts >= max_attempts():
            message.status = MessageStatus.FAILED
            message.save(update_fields=["status", "last_error", "updated_at"])
            return "échec définitif"
        message.next_attempt_at = now + retry_delay(message.attempts)
        message.save(update_fields=["last_error", "next_attempt_at", "updated_at"])
        transaction.on_commit(
            partial(enqueue_delivery, message.pk, run_after=message.next_attempt_at), robust=True
        )
    return "nouvel essai prévu"


def withdraw_pending_messages(
    *, target: models.Model, reason: str, events: list[str] | None = None
) -> int:
    """Stop pending messages about ``target`` that no longer make sense (a reminder of an
    appointment just cancelled). Returns how many were withdrawn."""
    qs = Message.objects.pending().for_object(target)
    if events is not None:
        qs = qs.filter(event__in=events)
    return qs.update(
        status=MessageStatus.WITHDRAWN, last_error=reason[:1000], updated_at=clock.now()
    )


@transaction.atomic
def retry_message(*, message: Message, by) -> Message:
    """Staff ask for a failed message to be sent again (after fixing an address, say)."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.FAILED:
        raise ValidationError("Seul un message en échec peut être renvoyé.")
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = clock.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    audit.record(
        actor=by,
        obj=message,
        action="message.retried",
        description=f"Nouvel envoi demandé : {message}.",
        territory_id=message.territory_id,
    )
    transaction.on_commit(partial(enqueue_delivery, message.pk), robust=True)
    return message


def requeue_stale_messages(now: dt.datetime) -> int:
    """Sweeper: pending messages due for a while whose task was lost get a new task.

    The rows are taken with ``SKIP LOCKED`` and their ``next_attempt_at`` moved to now, so
    two sweeps at once queue each message once; a duplicate task would anyway find the
    message claimed or sent.
    """
    with transaction.atomic():
        ids = list(
            Message.objects.pending()
            .filter(next_attempt_at__lte=now - STALE_AFTER)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not ids:
            return 0
        Message.objects.filter(pk__in=ids).update(next_attempt_at=now, updated_at=now)
        for pk in ids:
            transaction.on_commit(partial(enqueue_delivery, pk), robust=True)
    return len(ids)
