"""The one place where Cadran asks what time it is.

Every rule that depends on "now" calls :func:`now` (or :func:`today`), so tests move time
with time-machine and nothing else.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

PARIS = ZoneInfo("Europe/Paris")


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in Paris."""
    return now().astimezone(PARIS).date()


def paris(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PARIS)
