"""Rate limits of the public booking, registration and cancel endpoints."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.urls import reverse

from cadran.core import ratelimit
from cadran.scheduling.models import Appointment
from tests.public.helpers import WED_9, book_url, form_data
from tests.public.workshop_helpers import form_data as registration_data
from tests.public.workshop_helpers import make_session, register_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def moment():
    """A fixed minute, time frozen (a test must not straddle two windows)."""
    from tests.conftest import NOW

    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_more_than_sixty_attempts_a_minute_get_429_with_a_french_page(client, moment, permanence):
    # Different slots, so that only the per-client limit counts.
    for hour in range(60):
        url = reverse("public:book", args=[permanence.commune.slug, f"{permanence.pk}-x{hour}"])
        response = client.post(url, {})
        assert response.status_code != 429, hour
    response = client.post(book_url(permanence), form_data())
    assert response.status_code == 429
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert "Trop de demandes en peu de temps" in page
    assert response["Retry-After"] == "60"
    assert not Appointment.objects.exists()


def test_the_limit_is_per_client(client, moment, permanence):
    for i in range(61):
        client.post(
            reverse("public:book", args=[permanence.commune.slug, f"x-{i}"]),
            {},
            REMOTE_ADDR="203.0.113.1",
        )
    assert (
        client.post(
            reverse("public:book", args=[permanence.commune.slug, "x-a"]),
            {},
            REMOTE_ADDR="203.0.113.1",
        ).status_code
        == 429
    )
    response = client.post(book_url(permanence), form_data(), REMOTE_ADDR="203.0.113.2")
    assert response.status_code == 302


def test_the_limit_resets_the_next_minute(client, permanence):
    from tests.conftest import NOW

    with time_machine.travel(NOW, tick=False):
        for i in range(61):
            client.post(reverse("public:book", args=[permanence.commune.slug, f"x-{i}"]), {})
    import datetime as dt

    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        response = client.post(book_url(permanence), form_data())
        assert response.status_code == 302


def test_more_than_ten_attempts_on_one_slot_get_429(client, moment, permanence):
    url = book_url(permanence, WED_9)
    for i in range(10):
        response = client.post(url, {"first_name": ""}, REMOTE_ADDR=f"203.0.113.{i}")
        assert response.status_code == 200  # the form, with its errors
    response = client.post(url, form_data(), REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    # Another slot of the same permanence is still open.
    other = book_url(permanence, WED_9.replace(hour=10))
    assert client.post(other, form_data(), REMOTE_ADDR="198.51.100.1").status_code == 302


def test_get_requests_are_not_counted(client, moment, permanence):
    for _ in range(70):
        client.get(book_url(permanence))
    assert client.post(book_url(permanence), form_data()).status_code == 302


def test_workshop_registration_is_limited_per_session(client, moment, territory, estaires):
    session = make_session(territory, estaires)
    url = register_url(session)
    for i in range(10):
        client.post(url, {"first_name": ""}, REMOTE_ADDR=f"203.0.113.{i}")
    response = client.post(url, registration_data(), REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()


def test_cancel_links_are_limited_per_token(client, moment):
    url = reverse("public:cancel", args=["un-secret-au-hasard"])
    for i in range(10):
        assert client.post(url, {}, REMOTE_ADDR=f"203.0.113.{i}").status_code == 404
    assert client.post(url, {}, REMOTE_ADDR="198.51.100.1").status_code == 429


def test_the_api_answers_429_in_json(client, moment, permanence):
    url = "/api/v1/appointments/cancel"
    for i in range(60):
        client.post(url, json.dumps({"token": f"t{i}"}), content_type="application/json")
    response = client.post(url, json.dumps({"token": "t"}), content_type="application/json")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": ratelimit.TOO_MANY}
    assert response["Retry-After"] == "60"


def test_the_api_booking_is_limited_per_slot(client, moment, permanence):
    slot = f"{permanence.pk}-202612020900"
    body = json.dumps({"slot": slot})
    for i in range(10):
        response = client.post(
            "/api/v1/appointments",
            body,
            content_type="application/json",
            REMOTE_ADDR=f"203.0.113.{i}",
        )
        assert response.status_code == 422
    response = client.post(
        "/api/v1/appointments", body, content_type="application/json", REMOTE_ADDR="198.51.100.1"
    )
    assert response.status_code == 429


def test_the_api_registration_is_limited(client, moment, territory, estaires):
    session = make_session(territory, estaires)
    url = f"/api/v1/sessions/{session.pk}/registrations"
    for i in range(10):
        client.post(url, "{}", content_type="application/json", REMOTE_ADDR=f"203.0.113.{i}")
    response = client.post(url, "{}", content_type="application/json", REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429


def test_other_posts_are_not_limited(client, moment):
    for _ in range(70):
        client.post(reverse("accounts:login"), {"username": "", "password": ""})
    assert (
        client.post(reverse("accounts:login"), {"username": "", "password": ""}).status_code == 200
    )


def test_client_address_behind_a_proxy(rf, settings):
    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.CADRAN_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    # The right-most address is the one our proxy saw; the left part is the client's claim.
    assert ratelimit.client_ip(request) == "203.0.113.5"


def test_every_limited_url_name_exists():
    """A renamed URL would silently lose its limit."""
    from django.urls import get_resolver

    names = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    missing = set(ratelimit.LIMITED) - names
    assert not missing, missing


def test_the_cache_table_is_created_by_the_migrations():
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    assert "cadran_cache" in connection.introspection.table_names()
    applied = MigrationRecorder(connection).applied_migrations()
    assert ("accounts", "0004_ratelimit_cache_table") in applied
