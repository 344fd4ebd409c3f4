"""The ``from``/``to`` period of the list endpoints: defaults, order, span and bounds."""

from __future__ import annotations

import datetime as dt

from ninja.responses import Status

from cadran.core import clock

from .errors import error_body

# Far enough for any real request; dates at the ends of the calendar (year 1, year 9999)
# would overflow once turned into Paris datetimes.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)


def out_of_bounds(date_from: dt.date | None, date_to: dt.date | None) -> Status | None:
    """The 422 answer when ``from`` or ``to`` is outside ``EARLIEST``–``LATEST``, else None.

    Every endpoint with dates checks this before any date arithmetic: ``to − 30 days`` on
    0001-01-01, or a Paris datetime of 9999-12-31, would raise ``OverflowError``.
    """
    for name, value in (("from", date_from), ("to", date_to)):
        if value is not None and not EARLIEST <= value <= LATEST:
            message = f"Choisissez une date entre le {EARLIEST:%d/%m/%Y} et le {LATEST:%d/%m/%Y}."
            return Status(422, error_body("Les dates demandées ne vont pas.", {name: [message]}))
    return None


def resolve_period(
    date_from: dt.date | None, date_to: dt.date | None, *, default_days: int, max_days: int
) -> tuple[dt.date, dt.date] | Status:
    """The period to read, or the 422 answer explaining what is wrong with it."""
    refusal = out_of_bounds(date_from, date_to)
    if refusal is not None:
        return refusal
    start = date_from or clock.today()
    end = date_to or min(start + dt.timedelta(days=default_days), LATEST)
    if end < start:
        message = "La date de fin (to) doit être le même jour ou après la date de début (from)."
        return Status(422, error_body("Les dates demandées ne vont pas.", {"to": [message]}))
    if (end - start).days > max_days:
        message = f"Demandez au plus {max_days} jours à la fois entre from et to."
        return Status(422, error_body("La période demandée est trop longue.", {"to": [message]}))
    return start, end
