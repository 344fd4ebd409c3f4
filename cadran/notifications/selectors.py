"""Reads for the staff pages of the message log: what a screen shows, in a fixed number of
queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, CharField, OuterRef, QuerySet, Subquery, Value, When
from django_tasks_db.models import DBTaskResult

from cadran.scheduling.models import Appointment

from .models import Message, MessageQuerySet

# Events in words a member of staff understands (the codes are the message's ``event``).
EVENT_LABELS: dict[str, str] = {
    "appointment_booked": "Confirmation du rendez-vous",
    "appointment_moved": "Rendez-vous déplacé",
    "appointment_cancelled": "Rendez-vous annulé",
    "appointment_reminder": "Rappel la veille",
    "appointment_confirmation": "Vous venez toujours ? (rendez-vous)",
    "workshop_confirmation": "Vous venez toujours ? (atelier)",
    "staff_digest": "Rendez-vous du jour (conseiller)",
    "appointment_venue_changed": "Rendez-vous : nouveau lieu",
    "agreement_appointment_after_end": "Rendez-vous après la fin de la convention",
    "agreement_cap_approaching": "Convention : limite proche",
    "agreement_last_period": "Convention : dernière période",
    "agreement_notice_running": "Convention : préavis en cours",
    "agreement_renewal_due": "Convention : décider la reconduction",
    "equipment_loan_requested": "Prêt de matériel demandé",
    "equipment_loan_approved": "Prêt de matériel accepté",
    "equipment_loan_cancelled": "Prêt de matériel annulé",
    "equipment_loan_auto_cancelled": "Prêt annulé (matériel non retiré)",
    "equipment_loan_late": "Retour de matériel en retard",
    "venue_change_decided": "Changement de lieu : décision",
    "venue_change_staff": "Changement de lieu : à l'équipe",
    "workshop_registered": "Inscription à un atelier",
    "workshop_waiting": "Liste d'attente d'un atelier",
    "workshop_promoted": "Place libérée : inscription confirmée",
    "workshop_registration_cancelled": "Inscription à un atelier annulée",
    "workshop_request_decided": "Demande d'intervention : décision",
    "workshop_session_cancelled": "Séance d'atelier annulée",
    "workshop_session_confirmed": "Séance d'atelier confirmée",
    "workshop_session_moved": "Séance d'atelier déplacée",
    "workshop_similar_session": "Atelier semblable : places disponibles",
    "workshop_venue_changed": "Séance d'atelier : nouveau lieu",
    "workshop_staff_session_cancelled": "Séance annulée (à l'équipe)",
    "workshop_staff_session_confirmed": "Séance confirmée (à l'équipe)",
    "workshop_staff_session_scheduled": "Séance programmée (à l'équipe)",
}

# Background tasks in plain words; any other task shows its code name.
TASK_LABELS: dict[str, str] = {
    "cadran.notifications.tasks.deliver_message": "Envoi d'un e-mail ou d'un SMS",
}

FAILED_TASKS_DAYS = 30
EXCEPTION_MESSAGE_LENGTH = 300


def event_label(code: str) -> str:
    return EVENT_LABELS.get(code, code.replace("_", " "))


def message_log(user, *, status: str = "", channel: str = "", event: str = "") -> MessageQuerySet:
    """The territory's message log, newest first, filtered, with the reference of the
    appointment each message is about (``appointment_pk``, ``appointment_reference``: one
    subquery, not one query a row). The texts (body, invitation) are not loaded."""
    messages = Message.objects.visible_to(user)
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if event:
        messages = messages.filter(event=event)
    about_appointment = {
        "content_type__app_label": Appointment._meta.app_label,
        "content_type__model": Appointment._meta.model_name,
    }
    reference = Appointment.objects.filter(pk=OuterRef("object_id")).values("reference")[:1]
    return (
        messages.annotate(
            appointment_reference=Case(
                When(**about_appointment, then=Subquery(reference)),
                default=Value(None),
                output_field=CharField(),
            )
        )
        .defer("body", "ics", "subject", "template", "dedupe_key")
        .order_by("-created_at", "-pk")
    )


def failed_message_count(user) -> int:
    return Message.objects.visible_to(user).failed().count()


def message_events(user) -> list[tuple[str, str]]:
    """Events to filter on: the known ones and any other found in the user's log."""
    codes = set(
        Message.objects.visible_to(user).order_by().values_list("event", flat=True).distinct()
    )
    codes |= set(EVENT_LABELS)
    return sorted(((code, event_label(code)) for code in codes), key=lambda c: c[1])


# --- Failed background tasks --------------------------------------------------------------


def failed_tasks(user, *, now: dt.datetime) -> QuerySet[DBTaskResult]:
    """Tasks recorded as failed by the worker in the last 30 days, newest first.

    The task queue belongs to the install, not to a territory: the Service Culture and the
    coordination of every territory see the same list (the page shows what failed and why,
    never the task's arguments). Nobody else sees it.
    """
    if not (user.is_authenticated and user.manages_territory):
        return DBTaskResult.objects.none()
    since = now - dt.timedelta(days=FAILED_TASKS_DAYS)
    return (
        DBTaskResult.objects.failed()
        .filter(finished_at__gte=since)
        .defer("args_kwargs", "return_value")
        .order_by("-finished_at", "-enqueued_at")
    )


@dataclass(frozen=True)
class FailedTask:
    id: str
    name: str
    task_path: str
    exception_class: str
    exception_message: str
    enqueued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    traceback: str


def describe_failed_task(result: DBTaskResult) -> FailedTask:
    """What a person reads: the task in words, the error's class and message (the last line
    of the traceback, which names the exception that ended the task)."""
    exception_class = result.exception_class_path.rsplit(".", 1)[-1]
    lines = [line for line in result.traceback.splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    head, sep, rest = last.partition(":")
    if sep and head.rsplit(".", 1)[-1] == exception_class:
        message = rest.strip()
    elif last.rsplit(".", 1)[-1] == exception_class:
        message = ""
    else:
        message = last
    if len(message) > EXCEPTION_MESSAGE_LENGTH:
        message = message[: EXCEPTION_MESSAGE_LENGTH - 1] + "…"
    return FailedTask(
        id=str(result.pk),
        name=TASK_LABELS.get(result.task_path, result.task_path.rsplit(".", 1)[-1]),
        task_path=result.task_path,
        exception_class=exception_class,
        exception_message=message,
        enqueued_at=result.enqueued_at,
        started_at=result.started_at,
        finished_at=result.finished_at,
        traceback=result.traceback,
    )


def failed_about_appointments(appointments) -> MessageQuerySet:
    """Failed messages about these appointments (an adviser's start page: the person was
    not told, someone should call them). The content type is matched by name in the same
    query, so the count costs one query whatever the cache."""
    return Message.objects.failed().filter(
        content_type__app_label=Appointment._meta.app_label,
        content_type__model=Appointment._meta.model_name,
        object_id__in=appointments.values("pk"),
    )
