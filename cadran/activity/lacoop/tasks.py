"""The La Coop sync as a background task (run by ``manage.py cadran_worker``)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_tasks import task


@task()
def sync_territory(connection_id: int) -> str:
    """One sync of a territory's connection (see :mod:`cadran.activity.lacoop.sync`)."""
    from .models import LaCoopConnection
    from .sync import sync_connection

    connection = LaCoopConnection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is None:
        return "connexion absente ou désactivée"
    return str(sync_connection(connection))


def enqueue_sync(connection) -> None:
    """Queue a sync once the current transaction commits."""
    transaction.on_commit(partial(sync_territory.enqueue, connection.pk), robust=True)
