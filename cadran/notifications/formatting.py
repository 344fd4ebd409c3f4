"""Dates and hours written the way people say them, in French, whatever the server's locale."""

from __future__ import annotations

import datetime as dt

from cadran.core.clock import paris

DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def hour_label(value: dt.datetime | dt.time) -> str:
    """``9h``, ``14h30`` (Paris time for a datetime)."""
    t = paris(value).time() if isinstance(value, dt.datetime) else value
    return f"{t.hour}h{t.minute:02d}" if t.minute else f"{t.hour}h"


def day_label(value: dt.datetime | dt.date, *, year: bool = True) -> str:
    """``mercredi 2 décembre 2026``."""
    d = paris(value).date() if isinstance(value, dt.datetime) else value
    first = "1er" if d.day == 1 else str(d.day)
    text = f"{DAYS[d.weekday()]} {first} {MONTHS[d.month - 1]}"
    return f"{text} {d.year}" if year else text


def short_day_label(value: dt.datetime | dt.date) -> str:
    """``mer. 2/12``: for SMS, where every character counts."""
    d = paris(value).date() if isinstance(value, dt.datetime) else value
    return f"{DAYS[d.weekday()][:3]}. {d.day}/{d.month:02d}"


def duration_label(start: dt.datetime, end: dt.datetime) -> str:
    return minutes_label(int((end - start).total_seconds() // 60))


def minutes_label(minutes: int) -> str:
    """``30 minutes``, ``1 heure``, ``1 h 30``, ``2 heures``."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest:02d}"
    if hours:
        return "1 heure" if hours == 1 else f"{hours} heures"
    return f"{rest} minutes"
