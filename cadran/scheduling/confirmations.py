"""« Vous venez toujours ? »: confirm or release an appointment a few days before.

See docs/decisions/0013-confirm-or-release.md. The question is asked once per appointment,
``Territory.appointment_confirmation_days`` days before its day, at the territory's
reminder time (Paris wall-clock: :func:`confirmation_due_at`), by SMS and/or e-mail as the
person chose, with two links « Je viens » / « Je ne peux pas venir ». « Je viens » is
recorded; « Je ne peux pas venir » cancels the appointment at once through
:func:`cadran.scheduling.services.cancel_appointment` (the slot is back on the public pages).
No answer changes nothing.

The window helpers are shared with the workshops (``cadran.workshops.confirmations``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from cadran.core import audit, clock
from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token
from cadran.notifications.models import Message
from cadran.territory import identity as territory_identity
from cadran.territory.models import Territory

from .enums import AppointmentStatus, ConfirmationAnswer
from .models import Appointment
from .notifications import _queue_for_person, appointment_context

CONFIRMATION = "appointment_confirmation"
BATCH = 500
# The two answers in the links' addresses (``/rendez-vous/reponse/<token>/oui/``).
ANSWER_SLUGS: dict[str, str] = {"oui": ConfirmationAnswer.YES, "non": ConfirmationAnswer.NO}
SLUG_OF: dict[str, str] = {answer: slug for slug, answer in ANSWER_SLUGS.items()}


def new_confirmation_token() -> str:
    """128 random bits, 22 characters: short, since the SMS carries two links."""
    return secrets.token_urlsafe(16)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=PARIS)


def confirmation_due_at(start: dt.datetime, *, days: int, at: dt.time) -> dt.datetime:
    """When the question about something starting at ``start`` is due: ``days`` calendar days
    before its day, at the wall-clock time ``at`` in Paris (the territory's reminder time).

    Wall-clock, not a duration: an appointment on the Wednesday after a change of time is
    asked on the Sunday at 10:00 Paris time, whatever the offset on either day.
    """
    day = start.astimezone(PARIS).date() - dt.timedelta(days=days)
    return dt.datetime.combine(day, at, tzinfo=PARIS)


def due_window(
    now: dt.datetime,
    *,
    days: int,
    at: dt.time,
    start: str,
    booked_before: Callable[[dt.datetime], Q],
) -> Q:
    """The rows whose question (``days`` before, at ``at``) is due at ``now``: one condition
    per day of start still to come, each with its own due instant, so that ``booked_before``
    (booked, or given a place, before that instant) is exact in SQL.

    Days of start from today to today + ``days`` (the last one once today's ``at`` has
    come): a worker down for a while asks, when it comes back, everything that became due.
    """
    today = now.astimezone(PARIS).date()
    last = days if now >= dt.datetime.combine(today, at, tzinfo=PARIS) else days - 1
    window = Q(pk__in=[])
    for offset in range(last + 1):
        day = today + dt.timedelta(days=offset)
        due = dt.datetime.combine(day - dt.timedelta(days=days), at, tzinfo=PARIS)
        next_day = day + dt.timedelta(days=1)
        window |= Q(
            **{f"{start}__gte": _midnight(day), f"{start}__lt": _midnight(next_day)}
        ) & booked_before(due)
    return window


def territory_settings(field: str) -> list[tuple[dt.time, int]]:
    """The distinct (reminder time, days) pairs of the territories that ask (days > 0): one
    query, whatever the number of territories."""
    return list(
        Territory.objects.filter(**{f"{field}__gt": 0})
        .order_by()
        .values_list("reminder_time", field)
        .distinct()
    )


def _reachable() -> Q:
    """An e-mail they accepted messages on, or a French mobile number for SMS."""
    mobile = Q()
    for prefix in ("06", "07", "+336", "+337"):
        mobile |= Q(beneficiary__phone__startswith=prefix)
    return Q(beneficiary__email__gt="", beneficiary__notify_email=True) | (
        Q(beneficiary__notify_sms=True) & mobile
    )


def due_appointment_confirmations(now: dt.datetime):
    """Booked appointments whose question is due and not asked yet.

    Not asked: an appointment booked at or after its ask instant (the booking confirmation
    and the reminder the day before say it all), one already answered (through the private
    link), one with no e-mail nor mobile number, and in a territory that asks 0 days before.
    """
    window = Q(pk__in=[])
    territory = "permanence__commune__territory__"
    for at, days in territory_settings("appointment_confirmation_days"):
        window |= Q(
            **{f"{territory}reminder_time": at, f"{territory}appointment_confirmation_days": days}
        ) & due_window(
            now,
            days=days,
            at=at,
            start="start",
            booked_before=lambda due: Q(created_at__lt=due),
        )
    return (
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            start__gt=now,
            confirmation_asked_at__isnull=True,
            confirmation_answer="",
        )
        .filter(window)
        .filter(_reachable())
        .select_related("beneficiary", "permanence__commune__territory", "permanence__venue")
        .order_by("start", "pk")
    )


def answer_link(viewname: str, token: str, answer: str, territory_id: int) -> str:
    return territory_identity.for_id(territory_id).reverse(
        viewname, token=token, answer=SLUG_OF[answer]
    )


def replies_by_sms() -> bool:
    """Whether SMS replies « OUI » / « NON » are understood (the webhook is configured)."""
    return bool(getattr(settings, "SMS_REPLY_WEBHOOK_SECRET", ""))


@transaction.atomic
def ask_appointment_confirmation(*, appointment: Appointment, now: dt.datetime) -> list[Message]:
    """Send « Vous venez toujours ? » once: the row is locked and checked again, the token
    drawn, ``confirmation_asked_at`` set and the messages stored in one transaction."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("beneficiary", "permanence__commune__territory", "permanence__venue")
        .get(pk=appointment.pk)
    )
    if (
        appointment.confirmation_asked_at is not None
        or appointment.confirmation_answer
        or appointment.status != AppointmentStatus.BOOKED
        or appointment.start <= now
    ):
        return []
    token = new_confirmation_token()
    territory_id = appointment.permanence.commune.territory_id
    context = appointment_context(appointment) | {
        "yes_link": answer_link("public:appointment_answer", token, "yes", territory_id),
        "no_link": answer_link("public:appointment_answer", token, "no", territory_id),
        "reply_by_sms": replies_by_sms(),
    }
    messages = _queue_for_person(
        appointment,
        event=CONFIRMATION,
        # One question per date: a moved appointment is asked again for its new date.
        key=f"confirmation:{appointment.start.astimezone(dt.UTC):%Y%m%dT%H%MZ}",
        context=context,
        event_at=appointment.start,
    )
    if not messages:
        # No channel after all (or queued before by a sweep that lost its row): not asked.
        return []
    appointment.confirmation_asked_at = now
    appointment.confirmation_token_hash = hash_token(token)
    appointment.save(
        update_fields=["confirmation_asked_at", "confirmation_token_hash", "updated_at"]
    )
    return messages


