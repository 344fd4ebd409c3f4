"""The worker: catches up exactly once after a stop, survives bad tasks, stops cleanly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.core.sweep import run_sweep
from cadran.notifications.enums import MessageStatus
from cadran.notifications.models import Message
from cadran.notifications.services import claim_timeout, enqueue_delivery
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from tests import factories as f

from .conftest import make_appointment, paris
from .factories import MessageFactory

ROOT = Path(__file__).resolve().parents[2]
REQUEUE = "cadran.notifications.services.requeue_stale_messages"
RELEASE = "cadran.notifications.services.release_stale_tasks"


@task()
def explode() -> None:
    raise RuntimeError("a bad task")


def _statuses() -> dict[str, int]:
    return {
        status: DBTaskResult.objects.filter(status=status).count()
        for status in ("READY", "RUNNING", "SUCCESSFUL", "FAILED")
    }


def _schedule(permanence, person):
    """Appointments whose deadlines fall while the worker is stopped (29 Nov → 2 Dec).

    These tests count reminders and digests: « Vous venez toujours ? » is off for the
    territory (its own tests: tests/scheduling/test_confirmations.py)."""
    territory = permanence.commune.territory
    territory.appointment_confirmation_days = 0
    territory.save(update_fields=["appointment_confirmation_days"])
    return {
        "started": make_appointment(permanence, person, paris(2026, 12, 2, 9, 0)),
        "afternoon": make_appointment(permanence, person, paris(2026, 12, 2, 14, 0)),
        "tomorrow": make_appointment(permanence, person, paris(2026, 12, 3, 10, 0)),
        "cancelled": make_appointment(
            permanence, person, paris(2026, 12, 3, 11, 0), status=AppointmentStatus.EXCUSED
        ),
        "later": make_appointment(permanence, person, paris(2026, 12, 4, 14, 0)),
    }


def test_a_stopped_worker_catches_up_exactly_once(
    transactional_db, permanence, person_both, adviser, travel, sms_outbox, db_tasks
):
    travel(paris(2026, 11, 29, 12, 0))
    call_command("cadran_worker", "--once")  # the worker runs, then stops
    appointments = _schedule(permanence, person_both)

    # The clock moves past the reminders of 1 and 2 December 10:00 and the digest of
    # 2 December 7:00, and past the start of the 9:00 appointment; nobody was sweeping.
    travel(paris(2026, 12, 2, 10, 30))
    call_command("cadran_worker", "--once")

    reminders = Message.objects.filter(event="appointment_reminder")
    assert sorted(reminders.values_list("object_id", flat=True)) == sorted(
        [appointments["afternoon"].pk] * 2 + [appointments["tomorrow"].pk] * 2
    )
    assert Message.objects.filter(event="staff_digest").count() == 1
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert len(sms_outbox) == 2
    assert len(mail.outbox) == 3  # two reminders, one digest
    assert _statuses() == {"READY": 0, "RUNNING": 0, "SUCCESSFUL": 5, "FAILED": 0}

    # Started again, and again: nothing twice.
    call_command("cadran_worker", "--once")
    travel(paris(2026, 12, 2, 18, 0))
    call_command("cadran_worker", "--once")
    assert Message.objects.count() == 5
    assert len(sms_outbox) == 2 and len(mail.outbox) == 3
    # The next deadline comes: exactly the one new reminder (by e-mail and SMS).
    travel(paris(2026, 12, 3, 10, 0, 30))
    call_command("cadran_worker", "--once")
    assert reminders.filter(object_id=appointments["later"].pk).count() == 2
    assert Message.objects.filter(event="staff_digest").count() == 2  # 3 December's
    assert len(sms_outbox) == 3


def test_a_task_that_raises_is_recorded_failed_and_does_not_block_the_queue(
    transactional_db, territory, sms_outbox, db_tasks
):
    explode.enqueue()
    message = MessageFactory(territory=territory)
    enqueue_delivery(message.pk)
    call_command("cadran_worker", "--once", "--no-sweep")
    assert DBTaskResult.objects.get(task_path__endswith="explode").status == "FAILED"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(sms_outbox) == 1


def _subprocess_env() -> dict[str, str]:
    """The environment of a worker process using this test database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = os.environ.copy()
    env.update(
        DATABASE_URL=url,
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        SMS_BACKEND="cadran.notifications.backends.sms.ConsoleSmsBackend",
        LOG_LEVEL="WARNING",
        PYTHONWARNINGS="error",
    )
    return env


def _worker(*args: str, **kwargs):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "cadran_worker", *args],
        cwd=ROOT,
        env=_subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


