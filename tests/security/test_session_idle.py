"""A member of staff idle for CADRAN_STAFF_IDLE_MINUTES (30) is logged out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def test_thirty_minutes_of_activity_keep_the_session(client, adviser, settings):
    assert settings.CADRAN_STAFF_IDLE_MINUTES == 30
    client.force_login(adviser)
    for minutes in (0, 20, 40, 60, 80):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("staff:home")).status_code == 200, minutes


def test_more_than_thirty_idle_minutes_end_the_session(client, adviser):
    client.force_login(adviser)
    with time_machine.travel(START, tick=False):
        assert client.get(reverse("staff:home")).status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=31), tick=False):
        response = client.get(reverse("staff:home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login") + "?next=")
        assert "_auth_user_id" not in client.session
        page = client.get(response.url).content.decode()
        assert "déconnecté après 30 minutes sans activité" in page


def test_the_idle_time_is_a_setting(client, adviser, settings):
    settings.CADRAN_STAFF_IDLE_MINUTES = 5
    client.force_login(adviser)
    with time_machine.travel(START, tick=False):
        client.get(reverse("staff:home"))
    with time_machine.travel(START + dt.timedelta(minutes=6), tick=False):
        assert client.get(reverse("staff:home")).status_code == 302


def test_an_idle_session_on_a_public_page_is_ended_quietly(client, adviser, territory):
    client.force_login(adviser)
    with time_machine.travel(START, tick=False):
        client.get(reverse("staff:home"))
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        assert client.get(reverse("public:home")).status_code == 200
        assert "_auth_user_id" not in client.session
