from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from cadran.scheduling.models import Appointment

pytestmark = pytest.mark.django_db


def test_generate_activity_tiny_and_report(tmp_path):
    call_command("generate_activity", advisers=2, year=2026, scale=0.05)
    assert Appointment.objects.filter(permanence__commune__territory__slug="bench-2026").exists()
    out = tmp_path / "r.json"
    call_command(
        "report",
        commune="90000",
        date_from="2026-01-01",
        date_to="2026-12-31",
        fmt="json",
        output=str(out),
    )
    data = json.loads(out.read_text())
    booked = Appointment.objects.filter(permanence__commune__insee_code="90000").count()
    assert data["appointments"]["booked"] in (booked, "< 3")
    pdf = tmp_path / "t.pdf"
    call_command(
        "report",
        territory="bench-2026",
        date_from="2026-01-01",
        date_to="2026-03-31",
        fmt="pdf",
        output=str(pdf),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
