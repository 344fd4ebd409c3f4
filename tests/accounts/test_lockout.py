"""Lockout after repeated login failures (django-axes): 5 failures, 15 minutes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


@pytest.fixture
def user(territory):
    return f.UserFactory(email="david@example.org", adviser=True, territory=territory)


def fail(client, email="david@example.org", **extra):
    return client.post(LOGIN, {"username": email, "password": "mauvais"}, **extra)


def test_five_failures_lock_the_account_with_a_french_page(client, user):
    with time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(4):
            assert fail(client).status_code == 200
        response = fail(client)
        assert response.status_code == 429
        page = response.content.decode()
        assert page.count("<h1") == 1
        assert "Compte bloqué pour 15 minutes" in page
        assert response["Retry-After"] == "900"
        # Even the right password is refused while locked.
        response = client.post(LOGIN, {"username": user.email, "password": f.PASSWORD})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_fifteen_minutes(client, user):
    start = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            fail(client)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        response = client.post(LOGIN, {"username": user.email, "password": f.PASSWORD})
        assert response.status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        response = client.post(LOGIN, {"username": user.email, "password": f.PASSWORD})
        assert response.status_code == 302
        assert response.url == reverse("staff:home")


def test_the_case_of_the_address_does_not_reset_the_count(client, user):
    for email in [
        "david@example.org",
        "DAVID@example.org",
        "David@Example.org",
        "david@EXAMPLE.org",
    ]:
        assert fail(client, email).status_code == 200
    assert fail(client, "David@example.ORG").status_code == 429


def test_failures_from_several_addresses_still_lock_the_account(client, user):
    for i in range(4):
        assert fail(client, REMOTE_ADDR=f"203.0.113.{i}").status_code == 200
    assert fail(client, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_a_success_clears_the_count(client, user):
    for _ in range(4):
        fail(client)
    assert client.post(LOGIN, {"username": user.email, "password": f.PASSWORD}).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert fail(client).status_code == 200


def test_another_account_is_not_locked(client, user, territory):
    other = f.UserFactory(email="other@example.org", adviser=True, territory=territory)
    for _ in range(5):
        fail(client, REMOTE_ADDR="203.0.113.9")
    response = client.post(
        LOGIN, {"username": other.email, "password": f.PASSWORD}, REMOTE_ADDR="203.0.113.10"
    )
    assert response.status_code == 302


def test_the_admin_login_is_locked_too(client, user):
    for _ in range(5):
        fail(client)
    response = client.post(reverse("admin:login"), {"username": user.email, "password": f.PASSWORD})
    assert response.status_code == 429


def test_the_login_page_says_what_happens(client):
    page = client.get(LOGIN).content.decode()
    assert "Après 5 essais ratés, le compte est bloqué pendant 15 minutes." in page


# --- one address shared by a whole town hall ------------------------------------------------
TOWN_HALL = "192.0.2.50"


def test_five_failures_for_one_account_do_not_lock_colleagues_behind_the_same_address(
    client, user, territory
):
    colleague = f.UserFactory(email="accueil@example.org", adviser=True, territory=territory)
    for _ in range(5):
        fail(client, REMOTE_ADDR=TOWN_HALL)
    # The account is locked…
    assert fail(client, REMOTE_ADDR=TOWN_HALL).status_code == 429
    # …its colleague, on the same address, logs in.
    response = client.post(
        LOGIN, {"username": colleague.email, "password": f.PASSWORD}, REMOTE_ADDR=TOWN_HALL
    )
    assert response.status_code == 302


def test_the_shipped_per_address_threshold_is_fifty():
    from django.conf import settings as live

    assert live.CADRAN_LOGIN_FAILURES_PER_ADDRESS == 50
    assert live.AXES_FAILURE_LIMIT == 5


def test_an_address_is_locked_at_the_per_address_threshold_exactly(client, settings, territory):
    """Failures on many accounts (4 each, none locked) from one address: the address is
    still open one failure before the threshold, locked at it."""
    settings.CADRAN_LOGIN_FAILURES_PER_ADDRESS = 12
    victim = f.UserFactory(email="victime@example.org", adviser=True, territory=territory)
    for i in range(11):
        assert fail(client, f"essai{i // 4}@example.org", REMOTE_ADDR=TOWN_HALL).status_code == 200
    # 11 failures: one below the threshold, the right password still works.
    response = client.post(
        LOGIN, {"username": victim.email, "password": f.PASSWORD}, REMOTE_ADDR=TOWN_HALL
    )
    assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    assert fail(client, "essai9@example.org", REMOTE_ADDR=TOWN_HALL).status_code == 429
    response = client.post(
        LOGIN, {"username": victim.email, "password": f.PASSWORD}, REMOTE_ADDR=TOWN_HALL
    )
    assert response.status_code == 429
    # Another address is not concerned.
    response = client.post(
        LOGIN, {"username": victim.email, "password": f.PASSWORD}, REMOTE_ADDR="198.51.100.1"
    )
    assert response.status_code == 302


def test_a_success_clears_only_its_own_account(client, user, territory):
    """A valid login from the address must not reset the failures of another account tried
    from it (else one valid account would give endless tries on the others)."""
    other = f.UserFactory(email="autre@example.org", adviser=True, territory=territory)
    for _ in range(4):
        fail(client, REMOTE_ADDR=TOWN_HALL)
    response = client.post(
        LOGIN, {"username": other.email, "password": f.PASSWORD}, REMOTE_ADDR=TOWN_HALL
    )
    assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    assert fail(client, REMOTE_ADDR="198.51.100.2").status_code == 429
