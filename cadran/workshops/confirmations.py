"""« Vous venez toujours ? » for workshop registrations (docs/decisions/0013).

As for appointments (``cadran.scheduling.confirmations``): asked once,
``Territory.workshop_confirmation_days`` days before the session's day (a cycle: its first
session), at the territory's reminder time, Paris wall-clock. « Je ne peux pas venir »
cancels the registration through :func:`cadran.workshops.services.cancel_registration`,
which gives the place at once to the first person waiting, who is told.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from cadran.core import audit, clock
from cadran.core.tokens import hash_token
from cadran.notifications.models import Message
from cadran.scheduling.confirmations import (
    answer_link,
    due_window,
    new_confirmation_token,
    replies_by_sms,
    territory_settings,
)
from cadran.scheduling.enums import ConfirmationAnswer

from .enums import OPEN_SESSION_STATUSES, RegistrationStatus
from .models import Registration, Session
from .notifications import _to_person, session_context
from .selectors import cycle_sessions

CONFIRMATION = "workshop_confirmation"
BATCH = 500


def _reachable() -> Q:
    mobile = Q()
    for prefix in ("06", "07", "+336", "+337"):
        mobile |= Q(phone__startswith=prefix)
    return Q(email__gt="", notify_email=True) | (Q(notify_sms=True) & mobile)


def _had_place_before(due: dt.datetime) -> Q:
    """Registered before the ask instant, and not given a place from the waiting list since
    (the message « une place s'est libérée » has just been sent)."""
    return Q(created_at__lt=due) & (Q(promoted_at__isnull=True) | Q(promoted_at__lt=due))


def due_registration_confirmations(now: dt.datetime):
    """Registrations holding a place (« inscrit ») whose question is due and not asked yet,
    in sessions still open (not cancelled, not started). The waiting list is not asked."""
    window = Q(pk__in=[])
    territory = "session__workshop__territory__"
    for at, days in territory_settings("workshop_confirmation_days"):
        window |= Q(
            **{f"{territory}reminder_time": at, f"{territory}workshop_confirmation_days": days}
        ) & due_window(
            now, days=days, at=at, start="session__start", booked_before=_had_place_before
        )
    return (
        Registration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            session__status__in=OPEN_SESSION_STATUSES,
            session__start__gt=now,
            confirmation_asked_at__isnull=True,
            confirmation_answer="",
        )
        .filter(window)
        .filter(_reachable())
        .select_related("session__workshop__territory", "session__venue__commune")
        .order_by("session__start", "pk")
    )


@transaction.atomic
def ask_registration_confirmation(*, registration: Registration, now: dt.datetime) -> list[Message]:
    """Send « Vous venez toujours ? » once (row locked and checked again, as for appointments)."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__workshop__territory", "session__venue__commune")
        .get(pk=registration.pk)
    )
    session = registration.session
    if (
        registration.confirmation_asked_at is not None
        or registration.confirmation_answer
        or registration.status != RegistrationStatus.CONFIRMED
        or session.status not in OPEN_SESSION_STATUSES
        or session.start <= now
    ):
        return []
    token = new_confirmation_token()
    territory_id = session.workshop.territory_id
    context = session_context(session, cycle_sessions(session)) | {
        "yes_link": answer_link("public:registration_answer", token, "yes", territory_id),
        "no_link": answer_link("public:registration_answer", token, "no", territory_id),
        "reply_by_sms": replies_by_sms(),
    }
    messages = _to_person(
        registration,
        event=CONFIRMATION,
        # One question per date: a moved session is asked again for its new date.
        key=(
            f"registration:{registration.pk}:confirmation:"
            f"{session.start.astimezone(dt.UTC):%Y%m%dT%H%MZ}"
        ),
        context=context,
        session=session,
    )
    if not messages:
        return []
    registration.confirmation_asked_at = now
    registration.confirmation_token_hash = hash_token(token)
    registration.save(
        update_fields=["confirmation_asked_at", "confirmation_token_hash", "updated_at"]
    )
    return messages


def queue_due_confirmations(now: dt.datetime) -> int:
    """Sweeper: ask the registrations whose question is due. Returns how many were asked."""
    asked = 0
    for registration in due_registration_confirmations(now)[:BATCH]:
        if ask_registration_confirmation(registration=registration, now=now):
            asked += 1
    return asked


def get_registration_for_answer(token: str) -> Registration | None:
    """The registration behind the links of the question, or behind its private link."""
    if not token or len(token) > 100:
        return None
    hashed = hash_token(token)
    return (
        Registration.objects.select_related(
            "session__workshop__territory", "session__venue__commune"
        )
        .filter(Q(confirmation_token_hash=hashed) | Q(token_hash=hashed))
        .first()
    )


@transaction.atomic
def answer_registration_confirmation(
    *, registration: Registration, answer: str, via: str = "par le lien"
) -> Registration:
    """Record the answer. « Je ne peux pas venir » cancels the registration at once: the
    place goes to the first person waiting, who is told (``cancel_registration``)."""
    from .services import _lock, cancel_registration

    if answer not in ConfirmationAnswer.values:
        raise ValidationError(
            "Réponse inconnue : choisissez « Je viens » ou « Je ne peux pas venir »."
        )
    # The session first, then the registration: the order every registration service takes.
    session: Session = _lock(registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if session.is_cancelled:
        raise ValidationError(
            "Cet atelier est annulé : votre réponse n'est plus utile.", code="closed"
        )
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValidationError(
            "Cette inscription est déjà annulée ou terminée : votre réponse n'a pas été "
            "enregistrée.",
            code="closed",
        )
    now = clock.now()
    if session.start <= now:
        territory = session.workshop.territory
        call = (
            f" Pour une question, appelez le {territory.service_name} au {territory.contact_phone}."
            if territory.contact_phone
            else ""
        )
        raise ValidationError(
            "L'atelier a déjà commencé : il est trop tard pour répondre." + call, code="too_late"
        )
    if registration.confirmation_answer == answer:
        return registration
    registration.confirmation_answer = answer
    registration.confirmation_answered_at = now
    registration.save(
        update_fields=["confirmation_answer", "confirmation_answered_at", "updated_at"]
    )
    said = "« Je viens »" if answer == ConfirmationAnswer.YES else "« Je ne peux pas venir »"
    audit.record(
        actor=None,
        obj=registration,
        action="registration.confirmation_answered",
        description=f"Inscription {registration.reference} : la personne répond {said} ({via}).",
        territory_id=session.workshop.territory_id,
    )
    if answer == ConfirmationAnswer.NO:
        return cancel_registration(
            registration=registration, by=None, reason=f"réponse {said} ({via})"
        )
    return registration
