"""The message log tells the truth: a message being sent ends sent or failed, whatever a
cancellation does meanwhile; a claim lost with its worker is released within two minutes;
a task row left running by a dead worker does not stay running for ever."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cadran.core.sweep import run_sweep
from cadran.notifications import services
from cadran.notifications.enums import MessageChannel, MessageStatus
from cadran.notifications.models import Message
from cadran.scheduling.notifications import notify_appointment_reminder
from cadran.scheduling.services import cancel_appointment
from tests import factories as f

from .conftest import NOW_PARIS, DuringSendSmsBackend, make_appointment, paris
from .factories import MessageFactory

pytestmark = pytest.mark.django_db

DURING = "tests.notifications.conftest.DuringSendSmsBackend"
REQUEUE = "cadran.notifications.services.requeue_stale_messages"
RELEASE = "cadran.notifications.services.release_stale_tasks"
CANCELLED = "Plus utile : le rendez-vous a été annulé."


@pytest.fixture
def at():
    """``at(when)`` stops the clock at ``when`` (it does not tick) until the test ends."""
    travellers = []

    def go(when: dt.datetime) -> dt.datetime:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(when, tick=False)
        traveller.start()
        travellers.append(traveller)
        return when

    yield go
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def appointment(permanence, person_both):
    return make_appointment(permanence, person_both, paris(2026, 12, 2, 9, 0))


@pytest.fixture
def reminder(appointment, db_tasks, at, django_capture_on_commit_callbacks) -> Message:
    """The SMS reminder of the appointment, queued at 1 December 10:00, not yet sent."""
    at(paris(2026, 12, 1, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        messages = notify_appointment_reminder(appointment)
    return next(m for m in messages if m.channel == MessageChannel.SMS)


def _state(message: Message) -> tuple[str, int]:
    message.refresh_from_db()
    return message.status, message.attempts


# --- A withdrawal during the send --------------------------------------------------------------


def test_a_cancellation_during_the_send_leaves_the_message_sent(
    settings, appointment, reminder, sms_outbox
):
    settings.SMS_BACKEND = DURING
    seen = {}

    def person_cancels(sms):
        message = Message.objects.get(pk=reminder.pk)
        seen.update(status=message.status, claimed_at=message.claimed_at)
        cancel_appointment(appointment=appointment)  # by the person, on the public page

    DuringSendSmsBackend.during = person_cancels
    assert services.deliver(reminder.pk) == "envoyé"

    assert seen == {"status": MessageStatus.SENDING, "claimed_at": paris(2026, 12, 1, 10, 0)}
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.SENT
    assert reminder.sent_at == paris(2026, 12, 1, 10, 0)
    assert reminder.withdraw_reason == CANCELLED
    assert reminder.last_error == ""
    assert [s.body for s in sms_outbox] == [reminder.body]
    # The e-mail reminder, not claimed yet, is withdrawn; the cancellation is on its way.
    email = Message.objects.get(event="appointment_reminder", channel=MessageChannel.EMAIL)
    assert (email.status, email.last_error) == (MessageStatus.WITHDRAWN, CANCELLED)
    cancellation = Message.objects.filter(event="appointment_cancelled")
    assert set(cancellation.values_list("status", flat=True)) == {MessageStatus.PENDING}


def test_a_send_that_fails_after_a_withdrawal_is_withdrawn_not_retried(
    settings, appointment, reminder, sms_outbox, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = DURING
    DuringSendSmsBackend.refuse = True
    DuringSendSmsBackend.during = lambda sms: services.withdraw_pending_messages(
        target=appointment, reason=CANCELLED
    )
    tasks_before = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver(reminder.pk) == "retiré"
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.WITHDRAWN
    assert reminder.last_error.startswith(CANCELLED)
    assert "HTTP 502" in reminder.last_error
    assert DBTaskResult.objects.count() == tasks_before  # no retry planned
    assert sms_outbox == []


def test_a_withdrawal_before_the_claim_still_withdraws(appointment, reminder, sms_outbox):
    cancel_appointment(appointment=appointment)
    assert services.deliver(reminder.pk) == "déjà traité (withdrawn)"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (MessageStatus.WITHDRAWN, CANCELLED)
    assert reminder.attempts == 0 and reminder.claimed_at is None
    assert sms_outbox == []


# --- A failed send ----------------------------------------------------------------------------


def test_a_failed_send_goes_back_to_pending_with_the_retry_delay(
    settings, territory, db_tasks, at, sms_outbox, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = DURING
    now = at(NOW_PARIS)
    message = MessageFactory(territory=territory)
    seen = []
    DuringSendSmsBackend.during = lambda sms: seen.append(_state(Message.objects.get()))
    DuringSendSmsBackend.refuse = True
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver(message.pk) == "nouvel essai prévu"
    assert seen == [(MessageStatus.SENDING, 1)]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.next_attempt_at == now + dt.timedelta(seconds=60)
    assert message.claimed_at == now
    assert "HTTP 502" in message.last_error
    (retry,) = DBTaskResult.objects.all()
    assert retry.run_after == now + dt.timedelta(seconds=60)
    assert retry.args_kwargs == {"args": [message.pk], "kwargs": {}}
    # The task comes back at its time: sent.
    at(now + dt.timedelta(seconds=60))
    assert services.deliver(message.pk) == "envoyé"
    assert _state(message) == (MessageStatus.SENT, 2)


def test_a_failure_on_the_last_attempt_is_failed(settings, territory, at, sms_outbox):
    settings.SMS_BACKEND = DURING
    settings.CADRAN_MESSAGE_MAX_ATTEMPTS = 2
    at(NOW_PARIS)
    message = MessageFactory(territory=territory, attempts=1)
    DuringSendSmsBackend.refuse = True
    assert services.deliver(message.pk) == "échec définitif"
    assert _state(message) == (MessageStatus.FAILED, 2)


# --- A worker killed during the send ---------------------------------------------------------


def test_the_claim_timeout_comes_from_the_send_timeouts(settings):
    settings.EMAIL_TIMEOUT, settings.SMS_TIMEOUT = 20, 10
    assert services.claim_timeout() == dt.timedelta(seconds=70)
    settings.EMAIL_TIMEOUT, settings.SMS_TIMEOUT = 5, 40
    assert services.claim_timeout() == dt.timedelta(seconds=110)


def test_a_claim_lost_with_its_worker_is_released_at_the_timeout_and_sent(
    settings, territory, db_tasks, at, sms_outbox, django_capture_on_commit_callbacks
):
    claimed = at(NOW_PARIS)
    message = MessageFactory(
        territory=territory, status=MessageStatus.SENDING, claimed_at=claimed, attempts=1
    )
    timeout = services.claim_timeout()
    assert timeout == dt.timedelta(seconds=70)

    # One second before the timeout: the worker may still be waiting for the provider.
    edge = claimed + timeout
    with django_capture_on_commit_callbacks(execute=True):
        report = run_sweep(now=at(edge - dt.timedelta(seconds=1)))
    assert report.counts[REQUEUE] == 0
    assert _state(message) == (MessageStatus.SENDING, 1)
    assert not DBTaskResult.objects.exists()

    # At the timeout: released and queued at once.
    with django_capture_on_commit_callbacks(execute=True):
        report = run_sweep(now=at(edge))
    assert report.counts[REQUEUE] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.next_attempt_at == edge
    assert message.last_error == (
        "Le worker s'est arrêté pendant l'envoi (pris en charge le 27/11/2026 10:00:00) : "
        "le message a pu partir. Nouvel essai."
    )
    (task,) = DBTaskResult.objects.all()
    assert task.status == "READY" and task.args_kwargs["args"] == [message.pk]
    # Released once only.
    with django_capture_on_commit_callbacks(execute=True):
        assert run_sweep(now=edge).counts[REQUEUE] == 0
    assert DBTaskResult.objects.count() == 1

    # The next delivery sends it.
    assert services.deliver(message.pk) == "envoyé"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 2, "")
    assert message.sent_at == edge
    assert len(sms_outbox) == 1


def test_a_lost_claim_after_the_last_attempt_or_a_withdrawal_is_not_sent_again(
    settings, territory, db_tasks, at, django_capture_on_commit_callbacks
):
    settings.CADRAN_MESSAGE_MAX_ATTEMPTS = 3
    claimed = at(NOW_PARIS)
    last = MessageFactory(
        territory=territory, status=MessageStatus.SENDING, claimed_at=claimed, attempts=3
    )
    withdrawn = MessageFactory(
        territory=territory,
        status=MessageStatus.SENDING,
        claimed_at=claimed,
        attempts=1,
        withdraw_reason=CANCELLED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stale_messages(claimed + dt.timedelta(minutes=2)) == 2
    last.refresh_from_db()
    withdrawn.refresh_from_db()
    assert last.status == MessageStatus.FAILED
    assert last.last_error.endswith("le message a pu partir. Dernière tentative.")
    assert withdrawn.status == MessageStatus.WITHDRAWN
    assert withdrawn.last_error.endswith(f"a pu partir. Pas de nouvel essai : {CANCELLED}")
    assert not DBTaskResult.objects.exists()


def test_a_slow_worker_whose_claim_was_released_does_not_undo_the_next_send(
    settings, territory, db_tasks, at, sms_outbox, django_capture_on_commit_callbacks
):
    """The first worker is slower than the claim timeout: the sweep releases its claim, a
    second worker sends the message. The first one then fails: the message stays sent."""
    settings.SMS_BACKEND = DURING
    claimed = at(NOW_PARIS)
    message = MessageFactory(territory=territory)
    late = claimed + services.claim_timeout()

    def meanwhile(sms):
        at(late)
        with django_capture_on_commit_callbacks(execute=False):
            assert services.requeue_stale_messages(late) == 1
        assert services.deliver(message.pk) == "envoyé"  # the second worker
        DuringSendSmsBackend.refuse = True  # and the first one's provider gives up

    DuringSendSmsBackend.during = meanwhile
    assert services.deliver(message.pk) == "déjà traité (sent)"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (MessageStatus.SENT, 2, late)
    assert len(sms_outbox) == 1


def test_a_slow_worker_that_succeeds_after_its_release_marks_the_message_sent(
    settings, territory, db_tasks, at, sms_outbox, django_capture_on_commit_callbacks
):
    """At-least-once: released while the provider was still accepting it, the message may
    reach the person twice, and the log says sent."""
    settings.SMS_BACKEND = DURING
    claimed = at(NOW_PARIS)
    message = MessageFactory(territory=territory)
    late = claimed + services.claim_timeout()

    def meanwhile(sms):
        at(late)
        with django_capture_on_commit_callbacks(execute=False):
            assert services.requeue_stale_messages(late) == 1

    DuringSendSmsBackend.during = meanwhile
    assert services.deliver(message.pk) == "envoyé"
    assert _state(message) == (MessageStatus.SENT, 1)
    # The task the sweep queued finds it sent.
    assert services.deliver(message.pk) == "déjà traité (sent)"
    assert len(sms_outbox) == 1


# --- Task rows left running ----------------------------------------------------------------


def _running(started_at: dt.datetime) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="cadran.notifications.tasks.deliver_message",
        backend_name="default",
        run_after=started_at,
        started_at=started_at,
        worker_ids=["dead-worker"],
    )


def test_a_task_left_running_is_released_after_the_bound(client, culture_user, at):
    now = at(NOW_PARIS)
    bound = dt.timedelta(minutes=10)
    stale = _running(now - bound)
    recent = _running(now - bound + dt.timedelta(seconds=1))

    report = run_sweep(now=now)
    assert report.counts[RELEASE] == 1
    stale.refresh_from_db()
    recent.refresh_from_db()
    assert recent.status == "RUNNING" and recent.finished_at is None
    assert stale.status == "FAILED"
    assert stale.finished_at == now
    assert stale.exception_class_path == "cadran.notifications.services.TaskLost"
    assert "Tâche abandonnée" in stale.traceback
    assert run_sweep(now=now).counts[RELEASE] == 0

    # The page of failed tasks shows it, in words.
    client.force_login(culture_user)
    content = client.get(reverse("notifications:failed_tasks")).content.decode()
    assert "<strong>TaskLost</strong> : Tâche abandonnée : toujours « en cours » après 10 min" in (
        content
    )
    assert "1 tâche en échec." in content


def test_the_bound_is_a_setting(settings, at):
    settings.CADRAN_STALE_TASK_MINUTES = 30
    now = at(NOW_PARIS)
    task = _running(now - dt.timedelta(minutes=29, seconds=59))
    assert services.release_stale_tasks(now) == 0
    assert services.release_stale_tasks(now + dt.timedelta(seconds=1)) == 1
    task.refresh_from_db()
    assert task.status == "FAILED"


# --- What the staff read -----------------------------------------------------------------------


def test_the_log_shows_a_message_being_sent_in_french(client, culture_user, territory, at):
    at(NOW_PARIS)
    MessageFactory(
        territory=territory,
        status=MessageStatus.SENDING,
        claimed_at=NOW_PARIS,
        recipient="0600000001",
    )
    MessageFactory(territory=territory, sent=True, withdraw_reason=CANCELLED)
    client.force_login(culture_user)
    response = client.get(reverse("notifications:message_list"))
    content = response.content.decode()
    assert "En cours d&#x27;envoi</span>" in content
    assert "Déjà en cours d'envoi quand il a été retiré : Plus utile" in content
    assert ("sending", "En cours d'envoi") in response.context["form"].fields["status"].choices
    filtered = client.get(reverse("notifications:message_list"), {"status": "sending"})
    assert [r["recipient"] for r in filtered.context["rows"]] == ["0600000001"]


def test_staff_admin_filters_on_the_new_state(client, territory, at):
    at(NOW_PARIS)
    MessageFactory(territory=territory, status=MessageStatus.SENDING, claimed_at=NOW_PARIS)
    admin = f.UserFactory(culture_service=True, is_superuser=True, is_staff=True)
    client.force_login(admin)
    content = client.get(
        reverse("admin:notifications_message_changelist"), {"status__exact": "sending"}
    ).content.decode()
    assert "En cours d&#x27;envoi" in content
    assert "1 message" in content
