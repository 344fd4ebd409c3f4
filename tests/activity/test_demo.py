"""The demo activity: records for seen appointments and held sessions, free examples, and
the Service Culture's demo API token (fixed value, written in the README)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from cadran.accounts.models import ApiToken
from cadran.activity.demo import DEMO_API_TOKEN, load_demo_activity
from cadran.activity.models import ActivityRecord
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from cadran.territory.models import Territory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.mark.django_db
def test_demo_activity_and_token(client):
    call_command("seed_demo", stdout=StringIO())
    territory = Territory.objects.get(slug="ccfl")
    # One upcoming appointment of the demo, moved to the past (at 8:00, before the
    # history's slots) and marked « venu ».
    appointment = (
        Appointment.objects.filter(status=AppointmentStatus.BOOKED).order_by("-start").first()
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        start=dt.datetime(2026, 11, 18, 7, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC),
        status=AppointmentStatus.SEEN,
    )
    # seed_demo already made the free examples and the Service Culture's token; a new run
    # records only the appointment that became « venu ».
    assert ApiToken.objects.filter(user__email="culture@cadran.demo").count() == 1
    assert ActivityRecord.objects.filter(appointment__isnull=True).count() >= 3
    counts = load_demo_activity(territory)
    assert counts["appointment_records"] == 1 and counts["api_tokens"] == 0
    assert ActivityRecord.objects.filter(appointment=appointment).exists()
    assert load_demo_activity(territory) == {
        "appointment_records": 0,
        "session_records": 0,
        "free_records": 0,
        "api_tokens": 0,
    }
    response = client.get(
        "/api/v1/activities", headers={"Authorization": f"Bearer {DEMO_API_TOKEN}"}
    )
    assert response.status_code == 200
    # Without dates, the API gives the last 30 days (the demo has a year of records).
    last_month = ActivityRecord.objects.filter(
        territory=territory, date__gte=dt.date(2026, 11, 27) - dt.timedelta(days=30)
    )
    assert len(response.json()) == last_month.count() > 10
