"""A second factor turned on by choice is asked for at every login, even where it is not
required (the demo's settings, or a role that sees no personal data)."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.urls import reverse

from cadran.accounts import twofactor
from cadran.accounts.models import User
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

LOGIN = "/compte/connexion/"
VERIFY = "/compte/double-authentification/"


def enrol(user: User) -> str:
    secret = twofactor.new_secret()
    twofactor.confirm_enrolment(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    user.refresh_from_db()
    return secret


def next_code(secret: str) -> str:
    """The code of the next 30-second step (the current one was used by the enrolment)."""
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))


@pytest.mark.parametrize(
    ("required", "who"),
    [
        (False, "adviser"),  # not required at all (CADRAN_REQUIRE_2FA off)
        (True, "referent"),  # required, but not for this role: turned on by choice
    ],
)
def test_a_second_factor_turned_on_by_choice_is_asked_at_login(
    client, settings, request, required, who
):
    settings.CADRAN_REQUIRE_2FA = required
    user = request.getfixturevalue(who)
    assert not twofactor.must_use_second_factor(user)
    secret = enrol(user)
    assert twofactor.needs_verification(user)

    response = client.post(LOGIN, {"username": user.email, "password": f.PASSWORD})
    assert response.status_code == 302
    assert response.url.startswith(VERIFY + "?next=")
    # The staff pages wait for the code too.
    home = reverse("staff:home")
    response = client.get(home)
    assert response.status_code == 302 and response.url.startswith(VERIFY)

    response = client.post(VERIFY + f"?next={home}", {"code": next_code(secret), "next": home})
    assert response.status_code == 302 and response.url == home
    assert client.get(home).status_code == 200


def test_without_a_second_factor_nothing_is_asked_where_it_is_not_required(
    client, settings, adviser
):
    settings.CADRAN_REQUIRE_2FA = False
    response = client.post(LOGIN, {"username": adviser.email, "password": f.PASSWORD})
    assert response.status_code == 302 and not response.url.startswith(VERIFY)
    assert client.get(reverse("staff:home")).status_code == 200
