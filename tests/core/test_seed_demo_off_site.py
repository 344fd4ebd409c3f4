"""The demo has an upcoming off-site (« hors les murs ») session: the library's request for
a stand at the market, examined and accepted by the Service Culture through the services,
with its own place. Its public page shows that place, not the library. The clock is frozen
(tests/conftest.py, Friday 27 November 2026, 10:00 in Paris)."""

from __future__ import annotations

import datetime as dt
import html
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from cadran.core import clock
from cadran.core.models import AuditLog
from cadran.notifications.enums import MessageStatus
from cadran.notifications.models import Message
from cadran.workshops.enums import RequestStatus, SessionStatus
from cadran.workshops.models import Session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_the_demo_has_an_upcoming_off_site_session_at_its_own_place(client):
    call_command("seed_demo", stdout=StringIO())
    now = clock.now()
    [session] = Session.objects.filter(start__gte=now).exclude(off_site_name="")
    assert session.off_site_name == "Marché du samedi"
    assert session.status == SessionStatus.SCHEDULED and session.registrations.count() == 2
    assert clock.paris(session.start).weekday() == 5  # a Saturday, market day
    assert now + dt.timedelta(weeks=3) < session.start < now + dt.timedelta(weeks=7)
    # Its registered venue of reference is the requesting library.
    request = session.request
    assert request.off_site and request.status == RequestStatus.ACCEPTED
    assert session.venue.library_id == request.library_id
    assert session.venue.name == request.library.name
    # Through the circuit: request, examination, acceptance; dated in that order, before now.
    entries = AuditLog.objects.for_object(request).order_by("created_at")
    assert list(entries.values_list("action", flat=True)) == [
        "request.created",
        "request.examined",
        "request.accepted",
    ]
    assert all(e.created_at < now - dt.timedelta(days=4) for e in entries)
    assert request.created_at < request.examined_at < request.decided_at < now
    assert AuditLog.objects.for_object(session).filter(action="session.scheduled").exists()
    # The staff were told (and the messages are shown as sent then, not waiting).
    told = Message.objects.filter(event__in=["workshop_request_decided"])
    assert told.exists() and not told.exclude(status=MessageStatus.SENT).exists()

    page = html.unescape(
        client.get(reverse("public:session", kwargs={"pk": session.pk})).content.decode()
    )
    assert "Marché du samedi" in page and "Grand-Place, 59940 Estaires" in page
    assert "sous la tente bleue" in page
    assert session.venue.name not in page

    # Seeding again changes nothing.
    call_command("seed_demo", stdout=StringIO())
    assert Session.objects.exclude(off_site_name="").count() == 1
