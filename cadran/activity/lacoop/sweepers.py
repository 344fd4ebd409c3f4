"""Sweeper (``cadran.core.sweep``): queue the La Coop sync of each active connection every
``CADRAN_LACOOP_SYNC_MINUTES`` minutes.

The mark is ``sync_queued_at``, set by a conditional update in the same transaction that
queues the task: a sweep run twice, or by two workers at once, queues it once. A sync that
failed is queued again at the next interval (its error stays in ``last_error``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from .models import LaCoopConnection
from .tasks import enqueue_sync


def sync_interval() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CADRAN_LACOOP_SYNC_MINUTES)


def queue_lacoop_syncs(now: dt.datetime) -> int:
    """Sweeper: queue the syncs that are due. How many."""
    due = Q(sync_queued_at__isnull=True) | Q(sync_queued_at__lte=now - sync_interval())
    count = 0
    for connection in LaCoopConnection.objects.filter(due, is_active=True).order_by("pk"):
        with transaction.atomic():
            marked = LaCoopConnection.objects.filter(
                pk=connection.pk, sync_queued_at=connection.sync_queued_at
            ).update(sync_queued_at=now)
            if marked:
                enqueue_sync(connection)
                count += 1
    return count
