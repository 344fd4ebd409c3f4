"""The worker: the sweep every minute, and the tasks as soon as they are ready.

    python manage.py cadran_worker [--interval 1] [--sweep-every 60] [--once]

Each turn: run the tasks that are ready (django-tasks-db's worker in batch mode), run the
sweep if it is due (it queues messages and other work), run the tasks it queued, sleep.
Any number of workers may run against PostgreSQL: a task is claimed by one worker
(``SELECT … FOR UPDATE SKIP LOCKED``) and the sweep is idempotent. A task that raises is
recorded as failed and the worker goes on. SIGINT/SIGTERM: finish the current task, stop;
a second signal stops at once.
"""

from __future__ import annotations

import logging
import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import (
    Worker,
    valid_backend_name,
    valid_interval,
)

from cadran.core.sweep import run_sweep

logger = logging.getLogger("cadran.worker")


class Command(BaseCommand):
    help = "Lance le worker de Cadran : tâches en attente et balayage des échéances."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="Secondes d'attente quand il n'y a rien à faire (défaut : 1).",
        )
        parser.add_argument(
            "--sweep-every",
            type=valid_interval,
            default=60.0,
            help="Secondes entre deux balayages des échéances (défaut : 60).",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Un balayage, toutes les tâches prêtes, puis s'arrêter.",
        )
        parser.add_argument(
            "--no-sweep", action="store_true", help="Ne faire que les tâches (pas de balayage)."
        )
        parser.add_argument("--queue-name", default="*", help="Files à traiter (défaut : toutes).")
        parser.add_argument(
            "--backend",
            dest="backend_name",
            type=valid_backend_name,
            default=DEFAULT_TASK_BACKEND_ALIAS,
        )
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, **options) -> None:
        # django-tasks-db logs each batch's start and end at INFO: once a second here.
        if options["verbosity"] < 2:
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        self.stopping = False
        self.worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=True,
            backend_name=options["backend_name"],
            startup_delay=False,
            max_tasks=None,
            worker_id=options["worker_id"] or get_random_string(32),
            excluded_queue_names=[],
        )
        if options["once"]:
            self.run_once(sweep=not options["no_sweep"])
            return
        self._install_signal_handlers()
        self.stdout.write(
            f"Worker démarré (tâches toutes les {options['interval']:g} s, balayage toutes les "
            f"{options['sweep_every']:g} s). Ctrl-C pour arrêter."
        )
        self.stdout.flush()
        try:
            self.loop(
                interval=options["interval"],
                sweep_every=None if options["no_sweep"] else options["sweep_every"],
            )
        finally:
            self._restore_signal_handlers()
        self.stdout.write("Worker arrêté.")

    # -- one turn -------------------------------------------------------------------------
    def run_tasks(self) -> None:
        self.worker.running = True
        self.worker.run()

    def sweep(self) -> None:
        report = run_sweep()
        for path, error in report.errors.items():
            self.stderr.write(f"Balayage : {path} a échoué ({error}).")
        if report.total:
            detail = ", ".join(f"{p.rsplit('.', 1)[-1]}={n}" for p, n in report.counts.items() if n)
            self.stdout.write(f"Balayage : {report.total} élément(s) mis en file ({detail}).")
        logger.debug("Sweep done in %.3f s: %s", report.seconds, report.counts)

    def run_once(self, *, sweep: bool = True) -> None:
        close_old_connections()
        self.run_tasks()
        if sweep:
            self.sweep()
            self.run_tasks()

    def loop(self, *, interval: float, sweep_every: float | None) -> None:
        last_sweep: float | None = None
        while not self.stopping:
            close_old_connections()
            self.run_tasks()
            if self.stopping:
                break
            if sweep_every is not None and (
                last_sweep is None or time.monotonic() - last_sweep >= sweep_every
            ):
                last_sweep = time.monotonic()
                self.sweep()
                if not self.stopping:
                    self.run_tasks()
            close_old_connections()
            self._sleep(interval)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))

    # -- signals --------------------------------------------------------------------------
    def _shutdown(self, signum, frame) -> None:
        if self.stopping:
            logger.warning("Second %s: stopping now.", signal.strsignal(signum))
            self._restore_signal_handlers()
            sys.exit(1)
        logger.warning("%s: stopping after the current task.", signal.strsignal(signum))
        self.stopping = True
        # The batch stops after the task it is running.
        self.worker.running = False

    def _install_signal_handlers(self) -> None:
        self._previous = {
            sig: signal.signal(sig, self._shutdown) for sig in (signal.SIGINT, signal.SIGTERM)
        }

    def _restore_signal_handlers(self) -> None:
        for sig, handler in getattr(self, "_previous", {}).items():
            signal.signal(sig, handler)
