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
import traceback
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.template.loader import render_to_string

from cadran.core import audit, clock
from cadran.territory import identity as territory_identity

from .backends.sms import Sms, get_sms_backend
from .email_html import html_body
from .enums import MessageChannel, MessageStatus
from .ics import calendar_attachment
from .models import Message

logger = logging.getLogger("cadran.notifications")

# A pending message due this long ago has lost its task (enqueued just before a crash, or
# the task row was removed): the sweep, which runs every minute, queues it again.
STALE_AFTER = dt.timedelta(minutes=2)
# The claim of a message (``sending``) lasts at most the send's own timeouts, twice (an SMTP
# exchange is several round trips, each with its timeout), plus this margin; an older
# claim means the worker died mid-send, and the sweep releases it.
CLAIM_MARGIN = dt.timedelta(seconds=30)
SWEEP_BATCH = 500


class TaskLost(RuntimeError):
    """Written into a task row left ``RUNNING`` by a worker that died (see
    :func:`release_stale_tasks`); never raised."""


def claim_timeout() -> dt.timedelta:
    """How long a worker may be sending one message: 70 s with the default timeouts
    (``EMAIL_TIMEOUT`` 20 s, ``SMS_TIMEOUT`` 10 s)."""
    email = getattr(settings, "EMAIL_TIMEOUT", None) or 60
    sms_timeout = getattr(settings, "SMS_TIMEOUT", None) or 10
    return 2 * dt.timedelta(seconds=max(email, sms_timeout)) + CLAIM_MARGIN


def stale_task_after() -> dt.timedelta:
    """A task row ``RUNNING`` for this long lost its worker (``CADRAN_STALE_TASK_MINUTES``)."""
    return dt.timedelta(minutes=settings.CADRAN_STALE_TASK_MINUTES)


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
       message is claimed; claiming counts an attempt, sets ``status = sending`` and
       ``claimed_at``, so a duplicate task, a sweep or a withdrawal leaves it alone.
    2. The e-mail or SMS is sent outside any transaction: no database lock is held while a
       provider answers.
    3. A second short transaction marks it sent (whatever happened to the row meanwhile:
       the provider accepted it), or records the error and the next try.
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
        if not message.recipient:
            # Blanked with the person's data (cadran.privacy) after a claim was released.
            message.status = MessageStatus.WITHDRAWN
            message.last_error = "Plus de destinataire : les données de la personne sont effacées."
            message.save(update_fields=["status", "last_error", "updated_at"])
            return "sans destinataire"
        message.attempts += 1
        message.status = MessageStatus.SENDING
        message.claimed_at = now
        message.save(update_fields=["attempts", "status", "claimed_at", "updated_at"])
    try:
        _send(message)
    except Exception as exc:  # any provider error: recorded, retried, never raised
        logger.warning("Message %s not sent (attempt %s): %s", message.pk, message.attempts, exc)
        return _record_failure(message, exc)
    _record_success(message)
    return "envoyé"


def _record_success(message: Message) -> None:
    """The provider accepted it: ``sent``, even if it was withdrawn meanwhile or its claim
    was released and taken again (then the other send finds it sent)."""
    now = clock.now()
    updated = (
        Message.objects.filter(pk=message.pk)
        .exclude(status=MessageStatus.SENT)
        .update(status=MessageStatus.SENT, sent_at=now, last_error="", updated_at=now)
    )
    if updated and message.claimed_at and now - message.claimed_at >= claim_timeout():
        logger.warning("Message %s sent after its claim expired: it may be sent twice.", message.pk)


def _send(message: Message) -> None:
    # The territory's senders (cached: no query), else the install's settings.
    sender = territory_identity.for_id(message.territory_id)
    if message.channel == MessageChannel.EMAIL:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=sender.from_email,
            to=[message.recipient],
            headers={"Auto-Submitted": "auto-generated"},
        )
        # The same words under the territory's letterhead (name, logo, colour).
        email.attach_alternative(
            html_body(message.body, subject=message.subject, sender=sender), "text/html"
        )
        if message.ics:
            email.attach(calendar_attachment(message.ics))
        if email.send(fail_silently=False) != 1:
            raise RuntimeError("Le serveur d'e-mail n'a pas accepté le message.")
    else:
        get_sms_backend().send(
            Sms(to=message.recipient, body=message.body, sender=sender.sms_sender)
        )


def _record_failure(claimed: Message, exc: Exception) -> str:
    """The send failed: back to pending with the next try, or failed after the last
    attempt, or withdrawn if a withdrawal was asked for during the send. Only the claim
    that failed is changed: if the sweep released it meanwhile, the row is someone else's."""
    now = clock.now()
    error = f"{type(exc).__name__}: {exc}"[:1000]
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=claimed.pk)
        if (
            message.status != MessageStatus.SENDING
            or message.claimed_at != claimed.claimed_at
            or message.attempts != claimed.attempts
        ):
            return f"déjà traité ({message.status})"
        if message.withdraw_reason:
            message.status = MessageStatus.WITHDRAWN
            message.last_error = f"{message.withdraw_reason} (envoi échoué : {error})"[:1000]
            message.save(update_fields=["status", "last_error", "updated_at"])
            return "retiré"
        message.last_error = error
        if message.attempts >= max_attempts():
            message.status = MessageStatus.FAILED
            message.save(update_fields=["status", "last_error", "updated_at"])
            return "échec définitif"
        message.status = MessageStatus.PENDING
        message.next_attempt_at = now + retry_delay(message.attempts)
        message.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
        transaction.on_commit(
            partial(enqueue_delivery, message.pk, run_after=message.next_attempt_at), robust=True
        )
    return "nouvel essai prévu"


