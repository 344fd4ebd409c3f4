"""The sync runs as a background task, queued by the sweep every
CADRAN_LACOOP_SYNC_MINUTES (or by ``manage.py lacoop_sync``)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

from cadran.activity.lacoop.models import ImportedActivity, LaCoopConnection
from cadran.activity.lacoop.sweepers import queue_lacoop_syncs
from cadran.activity.lacoop.tasks import sync_territory
from cadran.core.clock import PARIS
from cadran.core.sweep import get_sweepers
from tests.activity.lacoop.standin import activite, utilisateur

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def one_activity(lacoop, adviser, estaires):
    mediateur = str(uuid.uuid4())
    lacoop.items["/utilisateurs"].append(utilisateur(adviser.email, mediateur))
    lacoop.activities.append(
        activite(
            mediateur_id=mediateur,
            date="2026-11-25",
            lieu_code_insee="59212",
            type_lieu="domicile",
            modification="2026-11-25T10:00:00Z",
            suppression=None,
        )
    )


def test_the_sweep_lists_the_sweeper():
    assert "cadran.activity.lacoop.sweepers.queue_lacoop_syncs" in dict(get_sweepers())


def test_sweep_queues_once_per_interval_on_the_database_queue(
    settings, connection, frozen_now, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE
    settings.CADRAN_LACOOP_SYNC_MINUTES = 60
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_lacoop_syncs(frozen_now) == 1
        assert queue_lacoop_syncs(frozen_now) == 0  # run twice: queued once
        assert queue_lacoop_syncs(frozen_now + dt.timedelta(minutes=59)) == 0
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "cadran.activity.lacoop.tasks.sync_territory"
    assert queued.args_kwargs["args"] == [connection.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_lacoop_syncs(frozen_now + dt.timedelta(minutes=60)) == 1
    assert DBTaskResult.objects.count() == 2


def test_inactive_connection_is_not_synced(settings, connection, frozen_now):
    settings.TASKS = DATABASE
    LaCoopConnection.objects.filter(pk=connection.pk).update(is_active=False)
    assert queue_lacoop_syncs(frozen_now) == 0
    assert sync_territory.call(connection.pk) == "connexion absente ou désactivée"


def test_the_task_syncs(
    settings, connection, one_activity, frozen_now, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        queue_lacoop_syncs(frozen_now)
    assert ImportedActivity.objects.count() == 1
    connection.refresh_from_db()
    assert connection.last_synced_at is not None
    assert sync_territory.call(connection.pk).startswith("0 lues")


def test_command_queues_a_sync(
    settings, connection, territory, capsys, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE
    with django_capture_on_commit_callbacks(execute=True):
        call_command("lacoop_sync", territory=territory.slug)
    assert "1 synchronisation(s) demandée(s)." in capsys.readouterr().out
    assert DBTaskResult.objects.count() == 1
    with pytest.raises(CommandError, match="Aucune connexion active"):
        call_command("lacoop_sync", territory="nulle-part")


def test_the_real_worker_syncs_once_per_interval(
    transactional_db, settings, connection, one_activity, lacoop
):
    """``manage.py cadran_worker --once``: its sweep queues the sync on the database queue
    and the same worker runs it; run again within the hour, nothing is queued or read."""
    settings.TASKS = DATABASE
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS), tick=True):
        call_command("cadran_worker", "--once")
        assert ImportedActivity.objects.count() == 1
        done = DBTaskResult.objects.get(task_path="cadran.activity.lacoop.tasks.sync_territory")
        assert done.status == "SUCCESSFUL"
        calls = len(lacoop.requests_to("/activites"))
        call_command("cadran_worker", "--once")
    assert DBTaskResult.objects.filter(task_path=done.task_path).count() == 1
    assert len(lacoop.requests_to("/activites")) == calls
