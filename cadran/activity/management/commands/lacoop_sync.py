"""``manage.py lacoop_sync [--territory SLUG]``: queue a La Coop sync now (the worker runs
it); the sweep otherwise queues one every ``CADRAN_LACOOP_SYNC_MINUTES``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cadran.activity.lacoop.models import LaCoopConnection
from cadran.activity.lacoop.tasks import enqueue_sync
from cadran.core import clock


class Command(BaseCommand):
    help = "Demande une synchronisation avec La Coop (exécutée par cadran_worker)."

    def add_arguments(self, parser):
        parser.add_argument("--territory", help="identifiant (slug) du territoire")

    def handle(self, *args, territory=None, **options):
        connections = LaCoopConnection.objects.filter(is_active=True).select_related("territory")
        if territory:
            connections = connections.filter(territory__slug=territory)
            if not connections.exists():
                raise CommandError(f"Aucune connexion active à La Coop pour « {territory} ».")
        count = 0
        with transaction.atomic():
            for connection in connections:
                LaCoopConnection.objects.filter(pk=connection.pk).update(sync_queued_at=clock.now())
                enqueue_sync(connection)
                count += 1
        self.stdout.write(f"{count} synchronisation(s) demandée(s).")
