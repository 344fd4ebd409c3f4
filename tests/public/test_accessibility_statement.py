"""The accessibility statement follows the RGAA 4.1.2 model; « non conforme » until an audit
gives a rate, and the footer of every page says the same (docs/visibilite.md)."""

from __future__ import annotations

import html as html_lib
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from cadran.public.accessibility import accessibility_state
from tests import factories as f

pytestmark = pytest.mark.usefixtures("frozen_now")

URL = reverse("public:accessibility")
SECTIONS = [
    "<h2>État de conformité</h2>",
    "<h2>Résultats des tests</h2>",
    "<h2>Contenus non accessibles</h2>",
    "<h3>Dérogations pour charge disproportionnée</h3>",
    "<h3>Contenus non soumis à l'obligation d'accessibilité</h3>",
    "<h2>Établissement de cette déclaration</h2>",
    "<h2>Retour d'information et contact</h2>",
    "<h2>Voies de recours</h2>",
    "<h2>Schéma pluriannuel de mise en accessibilité</h2>",
]


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


@pytest.fixture
def no_audit(settings):
    settings.CADRAN_ACCESSIBILITY_STATEMENT_DATE = "2026-11-02"
    settings.CADRAN_ACCESSIBILITY_AUDIT_DATE = ""
    settings.CADRAN_ACCESSIBILITY_AUDIT_RATE = ""
    settings.CADRAN_ACCESSIBILITY_AUDITOR = ""
    settings.CADRAN_ACCESSIBILITY_PLAN_URL = ""
    return settings


def test_statement_without_audit_is_non_conforme_with_every_section(client, territory, no_audit):
    response = client.get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Déclaration d'accessibilité</h1>" in page
    for section in SECTIONS:
        assert section in page
    assert "Communauté de communes Flandre Lys s'engage à rendre ses sites internet" in page
    assert "<strong>non conforme</strong>" in page and "version 4.1.2" in page
    assert "partiellement conforme" not in page
    assert "Il n'y a pas encore de résultat d'audit" in page
    assert "Cette déclaration a été établie le 2 novembre 2026." in page
    # Known non-accessible contents, test environment and tools.
    for fact in ("documents PDF", "graphiques", "Django", "Chromium", "360 pixels", "1280"):
        assert fact in page
    assert "axe-core" in page and "Nu HTML Checker" in page
    assert "HTML</li>" in page and "htmx" in page
    # Contact of the territory, the three ways to the Défenseur des droits, the plan.
    assert "mailto:culture@example.org" in page
    assert "https://formulaire.defenseurdesdroits.fr/" in page
    assert "https://www.defenseurdesdroits.fr/saisir/delegues" in page
    assert "Libre réponse 71120, 75342 Paris CEDEX 07" in page
    assert "est en préparation" in page
    # The footer of the page says the same.
    assert "Accessibilité : non conforme</a>" in page


def test_statement_without_date_says_so(client, territory, no_audit):
    no_audit.CADRAN_ACCESSIBILITY_STATEMENT_DATE = ""
    page = text(client.get(URL))
    assert "pas encore été datée" in page


@pytest.mark.parametrize(
    ("rate", "level"),
    [
        ("49.9", "non conforme"),
        ("50", "partiellement conforme"),
        ("99,9", "partiellement conforme"),
        ("100", "totalement conforme"),
    ],
)
def test_an_audit_rate_gives_the_level_at_its_edges(client, territory, no_audit, rate, level):
    no_audit.CADRAN_ACCESSIBILITY_AUDIT_DATE = "2026-10-15"
    no_audit.CADRAN_ACCESSIBILITY_AUDIT_RATE = rate
    no_audit.CADRAN_ACCESSIBILITY_AUDITOR = "Audit Exemple"
    assert accessibility_state().level == level
    page = text(client.get(URL))
    assert f"<strong>{level}</strong>" in page
    assert "réalisé par Audit Exemple le 15 octobre 2026" in page
    assert f"Accessibilité : {level}</a>" in page
    # Another page's footer too.
    assert f"Accessibilité : {level}</a>" in text(client.get(reverse("public:privacy")))


def test_a_rate_without_an_audit_date_is_not_an_audit(no_audit):
    no_audit.CADRAN_ACCESSIBILITY_AUDIT_RATE = "100"
    state = accessibility_state()
    assert state.rate == Decimal("100")
    assert state.level == "non conforme"


@pytest.mark.parametrize("rate", ["cent", "101", "-1"])
def test_a_wrong_rate_is_refused(no_audit, rate):
    no_audit.CADRAN_ACCESSIBILITY_AUDIT_RATE = rate
    with pytest.raises(ImproperlyConfigured):
        accessibility_state()


def test_the_plan_link_when_the_territory_publishes_it(client, territory, no_audit):
    no_audit.CADRAN_ACCESSIBILITY_PLAN_URL = "https://exemple.fr/schema-accessibilite"
    page = text(client.get(URL))
    assert 'href="https://exemple.fr/schema-accessibilite"' in page
    assert "est en préparation" not in page


def test_two_territories_both_commit(client, territory, no_audit):
    f.TerritoryFactory(name="Communauté de communes du Val Fictif", slug="val")
    page = text(client.get(URL))
    assert "s'engagent à rendre leurs sites" in page