def test_a_real_worker_process_catches_up_exactly_once(
    real_clock, transactional_db, permanence, person_both, db_tasks
):
    """Against the test database (SQLite file or PostgreSQL), at the real time: the deadlines
    passed while no worker ran; one ``cadran_worker --once`` does everything, once."""
    territory = permanence.commune.territory
    territory.appointment_confirmation_days = 0  # reminders only (see _schedule)
    territory.save(update_fields=["appointment_confirmation_days"])
    now = clock.now()
    created = now - dt.timedelta(days=3)
    due = [
        make_appointment(permanence, person_both, now + dt.timedelta(hours=h), created=created)
        for h in (1, 2, 3)
    ]
    make_appointment(
        permanence,
        person_both,
        now + dt.timedelta(hours=2, minutes=30),
        created=created,
        status=AppointmentStatus.REVOKED,
    )
    make_appointment(permanence, person_both, now - dt.timedelta(minutes=10), created=created)
    make_appointment(permanence, person_both, now + dt.timedelta(days=3), created=created)
    lost = MessageFactory(
        territory=permanence.commune.territory, next_attempt_at=now - dt.timedelta(minutes=20)
    )
    # The adviser's digest is due if it is past 7h in Paris and they have appointments today.
    local = now.astimezone(PARIS)
    todays = [
        a
        for a in Appointment.objects.filter(status=AppointmentStatus.BOOKED)
        if a.start.astimezone(PARIS).date() == local.date()
    ]
    digest_expected = int(local.time() >= dt.time(7) and bool(todays))

    result = _worker("--once")
    assert result.returncode == 0, result.stderr

    reminders = Message.objects.filter(event="appointment_reminder")
    assert sorted(reminders.values_list("object_id", flat=True)) == sorted([a.pk for a in due] * 2)
    assert Message.objects.filter(event="staff_digest").count() == digest_expected
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    lost.refresh_from_db()
    assert lost.status == MessageStatus.SENT
    expected_tasks = 6 + digest_expected + 1
    assert _statuses() == {"READY": 0, "RUNNING": 0, "SUCCESSFUL": expected_tasks, "FAILED": 0}
    assert result.stdout.count("--- SMS à 0612345678 ---") == 3

    again = _worker("--once")
    assert again.returncode == 0, again.stderr
    assert Message.objects.count() == 6 + digest_expected + 1
    assert DBTaskResult.objects.count() == expected_tasks
    assert "SMS" not in again.stdout


def test_a_worker_killed_mid_send_is_replaced_within_two_minutes(
    real_clock, transactional_db, territory, sms_outbox, db_tasks
):
    """A real worker is killed (SIGKILL) while the provider has the message: the message
    stays « en cours d'envoi » and its task row « running ». The sweep releases the claim
    after the claim timeout (70 s) and the message is sent by the next worker; the dead
    task row is recorded failed after 10 minutes."""
    message = MessageFactory(territory=territory, next_attempt_at=clock.now())
    enqueue_delivery(message.pk)
    env = _subprocess_env() | {"SMS_BACKEND": "tests.notifications.sms_backends.HangingSmsBackend"}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "cadran_worker", "--once", "--no-sweep"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).exists():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the worker never claimed the message"
            time.sleep(0.1)
    finally:
        process.kill()
        process.wait(timeout=20)
        process.stderr.close()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING and message.attempts == 1
    (dead,) = DBTaskResult.objects.all()
    assert dead.status == "RUNNING"

    claimed = message.claimed_at
    with time_machine.travel(claimed + claim_timeout() - dt.timedelta(seconds=1), tick=False):
        assert run_sweep().counts[REQUEUE] == 0
    with time_machine.travel(claimed + claim_timeout(), tick=False):
        assert run_sweep().counts[REQUEUE] == 1
        call_command("cadran_worker", "--once", "--no-sweep")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert message.sent_at - claimed == claim_timeout()
    assert len(sms_outbox) == 1
    dead.refresh_from_db()
    assert dead.status == "RUNNING"  # not yet: a task may run longer than one send

    with time_machine.travel(dead.started_at + dt.timedelta(minutes=10), tick=False):
        report = run_sweep()
    assert report.counts[RELEASE] == 1 and report.counts[REQUEUE] == 0
    dead.refresh_from_db()
    assert dead.status == "FAILED"
    assert _statuses() == {"READY": 0, "RUNNING": 0, "SUCCESSFUL": 1, "FAILED": 1}


def test_the_worker_stops_cleanly_on_sigterm(transactional_db):
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "cadran_worker", "--interval", "0.2"],
        cwd=ROOT,
        env=_subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert "Worker démarré" in first_line
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Worker arrêté." in out


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
    reason="Concurrent sweeps need PostgreSQL: SQLite serialises writers anyway.",
)
def test_two_sweeps_at_once_queue_each_message_once(transactional_db, permanence, db_tasks, travel):
    territory = permanence.commune.territory
    territory.appointment_confirmation_days = 0  # reminders only (see _schedule)
    territory.save(update_fields=["appointment_confirmation_days"])
    for i in range(20):
        person = f.BeneficiaryFactory(
            territory=territory, email=f"p{i}@example.org", phone=f"06000000{i:02d}"
        )
        make_appointment(
            permanence, person, paris(2026, 12, 2, 9, 0) + dt.timedelta(minutes=30 * i)
        )
    now = paris(2026, 12, 2, 7, 30)
    travel(now)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            reports.append(run_sweep(now=now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert all(not r.errors for r in reports)
    assert Message.objects.filter(event="appointment_reminder").count() == 40
    assert Message.objects.filter(event="staff_digest").count() == 1
    assert sum(r.total for r in reports) == 41  # each queued by one sweep only
    assert DBTaskResult.objects.count() == 41
