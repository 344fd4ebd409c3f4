"""The reminder sweep never picks up a reminder already queued: a second run at the same
instant or later finds nothing (not merely « queues nothing » thanks to the messages' unique
key), and a reminder waiting to be sent is not queued again."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cadran.core.clock import PARIS
from cadran.notifications.enums import MessageStatus
from cadran.notifications.models import Message
from cadran.scheduling.notifications import notify_appointment_reminder
from cadran.scheduling.sweepers import due_reminders, queue_due_reminders
from tests import factories as f

pytestmark = pytest.mark.django_db

REMINDER = "appointment_reminder"
START = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)  # Wednesday, Estaires' permanence
DUE = dt.datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)  # the day before, at 10:00


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def appointment(permanence):
    person = f.BeneficiaryFactory(
        territory=permanence.commune.territory, email="jeanne@example.org", phone="0612345678"
    )
    with time_machine.travel(START - dt.timedelta(days=10), tick=False):
        return f.AppointmentFactory(
            permanence=permanence,
            beneficiary=person,
            start=START,
            end=START + dt.timedelta(hours=1),
        )


def reminders():
    return Message.objects.filter(event=REMINDER)


def sweep_at(when: dt.datetime) -> int:
    with time_machine.travel(when, tick=False):
        return queue_due_reminders(when)


def test_the_sweep_queues_at_the_due_instant_exactly(appointment):
    assert appointment.permanence.commune.territory.reminder_time == dt.time(10, 0)
    before = DUE - dt.timedelta(microseconds=1)
    assert not due_reminders(before).exists()
    assert sweep_at(before) == 0
    assert list(due_reminders(DUE)) == [appointment]
    assert sweep_at(DUE) == 2  # e-mail and SMS


@pytest.mark.parametrize(
    "later", [dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(hours=3)], ids=str
)
def test_a_second_run_does_not_pick_up_the_reminders_already_queued(appointment, later):
    assert sweep_at(DUE) == 2
    again = DUE + later
    assert not due_reminders(again).exists()
    assert sweep_at(again) == 0
    assert reminders().count() == 2


def test_a_reminder_waiting_to_be_sent_is_not_queued_again(appointment):
    with time_machine.travel(DUE - dt.timedelta(minutes=5), tick=False):
        queued = notify_appointment_reminder(appointment)  # queued by an earlier run
    assert len(queued) == 2
    assert set(reminders().values_list("status", flat=True)) == {MessageStatus.PENDING}
    assert not due_reminders(DUE).exists()
    assert sweep_at(DUE) == 0
    assert reminders().count() == 2
    assert set(reminders().values_list("status", flat=True)) == {MessageStatus.PENDING}
