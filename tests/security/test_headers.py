"""Security headers: CSP without 'unsafe-inline', frames refused but for /widget/, HSTS and
cookies in production, CSRF on forms."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize(
    "url",
    ["/", "/ateliers/", "/compte/connexion/", "/api/v1/communes", "/admin/login/", "/nulle-part/"],
)
def test_every_page_has_a_strict_csp(client, url, territory):
    response = client.get(url)
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_widget_route_may_be_framed_by_any_site(client):
    # /widget/ does not exist yet: the exemption goes by the path, so a 404 shows it.
    response = client.get("/widget/estaires/")
    csp = directives(response)
    assert csp["frame-ancestors"] == ["*"]
    assert csp["script-src"] == ["'self'"]
    assert "X-Frame-Options" not in response


def test_htmx_is_told_not_to_inject_styles(client, territory):
    page = client.get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in page


def test_pages_have_no_inline_script_or_style(client, territory, adviser, frozen_now):
    client.force_login(adviser)
    for url in ["/", "/ateliers/", reverse("staff:home"), reverse("accounts:login")]:
        page = client.get(url).content.decode()
        assert "<script>" not in page and "style=" not in page, url
        assert " onclick=" not in page and " onload=" not in page, url


def test_session_and_csrf_cookies_are_httponly(client, adviser):
    response = client.post(
        reverse("accounts:login"), {"username": adviser.email, "password": "un-mot-de-passe-solide"}
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"
    page = client.get(reverse("accounts:password_reset"))
    assert page.cookies["csrftoken"]["httponly"]


def test_forms_are_protected_against_csrf(territory, permanence, frozen_now):
    from django.test import Client

    from tests.public.helpers import book_url, form_data

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(book_url(permanence), form_data()).status_code == 403
    assert strict.post(reverse("accounts:login"), {}).status_code == 403


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        CADRAN_ENV="production",
        SECRET_KEY="x" * 20 + "-production-test-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="cadran.example.org",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_are_secure():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_SSL_REDIRECT, s.CADRAN_REQUIRE_2FA, s.DEBUG)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "False"], (
        result.stdout + result.stderr
    )
