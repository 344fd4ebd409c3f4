"""The lock of an activity record at its exact instant: the shipped number of days after
its creation (not the value a test sets), editable a microsecond before, locked at it."""

from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError

import config.settings
from cadran.activity.services import (
    ActivityData,
    ParticipantData,
    create_activity_record,
    may_edit,
    update_activity_record,
)
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

MICROSECOND = dt.timedelta(microseconds=1)


@pytest.fixture
def shipped_edit_days(settings, monkeypatch):
    """The number of days the project ships (``config/settings.py`` read again without the
    environment variable)."""
    monkeypatch.delenv("CADRAN_ACTIVITY_EDIT_DAYS", raising=False)
    shipped = runpy.run_path(str(Path(config.settings.__file__)))["CADRAN_ACTIVITY_EDIT_DAYS"]
    settings.CADRAN_ACTIVITY_EDIT_DAYS = shipped
    return shipped


def individual(venue, **kwargs) -> ActivityData:
    data = {
        "kind": "individuel",
        "date": dt.date(2026, 11, 25),
        "duration_minutes": 45,
        "place_type": "lieu_activite",
        "venue": venue,
        "thematiques": ["sante"],
        "materiels": ["ordinateur"],
        "autonomie": "autonome",
        "oriented": False,
        "participants": [ParticipantData(genre="feminin", birth_year=1956)],
    }
    data.update(kwargs)
    return ActivityData(**data)


def test_a_record_is_locked_at_the_exact_instant_7_days_after_its_creation(
    shipped_edit_days, adviser, permanence, coordinator
):
    venue = permanence.venue
    with time_machine.travel(NOW, tick=False):
        record = create_activity_record(data=individual(venue), adviser=adviser, by=adviser)
    assert shipped_edit_days == 7
    assert record.created_at == NOW
    lock = NOW + dt.timedelta(days=7)
    assert record.locked_at == lock

    with time_machine.travel(lock - MICROSECOND, tick=False):
        assert not record.is_locked()
        assert may_edit(adviser, record)
        update_activity_record(
            record=record, data=individual(venue, duration_minutes=60), by=adviser
        )

    with time_machine.travel(lock, tick=False):
        record.refresh_from_db()
        assert record.duration_minutes == 60
        assert record.is_locked()
        assert not may_edit(adviser, record)
        with pytest.raises(ValidationError) as exc:
            update_activity_record(
                record=record, data=individual(venue, duration_minutes=30), by=adviser
            )
        assert exc.value.code == "locked"
        assert may_edit(coordinator, record)  # the coordination still corrects it
    record.refresh_from_db()
    assert record.duration_minutes == 60
