"""Public holidays (which close permanences) and school holidays (which are only shown)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _public_holidays_for_year(year: int) -> dict[dt.date, str]:
    return dict(holidays.France(years=year, language="fr").items())


def public_holidays(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Metropolitan French public holidays between two dates (inclusive)."""
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _public_holidays_for_year(year).items():
            if start <= day <= end:
                found[day] = name
    return found


@lru_cache(maxsize=64)
def _school_holidays_for_year(year: int, zone: str) -> dict[dt.date, str]:
    return dict(
        holidays.France(years=year, subdiv=zone, categories=("school",), language="fr").items()
    )


def school_holidays(start: dt.date, end: dt.date, zone: str = "Zone B") -> dict[dt.date, str]:
    """School holiday days of a zone (shown on calendars; they close nothing by themselves)."""
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _school_holidays_for_year(year, zone).items():
            if start <= day <= end:
                found[day] = name
    return found
