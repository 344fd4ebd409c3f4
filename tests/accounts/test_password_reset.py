"""Forgotten password: a link by e-mail, valid one hour and once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

NEW = "une-phrase-assez-longue-2026"


@pytest.fixture
def user(territory):
    return f.UserFactory(email="david@example.org", adviser=True, territory=territory)


def ask(client, email="david@example.org"):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def link_in(message) -> str:
    match = re.search(r"http://testserver(/compte/mot-de-passe/nouveau/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_login_page_links_to_the_reset(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}"' in page


def test_reset_pages_are_in_french_and_labelled(client):
    response = client.get(reverse("accounts:password_reset"))
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert "Mot de passe oublié" in page
    assert '<label for="id_email">Adresse e-mail</label>' in page


def test_a_known_address_gets_a_french_email_with_a_link(client, user):
    response = ask(client, "David@Example.org")
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["david@example.org"]
    assert message.subject == "Cadran : choisir un nouveau mot de passe"
    assert "dans l'heure" in message.body
    link_in(message)


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, user):
    response = ask(client, "personne@example.org")
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_the_link_sets_a_new_password_once(client, user):
    ask(client)
    link = link_in(mail.outbox[0])
    response = client.get(link)
    assert response.status_code == 302  # Django hides the token behind a session URL
    form_url = response.url
    page = client.get(form_url).content.decode()
    assert "Choisissez un nouveau mot de passe" in page
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW)
    # Used: the same link no longer works.
    response = client.get(link, follow=True)
    assert "Ce lien ne marche plus" in response.content.decode()


def test_the_link_expires_after_one_hour(client, user, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    start = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        ask(client)
    link = link_in(mail.outbox[0])
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        assert client.get(link).status_code == 302  # still valid
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        response = client.get(link, follow=True)
        assert "Ce lien ne marche plus" in response.content.decode()


def test_weak_passwords_are_refused_in_french(client, user):
    ask(client)
    form_url = client.get(link_in(mail.outbox[0])).url
    response = client.post(form_url, {"new_password1": "123", "new_password2": "456"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Les deux mots de passe ne sont pas identiques." in page
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)


def test_a_reset_does_not_skip_the_second_factor(client, user, settings):
    """Someone who reads the mailbox can change the password, not open personal data."""
    import pyotp

    from cadran.accounts import twofactor

    settings.CADRAN_REQUIRE_2FA = True
    secret = twofactor.new_secret()
    twofactor.confirm_enrolment(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    ask(client)
    form_url = client.get(link_in(mail.outbox[0])).url
    client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": NEW})
    assert response.url.startswith(reverse("accounts:two_factor_verify"))
    assert client.get(reverse("staff:home")).status_code == 302
