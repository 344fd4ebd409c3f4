"""Time-driven work about appointments, run by the sweep (``cadran.core.sweep``).

Each sweeper reads what is due at ``now`` from the database and queues it; the ``Message``
row (unique ``dedupe_key``) created in the same transaction is the mark that it was done.
Their queries filter with ``NOT EXISTS`` on that mark and on a bounded window of time, so
they cost the same whatever the history; each queues at most ``BATCH`` items per run (the
next run, a minute later, takes the rest).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat

from cadran.accounts.models import User
from cadran.core.clock import PARIS
from cadran.notifications.models import Message
from cadran.territory.models import Territory

from .enums import AppointmentStatus
from .models import Appointment
from .notifications import REMINDER, notify_appointment_reminder, notify_staff_digest

BATCH = 500


def _time_setting(name: str) -> dt.time:
    return dt.time.fromisoformat(getattr(settings, name))


def _at(day: dt.date, when: dt.time) -> dt.datetime:
    """A Paris wall-clock time on a day, as an aware datetime (right across DST changes)."""
    return dt.datetime.combine(day, when, tzinfo=PARIS)


def reminder_due_at(start: dt.datetime, reminder_time: dt.time | None = None) -> dt.datetime:
    """When the reminder of an appointment starting at ``start`` is due: the day before, at
    ``reminder_time`` (its territory's ``Territory.reminder_time``; by default the install's
    ``CADRAN_REMINDER_TIME``), Paris time."""
    day_before = start.astimezone(PARIS).date() - dt.timedelta(days=1)
    return _at(day_before, reminder_time or _time_setting("CADRAN_REMINDER_TIME"))


def _reachable() -> Q:
    return (
        Q(beneficiary__email__gt="")
        | Q(beneficiary__phone__startswith="06")
        | Q(beneficiary__phone__startswith="07")
        | Q(beneficiary__phone__startswith="+336")
        | Q(beneficiary__phone__startswith="+337")
    )


def _reminder_window(now: dt.datetime, reminder_time: dt.time) -> Q:
    """The appointments whose reminder at ``reminder_time`` is due at ``now``."""
    today = now.astimezone(PARIS).date()
    tomorrow = today + dt.timedelta(days=1)
    # Appointments today had their reminder due yesterday; tomorrow's once today's time came.
    yesterday = today - dt.timedelta(days=1)
    window = Q(start__lt=_at(tomorrow, dt.time(0)), created_at__lt=_at(yesterday, reminder_time))
    if now >= _at(today, reminder_time):
        window |= Q(
            start__gte=_at(tomorrow, dt.time(0)),
            start__lt=_at(tomorrow + dt.timedelta(days=1), dt.time(0)),
            created_at__lt=_at(today, reminder_time),
        )
    return window


def due_reminders(now: dt.datetime):
    """Booked appointments whose reminder is due and not yet queued.

    Due: the reminder time of the day before has come, and the appointment has not started.
    Not for an appointment booked after that time (the confirmation has just said it all).
    The time is the one of the appointment's territory (``Territory.reminder_time``): one
    window per distinct time (one query for them, whatever the number of territories).
    """
    times = Territory.objects.order_by().values_list("reminder_time", flat=True).distinct()
    window = Q(pk__in=[])
    for reminder_time in times:
        window |= Q(permanence__commune__territory__reminder_time=reminder_time) & (
            _reminder_window(now, reminder_time)
        )
    already = Message.objects.filter(
        content_type=ContentType.objects.get_for_model(Appointment),
        object_id=OuterRef("pk"),
        event=REMINDER,
        event_at=OuterRef("start"),
    )
    return (
        Appointment.objects.filter(status=AppointmentStatus.BOOKED, start__gt=now)
        .filter(window)
        .filter(_reachable())
        .filter(~Exists(already))
        .select_related("beneficiary", "permanence__commune__territory", "permanence__venue")
        .order_by("start", "pk")
    )


def queue_due_reminders(now: dt.datetime) -> int:
    """Sweeper: the reminders the day before."""
    queued = 0
    for appointment in due_reminders(now)[:BATCH]:
        with transaction.atomic():
            queued += len(notify_appointment_reminder(appointment))
    return queued


def queue_staff_digests(now: dt.datetime) -> int:
    """Sweeper: each adviser's appointments of the day, by e-mail, from the digest time of
    their appointments' territory (``Territory.digest_time``, 7h by default; Paris).

    A worker that was down at 7h sends it when it comes back, the same day; never the next.
    """
    local = now.astimezone(PARIS)
    day = local.date()
    day_start, day_end = _at(day, dt.time(0)), _at(day + dt.timedelta(days=1), dt.time(0))
    todays = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, start__gte=day_start, start__lt=day_end
    )
    # Due once the digest time of an appointment's territory has come (Territory.digest_time);
    # the digest then lists all the adviser's appointments of the day.
    due_today = todays.filter(permanence__commune__territory__digest_time__lte=local.time())
    digest_key = Concat(
        Value("staff_digest:"),
        Cast(OuterRef("pk"), CharField()),
        Value(f":{day.isoformat()}:email"),
        output_field=CharField(),
    )
    advisers = list(
        User.objects.filter(is_active=True, email__gt="")
        # Not a correlated EXISTS: SQLite would walk each adviser's whole history.
        .filter(pk__in=due_today.values("permanence__adviser_id"))
        .filter(~Exists(Message.objects.filter(dedupe_key=digest_key)))
        .order_by("pk")[:BATCH]
    )
    if not advisers:
        return 0
    by_adviser: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in (
        todays.filter(permanence__adviser__in=advisers)
        .select_related("beneficiary", "permanence__commune", "permanence__venue")
        .order_by("start", "pk")
    ):
        by_adviser[appointment.permanence.adviser_id].append(appointment)
    queued = 0
    for adviser in advisers:
        with transaction.atomic():
            if notify_staff_digest(adviser, day, by_adviser[adviser.pk]) is not None:
                queued += 1
    return queued


def queue_due_confirmations(now: dt.datetime) -> int:
    """Sweeper: « Vous venez toujours ? », N days before (see :mod:`.confirmations`)."""
    from .confirmations import queue_due_confirmations as queue

    return queue(now)
