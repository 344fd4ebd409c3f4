"""The sweep: everything that must happen at a given time, derived from the database.

A sweeper is a function ``fn(now) -> int`` listed in the setting ``CADRAN_SWEEPERS``. It
finds the work that is due at ``now`` and queues it, marking each piece done in the same
transaction as its effect (a ``Message`` row with a unique key, a session's decision…).
So a sweep may run any number of times, from any number of workers, late or early:

- run twice, it does nothing twice (the marks exist);
- run after the worker was down for a day, it finds everything that became due meanwhile;
- its query count does not grow with history (sweepers filter with ``NOT EXISTS``).

``manage.py cadran_worker`` runs the sweep every minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from . import clock

logger = logging.getLogger("cadran.sweep")

Sweeper = Callable[[dt.datetime], int]


@dataclass
class SweepReport:
    now: dt.datetime
    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def get_sweepers() -> list[tuple[str, Sweeper]]:
    return [(path, import_string(path)) for path in settings.CADRAN_SWEEPERS]


def run_sweep(*, now: dt.datetime | None = None) -> SweepReport:
    """Run every sweeper once. One that raises is logged and does not stop the others."""
    report = SweepReport(now=now or clock.now())
    started = time.perf_counter()
    for path, sweeper in get_sweepers():
        try:
            report.counts[path] = int(sweeper(report.now) or 0)
        except Exception as exc:
            logger.exception("Sweeper %s failed", path)
            report.errors[path] = f"{type(exc).__name__}: {exc}"
    report.seconds = time.perf_counter() - started
    return report
