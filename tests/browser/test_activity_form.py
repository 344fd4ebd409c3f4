"""An adviser records a help given outside an appointment, on a 360 px phone: the kind
first, then the form of that kind only, the place's commune typed by name (two communes
have it: the adviser picks one), the person's commune picked from the territory's list.
Without JavaScript (the reference) and with it; every page audited with axe-core and the
Nu HTML checker.

Real Chromium, real server (live_server), real time: the record is dated today.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cadran.activity.models import ActivityRecord
from tests import factories as f
from tests.browser.conftest import (
    AuditWithoutJavaScript,
    assert_accessible,
    assert_no_horizontal_scroll,
)
from tests.browser.test_booking_journey import log_in

pytestmark = pytest.mark.browser

PHONE_360 = {"width": 360, "height": 740}


@pytest.fixture
def adviser(transactional_db):
    territory = f.TerritoryFactory(slug="ccfl")
    estaires = f.CommuneFactory(
        territory=territory, insee_code="59212", name="Estaires", slug="estaires"
    )
    f.CommuneFactory(territory=territory, insee_code="59400", name="Merville", slug="merville")
    return f.UserFactory(adviser=True, territory=territory, communes=[estaires])


def record_an_individual_help(page, adviser, audit: AuditWithoutJavaScript | None = None) -> None:
    """The journey; each page audited and measured in ``page`` itself or, without
    JavaScript, through ``audit``."""

    def check() -> None:
        if audit is not None:
            audit.check(width=PHONE_360["width"])
            return
        assert_accessible(page)
        assert_no_horizontal_scroll(page, PHONE_360["width"])

    log_in(page, adviser.email, check=check)
    page.goto(reverse("activity:record_list"))
    page.get_by_role("link", name="Ajouter une activité").click()
    expect(page.locator("h1")).to_have_text("Nouveau compte rendu d'activité")
    check()

    page.get_by_role("link", name="Accompagnement individuel").click()
    expect(page.locator("h1")).to_contain_text("accompagnement individuel")
    # Only this kind's questions: no anonymous counts of a workshop.
    expect(page.locator("[name=anon_total]")).to_have_count(0)
    expect(page.locator("[name=level]")).to_have_count(0)
    check()

    page.get_by_label("30 min").check()
    page.get_by_label("Autre lieu").check()
    page.get_by_label("Commune du lieu").select_option(label="Autre commune (hors du territoire)")
    page.get_by_label("Autre commune : son nom ou son code postal").first.fill("Bailleul")
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_label("Commune où habite la personne").select_option(label="Estaires")
    page.get_by_role("button", name="Enregistrer le compte rendu").click()

    # Three communes are called Bailleul: the form comes back with a choice, nothing lost.
    expect(page.locator(".error-summary")).to_contain_text(
        "Plusieurs communes correspondent à « Bailleul »"
    )
    expect(page.get_by_label("30 min")).to_be_checked()
    expect(page.get_by_label("Commune où habite la personne")).to_have_value("59212")
    check()
    page.get_by_label("Bailleul (59270)").check()
    page.get_by_role("button", name="Enregistrer le compte rendu").click()

    expect(page.locator("main")).to_contain_text("Le compte rendu est enregistré")
    check()
    record = ActivityRecord.objects.get()
    assert (record.kind, record.place_insee, record.duration_minutes) == ("individuel", "59043", 30)
    assert record.participants.get().commune_insee == "59212"


def test_individual_record_on_a_phone_without_javascript(new_page, adviser):
    phone = {"viewport": PHONE_360, "is_mobile": True, "has_touch": True}
    page = new_page(java_script_enabled=False, **phone)
    record_an_individual_help(page, adviser, AuditWithoutJavaScript(page, new_page(**phone)))


def test_individual_record_on_a_phone_with_javascript(new_page, adviser):
    page = new_page(viewport=PHONE_360, is_mobile=True, has_touch=True)
    record_an_individual_help(page, adviser)