def queue_due_confirmations(now: dt.datetime) -> int:
    """Sweeper: ask the appointments whose question is due. Returns how many were asked."""
    asked = 0
    for appointment in due_appointment_confirmations(now)[:BATCH]:
        if ask_appointment_confirmation(appointment=appointment, now=now):
            asked += 1
    return asked


def get_appointment_for_answer(token: str) -> Appointment | None:
    """The appointment behind the links of the question, or behind its private link."""
    if not token or len(token) > 100:
        return None
    hashed = hash_token(token)
    return (
        Appointment.objects.with_related()
        .filter(Q(confirmation_token_hash=hashed) | Q(token_hash=hashed))
        .first()
    )


def _too_late(appointment: Appointment) -> ValidationError:
    territory = appointment.permanence.commune.territory
    call = (
        f" Pour une question, appelez le {territory.service_name} au {territory.contact_phone}."
        if territory.contact_phone
        else ""
    )
    return ValidationError(
        "Ce rendez-vous a déjà commencé : il est trop tard pour répondre." + call, code="too_late"
    )


@transaction.atomic
def answer_appointment_confirmation(
    *, appointment: Appointment, answer: str, via: str = "par le lien"
) -> Appointment:
    """Record the person's answer. « Je ne peux pas venir » cancels the appointment at once
    (as the person's own cancellation: the slot is free again). « Je viens » twice is
    recorded once; « Je viens » then « Je ne peux pas venir » releases the slot."""
    from .services import cancel_appointment

    if answer not in ConfirmationAnswer.values:
        raise ValidationError(
            "Réponse inconnue : choisissez « Je viens » ou « Je ne peux pas venir »."
        )
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("permanence__commune__territory")
        .get(pk=appointment.pk)
    )
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            "Ce rendez-vous est déjà annulé ou terminé : votre réponse n'a pas été enregistrée.",
            code="closed",
        )
    now = clock.now()
    if appointment.start <= now:
        raise _too_late(appointment)
    if appointment.confirmation_answer == answer:
        return appointment
    appointment.confirmation_answer = answer
    appointment.confirmation_answered_at = now
    appointment.save(
        update_fields=["confirmation_answer", "confirmation_answered_at", "updated_at"]
    )
    said = "« Je viens »" if answer == ConfirmationAnswer.YES else "« Je ne peux pas venir »"
    audit.record(
        actor=None,
        obj=appointment,
        action="appointment.confirmation_answered",
        description=f"Rendez-vous {appointment.reference} : la personne répond {said} ({via}).",
        territory_id=appointment.permanence.commune.territory_id,
    )
    if answer == ConfirmationAnswer.NO:
        return cancel_appointment(
            appointment=appointment, by=None, reason=f"réponse {said} ({via})"
        )
    return appointment
