"""The site's own French error pages (400, 403, 404, 429, 500, 503), with its header and a
way back, never Django's debug page: DEBUG is off unless asked for, the demo included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from cadran.core import pdf

ROOT = Path(__file__).resolve().parents[2]


def assert_site_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="fr">' in page and 'class="site-header"' in page
    assert f"<h1>{heading}</h1>" in page
    assert "Retour à l'accueil" in page
    return page


def test_debug_is_off_by_default_even_for_the_demo():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CADRAN_ENV"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.CADRAN_DEMO)"
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.django_db
def test_mistyped_public_address_shows_the_french_404(client):
    page = assert_site_page(client.get("/comunes/estaire/"), 404, "Page introuvable")
    assert "URLconf" not in page and "Using the URLconf" not in page


@pytest.mark.django_db
def test_unknown_api_address_answers_json_in_french(client):
    response = client.get("/api/v1/nulle-part")
    assert response.status_code == 404
    assert response.json()["detail"] == "Cette adresse n'existe pas dans l'API."


@pytest.mark.django_db
def test_forbidden_staff_page_shows_the_french_403(client, adviser):
    client.force_login(adviser)
    page = assert_site_page(client.get("/espace/messages/"), 403, "Accès refusé")
    assert "Retour à l'espace des équipes" in page


@pytest.mark.django_db
def test_expired_form_shows_the_french_csrf_page(territory):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/compte/connexion/", {"username": "a@b.fr", "password": "x"})
    assert_site_page(response, 403, "Le formulaire a expiré")


def test_server_error_page_is_french_without_any_context():
    """Django renders 500.html with an empty context (no request, no context processor)."""
    request = RequestFactory().get("/")
    assert_site_page(server_error(request), 500, "Le site a rencontré une erreur")


@pytest.mark.django_db
def test_too_many_requests_page_has_the_site_header(client, settings, permanence):
    settings.CADRAN_RATELIMIT_PER_CLIENT = 0
    response = client.post("/communes/estaires/creneaux/x/", {})
    assert_site_page(response, 429, "Trop de demandes en peu de temps")
    assert response["Retry-After"] == "60"


class _NoPango:
    """An import hook that fails like cffi does when libpango is missing."""

    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': No such file or directory")
        return None


@pytest.fixture
def no_pango(monkeypatch):
    for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    hook = _NoPango()
    sys.meta_path.insert(0, hook)
    yield
    sys.meta_path.remove(hook)


def test_weasyprint_without_pango_raises_a_clear_error(no_pango):
    with pytest.raises(pdf.PdfUnavailable, match="libpango-1.0-0 libpangoft2-1.0-0"):
        pdf.weasyprint()


@pytest.mark.django_db
def test_a_pdf_without_pango_is_a_french_503_not_a_500(client, no_pango, estaires, frozen_now):
    response = client.get(f"/affiches/communes/{estaires.insee_code}/")
    page = assert_site_page(response, 503, "Document PDF indisponible")
    assert "ne peuvent pas être produits" in page
    # Other pages keep working.
    assert client.get("/").status_code == 200
