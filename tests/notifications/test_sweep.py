"""The sweep: reminders and digests at the right Paris time, once, whatever the history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadran.core.sweep import run_sweep
from cadran.notifications.enums import MessageStatus
from cadran.notifications.models import Message
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.sweepers import queue_due_reminders, queue_staff_digests, reminder_due_at
from tests import factories as f

from .conftest import make_appointment, paris

REMINDER = "appointment_reminder"


def reminders():
    return Message.objects.filter(event=REMINDER)


def test_reminder_due_at_the_day_before_at_ten_paris_time():
    assert reminder_due_at(paris(2026, 12, 2, 9, 0)) == paris(2026, 12, 1, 10, 0)
    # Monday after the change to winter time (Sunday 25 October 2026): 10:00 is 09:00 UTC.
    assert reminder_due_at(paris(2026, 10, 26, 9, 0)) == dt.datetime(
        2026, 10, 25, 9, 0, tzinfo=dt.UTC
    )
    # Monday after the change to summer time (Sunday 28 March 2027): 10:00 is 08:00 UTC.
    assert reminder_due_at(paris(2027, 3, 29, 9, 0)) == dt.datetime(
        2027, 3, 28, 8, 0, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    "start",
    [
        paris(2026, 12, 2, 9, 0),  # an ordinary week
        paris(2026, 10, 26, 9, 0),  # Monday after the change to winter time
        paris(2026, 10, 25, 14, 0),  # on the Sunday of the change itself
        paris(2027, 3, 29, 9, 0),  # Monday after the change to summer time
        paris(2027, 3, 28, 10, 0),  # on the Sunday of the change itself
    ],
)
def test_reminder_is_sent_once_at_the_right_paris_time(
    permanence,
    person_both,
    travel,
    immediate_tasks,
    django_capture_on_commit_callbacks,
    sms_outbox,
    start,
):
    appointment = make_appointment(permanence, person_both, start)
    due = paris(*(start - dt.timedelta(days=1)).timetuple()[:3], 10, 0)

    travel(due - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_due_reminders(due - dt.timedelta(minutes=1)) == 0
    assert not reminders().exists()

    travel(due)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_due_reminders(due) == 2  # e-mail and SMS
        assert queue_due_reminders(due + dt.timedelta(seconds=30)) == 0
    travel(due + dt.timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_due_reminders(due + dt.timedelta(hours=3)) == 0

    assert reminders().filter(status=MessageStatus.SENT).count() == 2
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1
    assert set(reminders().values_list("event_at", flat=True)) == {appointment.start}


def test_no_reminder_for_a_cancelled_appointment(permanence, person_both):
    make_appointment(
        permanence, person_both, paris(2026, 12, 2, 9, 0), status=AppointmentStatus.EXCUSED
    )
    make_appointment(
        permanence, person_both, paris(2026, 12, 2, 10, 0), status=AppointmentStatus.REVOKED
    )
    assert queue_due_reminders(paris(2026, 12, 1, 18, 0)) == 0


def test_no_reminder_once_the_appointment_has_started(permanence, person_both):
    make_appointment(permanence, person_both, paris(2026, 12, 2, 9, 0))
    assert queue_due_reminders(paris(2026, 12, 2, 9, 0)) == 0
    assert queue_due_reminders(paris(2026, 12, 2, 9, 1)) == 0
    assert not reminders().exists()


def test_no_reminder_for_an_appointment_booked_after_the_reminder_time(permanence, person_both):
    make_appointment(
        permanence, person_both, paris(2026, 12, 2, 9, 0), created=paris(2026, 12, 1, 15, 0)
    )
    assert queue_due_reminders(paris(2026, 12, 1, 15, 1)) == 0


def test_no_reminder_without_email_or_mobile(permanence):
    landline = f.BeneficiaryFactory(territory=permanence.commune.territory, phone="0328000000")
    make_appointment(permanence, landline, paris(2026, 12, 2, 9, 0))
    assert queue_due_reminders(paris(2026, 12, 1, 10, 0)) == 0


def test_a_moved_appointment_is_reminded_again_for_its_new_date(permanence, person_both):
    appointment = make_appointment(permanence, person_both, paris(2026, 12, 2, 9, 0))
    assert queue_due_reminders(paris(2026, 12, 1, 10, 0)) == 2
    new_start = paris(2026, 12, 9, 9, 0)
    type(appointment).objects.filter(pk=appointment.pk).update(
        start=new_start, end=new_start + dt.timedelta(hours=1)
    )
    assert queue_due_reminders(paris(2026, 12, 1, 10, 5)) == 0
    assert queue_due_reminders(paris(2026, 12, 8, 10, 0)) == 2
    assert reminders().count() == 4


# Delivered at 7:00 that morning: the clock of the delivery, not of today.
@time_machine.travel(paris(2026, 12, 2, 7, 0), tick=False)
def test_staff_digest_at_seven_once_per_adviser(
    permanence, person_both, adviser, django_capture_on_commit_callbacks, immediate_tasks
):
    make_appointment(permanence, person_both, paris(2026, 12, 2, 9, 0))
    make_appointment(permanence, person_both, paris(2026, 12, 2, 11, 0))
    other = f.PermanenceFactory(
        commune=permanence.commune, weekday=2, start_time=dt.time(14), end_time=dt.time(17)
    )
    make_appointment(other, person_both, paris(2026, 12, 2, 14, 0))
    make_appointment(other, person_both, paris(2026, 12, 3, 14, 0))  # another day
    assert queue_staff_digests(paris(2026, 12, 2, 6, 59)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_staff_digests(paris(2026, 12, 2, 7, 0)) == 2
        assert queue_staff_digests(paris(2026, 12, 2, 7, 1)) == 0
    mine = next(m for m in mail.outbox if m.to == [adviser.email])
    assert mine.subject == "Vos rendez-vous du mercredi 2 décembre 2026 (2)"
    assert "- 9h : Jeanne M., Estaires" in mine.body
    assert "- 11h : Jeanne M." in mine.body
    assert f"/espace/permanences/{permanence.pk}/jour/2026-12-02/" in mine.body
    assert "Martin" not in mine.body
    # The next day: a new digest for whoever has appointments then.
    assert queue_staff_digests(paris(2026, 12, 3, 7, 0)) == 1


def _history(permanence, size: int, first: int = 0) -> None:
    """Past appointments with their sent messages, cancelled ones, far-future ones."""
    territory = permanence.commune.territory
    people = f.BeneficiaryFactory.create_batch(3, territory=territory, email="x@example.org")
    for i in range(first, first + size):
        past = paris(2026, 6, 3, 9, 0) + dt.timedelta(weeks=i % 20, minutes=60 * (i // 20))
        appointment = make_appointment(
            permanence, people[i % 3], past, status=AppointmentStatus.SEEN
        )
        from .factories import MessageFactory

        MessageFactory(
            territory=territory,
            beneficiary=people[i % 3],
            sent=True,
            event=REMINDER,
            content_type_id=None,
            dedupe_key=f"history:{appointment.pk}",
        )
        far = paris(2027, 1, 6, 9, 0) + dt.timedelta(weeks=i % 20, minutes=60 * (i // 20))
        make_appointment(permanence, people[i % 3], far)
        cancelled = paris(2026, 12, 2, 9, 0) + dt.timedelta(days=i // 3, minutes=60 * (i % 3))
        make_appointment(permanence, people[i % 3], cancelled, status=AppointmentStatus.EXCUSED)


def test_sweep_query_count_does_not_grow_with_history(
    permanence, django_assert_num_queries, db_tasks
):
    now = paris(2026, 12, 1, 10, 30)
    run_sweep(now=now)  # loads the content types once for all
    _history(permanence, 2)
    # Nothing due: about one query per sweeper (some open a savepoint), never one per row.
    with CaptureQueriesContext(connection) as small:
        run_sweep(now=now)
    assert len(small) <= 2 * len(settings.CADRAN_SWEEPERS)
    _history(permanence, 60, first=2)
    with django_assert_num_queries(len(small)):
        run_sweep(now=now)


def _without_confirmations(permanence) -> None:
    """These tests count reminders and digests; « Vous venez toujours ? » has its own
    (tests/scheduling/test_confirmations.py)."""
    territory = permanence.commune.territory
    territory.appointment_confirmation_days = 0
    territory.save(update_fields=["appointment_confirmation_days"])


def test_sweep_with_due_work_costs_the_same_whatever_the_history(
    permanence, person_both, db_tasks, travel
):
    _without_confirmations(permanence)
    now = paris(2026, 12, 1, 10, 30)
    travel(now)
    due = make_appointment(permanence, person_both, paris(2026, 12, 2, 9, 0))
    run_sweep(now=now - dt.timedelta(days=7))
    _history(permanence, 2)
    with CaptureQueriesContext(connection) as small:
        assert run_sweep(now=now).total == 2
    Message.objects.filter(object_id=due.pk).delete()
    _history(permanence, 60, first=2)
    with CaptureQueriesContext(connection) as large:
        assert run_sweep(now=now).total == 2
    assert len(large) == len(small)


def test_sweep_run_twice_queues_nothing_twice(
    permanence, person_both, db_tasks, django_capture_on_commit_callbacks, travel
):
    _without_confirmations(permanence)
    for hour in (9, 10, 11):
        make_appointment(permanence, person_both, paris(2026, 12, 2, hour, 0))
    now = paris(2026, 12, 2, 7, 30)
    travel(now)
    with django_capture_on_commit_callbacks(execute=True):
        first = run_sweep(now=now)
        second = run_sweep(now=now)
    assert first.total == 3 * 2 + 1  # reminders by e-mail and SMS, one digest
    assert second.total == 0
    assert not first.errors
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.count() == 7
