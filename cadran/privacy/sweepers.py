"""The nightly purge, run by the sweep (``CADRAN_SWEEPERS``).

Outside the purge hour the sweeper asks nothing of the database, so the every-minute
sweep stays as cheap as before. During that hour, each territory is purged once (the
``PurgeRun`` of the day is the mark); a worker that was down the whole hour purges the
next night, when everything overdue is still found (docs/decisions/0009-retention.md).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef

from cadran.core import clock
from cadran.territory.models import Territory

from .models import PurgeRun
from .services import purge_due


def purge_hour() -> int:
    return int(getattr(settings, "CADRAN_PURGE_HOUR", 3))


def purge_personal_data(now: dt.datetime) -> int:
    local = clock.paris(now)
    if local.hour != purge_hour():
        return 0
    done_today = PurgeRun.objects.filter(territory_id=OuterRef("pk"), day=local.date())
    territories = list(Territory.objects.filter(~Exists(done_today)).order_by("pk"))
    if not territories:
        return 0
    return purge_due(now, territories=territories).total
