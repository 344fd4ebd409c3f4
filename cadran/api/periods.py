"""The ``from``/``to`` period of the list endpoints: defaults, order, span and bounds."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja.responses import Status
from pydantic import BeforeValidator, WithJsonSchema

from cadran.core import clock

from .errors import DATE_FORMAT, error_body

# Far enough for any real request; dates at the ends of the calendar (year 1, year 9999)
# would overflow once turned into Paris datetimes.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)
# A day between EARLIEST and LATEST, written AAAA-MM-JJ: nothing else is read as a date
# (pydantic alone would take « 0 » or a Unix timestamp for one).
DATE_PATTERN = "^2[0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def bounds_message() -> str:
    return f"Choisissez une date entre le {EARLIEST:%d/%m/%Y} et le {LATEST:%d/%m/%Y}."


def _iso_date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise ValueError(DATE_FORMAT)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(DATE_FORMAT) from None
    if not EARLIEST <= day <= LATEST:
        raise ValueError(bounds_message())
    return day


ApiDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]

DATE_ORDER = "La date de fin (to) doit être le même jour ou après la date de début (from)."
BAD_DATES = "Les dates demandées ne vont pas."
TOO_LONG_DETAIL = "La période demandée est trop longue."


def out_of_bounds(date_from: dt.date | None, date_to: dt.date | None) -> Status | None:
    """The 422 answer when ``from`` or ``to`` is outside ``EARLIEST``–``LATEST``, else None.

    Every endpoint with dates checks this before any date arithmetic: ``to − 30 days`` on
    0001-01-01, or a Paris datetime of 9999-12-31, would raise ``OverflowError``.
    """
    for name, value in (("from", date_from), ("to", date_to)):
        if value is not None and not EARLIEST <= value <= LATEST:
            return Status(422, error_body(BAD_DATES, {name: [bounds_message()]}))
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
        return Status(422, error_body(BAD_DATES, {"to": [DATE_ORDER]}))
    if (end - start).days > max_days:
        message = f"Demandez au plus {max_days} jours à la fois entre from et to."
        return Status(422, error_body(TOO_LONG_DETAIL, {"to": [message]}))
    return start, end
