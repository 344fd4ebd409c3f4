"""Time-driven work about equipment loans, run by the sweep (``cadran.core.sweep``).

:func:`sweep_loans` does two things, each loan in its own transaction:

- a loan still « demandé » or « accepté » whose pickup deadline has passed (its first day
  plus ``CADRAN_LOAN_PICKUP_DAYS``) is cancelled and the borrower told;
- a loan « retiré » whose last day has passed is flagged late once (``late_flagged_at``)
  and the service and the borrower are alerted.

The change of the row is the mark that the work was done, and each service checks it
again on the locked row: a sweep run twice, or by two workers at once, does it once.
The queries read indexes on ``(status, start_date)`` and ``(status, end_date)``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from cadran.core.clock import PARIS

from .models import Loan
from .services import cancel_uncollected_loan, flag_late_loan

BATCH = 200


def uncollected_loans(now: dt.datetime):
    today = now.astimezone(PARIS).date()
    return Loan.objects.not_collected_in_time(today, settings.CADRAN_LOAN_PICKUP_DAYS).order_by(
        "start_date", "pk"
    )


def unflagged_late_loans(now: dt.datetime):
    today = now.astimezone(PARIS).date()
    return Loan.objects.late(today).filter(late_flagged_at__isnull=True).order_by("end_date", "pk")


def cancel_uncollected_loans(now: dt.datetime) -> int:
    return sum(
        cancel_uncollected_loan(loan=loan, now=now) for loan in list(uncollected_loans(now)[:BATCH])
    )


def flag_late_loans(now: dt.datetime) -> int:
    return sum(
        flag_late_loan(loan=loan, now=now) for loan in list(unflagged_late_loans(now)[:BATCH])
    )


def sweep_loans(now: dt.datetime) -> int:
    """Sweeper: cancel the loans not collected in time, flag the late returns. How many."""
    return cancel_uncollected_loans(now) + flag_late_loans(now)
