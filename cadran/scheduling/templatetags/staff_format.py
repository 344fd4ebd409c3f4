"""Small display helpers for the staff pages."""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def hour(value) -> str:
    """9h, 8h45: the way times are written on a French notice board (Paris time)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).time()
    if value.minute:
        return f"{value.hour}h{value.minute:02d}"
    return f"{value.hour}h"


@register.filter
def phone(value) -> str:
    """« 0612345601 » → « 06 12 34 56 01 », « +33612345601 » → « +33 6 12 34 56 01 »: French
    numbers in pairs, as people read them; anything else as it was typed."""
    text = str(value or "")
    digits = re.sub(r"[\s.\-]", "", text)
    if re.fullmatch(r"0\d{9}", digits):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    if re.fullmatch(r"\+33\d{9}", digits):
        rest = digits[3:]
        return "+33 " + rest[0] + " " + " ".join(rest[i : i + 2] for i in range(1, 9, 2))
    return text


@register.filter
def period(closure) -> str:
    """A closure's period in plain words: whole days, or hours on one day."""
    from django.utils.formats import date_format

    start = timezone.localtime(closure.start)
    end = timezone.localtime(closure.end)
    midnight = dt.time.min
    if start.time() == midnight and end.time() == midnight:
        last = (end - dt.timedelta(days=1)).date()
        if last == start.date():
            return f"le {date_format(start, 'l j F Y')} (toute la journée)"
        return f"du {date_format(start, 'l j F Y')} au {date_format(last, 'l j F Y')} (inclus)"
    if start.date() == end.date():
        return f"le {date_format(start, 'l j F Y')} de {hour(start)} à {hour(end)}"
    return (
        f"du {date_format(start, 'l j F Y')} à {hour(start)} "
        f"au {date_format(end, 'l j F Y')} à {hour(end)}"
    )


@register.filter
def action_label(code: str) -> str:
    from cadran.scheduling.selectors import AUDIT_ACTION_LABELS

    return AUDIT_ACTION_LABELS.get(code, code)
