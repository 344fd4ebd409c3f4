"""Time-driven work about workshops, run by the sweep (``cadran.core.sweep``).

:func:`decide_due_sessions` finds the sessions (and cycles) still « programmée » whose
decision time has come, and decides each in its own transaction. The status change is the
mark that it was done: a sweep run twice, or two workers at once, decide each session once
(the row is locked and its status checked again inside :func:`decide_session`). The query
reads an index on ``(status, decision_at)``, so its cost does not grow with history.
"""

from __future__ import annotations

import datetime as dt

from .models import Session
from .services import decide_session

BATCH = 200


def due_sessions(now: dt.datetime):
    return Session.objects.due_for_decision(now).order_by("decision_at", "pk")


def decide_due_sessions(now: dt.datetime) -> int:
    """Sweeper: take the decision of every session due at ``now``. Returns how many."""
    decided = 0
    for session in list(due_sessions(now)[:BATCH]):
        if decide_session(session=session, now=now).changed:
            decided += 1
    return decided


def queue_due_confirmations(now: dt.datetime) -> int:
    """Sweeper: « Vous venez toujours ? » to the registered, N days before
    (see :mod:`.confirmations`)."""
    from .confirmations import queue_due_confirmations as queue

    return queue(now)
