"""Login and logout of staff members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(territory):
    return f.UserFactory(email="david@example.org", adviser=True, territory=territory)


def test_login_url_and_page(client):
    assert reverse("accounts:login") == LOGIN
    response = client.get(LOGIN)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert '<label for="id_username">Adresse e-mail</label>' in content
    assert '<label for="id_password">Mot de passe</label>' in content
    assert 'autocomplete="current-password"' in content


def test_wrong_password_shows_a_french_error(client, user):
    response = client.post(LOGIN, {"username": "david@example.org", "password": "mauvais"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "ne sont pas bons" in content
    assert 'value="david@example.org"' in content  # nothing to type again but the password
    assert "_auth_user_id" not in client.session


def test_empty_fields_are_explained_by_field(client):
    response = client.post(LOGIN, {"username": "", "password": ""})
    content = response.content.decode()
    assert "Indiquez votre adresse e-mail." in content
    assert "Indiquez votre mot de passe." in content
    assert 'aria-describedby="id_username_error"' in content
    assert 'href="#id_username"' in content


def test_login_with_any_case_of_email_goes_to_staff_home(client, user):
    response = client.post(LOGIN, {"username": "David@Example.org", "password": f.PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("staff:home")
    assert client.get(response.url).status_code == 200


def test_login_follows_next(client, user):
    target = reverse("staff:closures")
    response = client.post(
        LOGIN, {"username": "david@example.org", "password": f.PASSWORD, "next": target}
    )
    assert response.url == target


def test_inactive_account_cannot_log_in(client, user):
    user.is_active = False
    user.save()
    response = client.post(LOGIN, {"username": "david@example.org", "password": f.PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logged_in_user_skips_the_login_page(client, user):
    client.force_login(user)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response.url == reverse("staff:home")


def test_logout_is_a_post(client, user):
    client.force_login(user)
    logout = reverse("accounts:logout")
    assert client.get(logout).status_code == 405
    assert "_auth_user_id" in client.session
    home = client.get(reverse("staff:home")).content.decode()
    assert f'<form method="post" action="{logout}"' in home
    response = client.post(logout)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("staff:home")).status_code == 302
