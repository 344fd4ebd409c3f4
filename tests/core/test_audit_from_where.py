"""The audit log says from where: the client's address of the request that wrote it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cadran.core import audit
from cadran.core.models import AuditLog
from cadran.scheduling.models import Appointment
from tests.public.helpers import book_url, form_data

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_a_booking_on_the_public_page_records_the_client_address(client, permanence):
    response = client.post(book_url(permanence), form_data(), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    entry = AuditLog.objects.get(action="appointment.booked")
    assert entry.object_id == str(Appointment.objects.get().pk)
    assert entry.ip_address == "203.0.113.7"


def test_outside_a_request_there_is_no_address(permanence):
    entry = audit.record(
        actor=None, obj=permanence, action="test", description="x", territory_id=None
    )
    assert entry.ip_address is None


def test_the_audit_log_page_shows_where_from(client, culture_user, permanence):
    client.post(book_url(permanence), form_data(), REMOTE_ADDR="203.0.113.8")
    client.force_login(culture_user)
    page = client.get(reverse("staff:audit_log")).content.decode()
    assert "203.0.113.8" in page