def withdraw_pending_messages(
    *, target: models.Model, reason: str, events: list[str] | None = None
) -> int:
    """Stop pending messages about ``target`` that no longer make sense (a reminder of an
    appointment just cancelled). Returns how many were withdrawn.

    Only messages not yet claimed are withdrawn. One a worker is sending goes on: it ends
    ``sent`` if the provider accepts it (the log says what the person received); the
    reason is kept in ``withdraw_reason`` so that it is not tried again if this send fails.
    """
    messages = Message.objects.for_object(target)
    if events is not None:
        messages = messages.filter(event__in=events)
    now = clock.now()
    reason = reason[:1000]
    messages.sending().update(withdraw_reason=reason, updated_at=now)
    return messages.pending().update(
        status=MessageStatus.WITHDRAWN, last_error=reason, updated_at=now
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
    message.withdraw_reason = ""
    message.save(
        update_fields=["status", "attempts", "next_attempt_at", "withdraw_reason", "updated_at"]
    )
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
    """Sweeper: messages whose delivery was lost get a new task, at once.

    - a pending message due for ``STALE_AFTER`` (2 min) lost its task;
    - a message ``sending`` claimed at least :func:`claim_timeout` (70 s) ago lost its
      worker (killed mid-send): the claim is released, back to pending. The provider may
      have accepted it already: it is then sent twice (at-least-once). It is not tried
      again if a withdrawal was asked for meanwhile (withdrawn), nor after the last attempt
      (failed): a message that kills its worker does not kill the next ones.

    The rows are taken with ``SKIP LOCKED``, so two sweeps at once queue each message once;
    a duplicate task would anyway find the message claimed or sent.
    """
    stale = Q(status=MessageStatus.PENDING, next_attempt_at__lte=now - STALE_AFTER) | Q(
        status=MessageStatus.SENDING, claimed_at__lte=now - claim_timeout()
    )
    with transaction.atomic():
        rows = list(
            Message.objects.filter(stale)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", "status", "withdraw_reason", "attempts", "claimed_at")[:SWEEP_BATCH]
        )
        if not rows:
            return 0
        requeue: list[int] = []
        for pk, status, withdraw_reason, attempts, claimed_at in rows:
            if status == MessageStatus.PENDING:
                requeue.append(pk)
                continue
            lost = (
                f"Le worker s'est arrêté pendant l'envoi (pris en charge le "
                f"{clock.paris(claimed_at):%d/%m/%Y %H:%M:%S}) : le message a pu partir."
            )
            claim = Message.objects.filter(pk=pk, status=MessageStatus.SENDING)
            if withdraw_reason:
                claim.update(
                    status=MessageStatus.WITHDRAWN,
                    last_error=f"{lost} Pas de nouvel essai : {withdraw_reason}"[:1000],
                    updated_at=now,
                )
            elif attempts >= max_attempts():
                claim.update(
                    status=MessageStatus.FAILED,
                    last_error=f"{lost} Dernière tentative.",
                    updated_at=now,
                )
            else:
                claim.update(
                    status=MessageStatus.PENDING,
                    last_error=f"{lost} Nouvel essai.",
                    updated_at=now,
                )
                requeue.append(pk)
        Message.objects.filter(pk__in=requeue, status=MessageStatus.PENDING).update(
            next_attempt_at=now, updated_at=now
        )
        for pk in requeue:
            transaction.on_commit(partial(enqueue_delivery, pk), robust=True)
    return len(rows)


def release_stale_tasks(now: dt.datetime) -> int:
    """Sweeper: task rows ``RUNNING`` for ``CADRAN_STALE_TASK_MINUTES`` (10) lost their
    worker (killed, machine restarted): they are recorded ``FAILED`` with an explanation,
    so the page of failed tasks shows them and none stays running for ever. The work
    itself is not lost: a message being sent is released and sent again by
    :func:`requeue_stale_messages` (long before). A worker that was only slow and finishes
    after all writes its own result over this one."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    limit = stale_task_after()
    minutes = int(limit.total_seconds() // 60)
    error = TaskLost(
        f"Tâche abandonnée : toujours « en cours » après {minutes} min, le worker qui "
        "l'exécutait s'est arrêté (task left RUNNING, its worker was lost). Un e-mail ou un "
        "SMS qu'elle envoyait est repris automatiquement."
    )
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=now - limit
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        return_value=None,
        exception_class_path=f"{TaskLost.__module__}.{TaskLost.__qualname__}",
        traceback="".join(traceback.format_exception_only(error)),
    )
