"""The booking form on a phone (360 × 740): « Prénom » on the first screen, the whole form
short, the reasons in plain words and grouped; audited with axe-core and the Nu checker.

Real time (no frozen clock): the browser and the server must agree on "now".
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll
from tests.browser.test_booking_journey import estaires_permanence, open_booking_form

pytestmark = pytest.mark.browser

__all__ = ["estaires_permanence"]  # the fixture, shared with the booking journey

PHONE = {"width": 360, "height": 740}
# Measured at 360 px (demo banner and footer included): about 2,860 px with the short notice
# and the grouped reasons, « Prénom » at 695 px; it was about 5,300 px with the full notice
# before the first field and a hint under each reason.
MAX_DOCUMENT_HEIGHT = 3000
JARGON = [
    "Aide aux démarches administratives",
    "Réseaux sociaux communication",
    "Prendre en main du matériel",
]


def test_booking_form_on_a_phone_is_short_and_plain(new_page, estaires_permanence):
    page = new_page(viewport=PHONE)
    open_booking_form(page)
    assert_no_horizontal_scroll(page, PHONE["width"])

    first_name = page.get_by_label("Prénom")
    box = first_name.bounding_box()
    assert box is not None
    assert box["y"] < PHONE["height"], f"Prénom commence à {box['y']} px"

    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < MAX_DOCUMENT_HEIGHT

    # The short notice names the controller and the purpose, and links to the full text.
    notice = page.locator("#notice-short")
    expect(notice).to_contain_text("Responsable")
    expect(notice).to_contain_text("organiser votre rendez-vous")
    notice.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Vos données personnelles")
    expect(page.locator("main")).to_contain_text("Combien de temps nous gardons vos données")
    assert_accessible(page)
    page.go_back()

    # Reasons in plain words, under group legends; no national jargon.
    main = page.locator("main")
    for legend in ("Démarches", "Utiliser un appareil", "Communiquer", "Autre"):
        expect(page.locator("fieldset.topic-group legend", has_text=legend)).to_be_visible()
    text = main.inner_text()
    for word in JARGON:
        assert word not in text
    page.get_by_label("Mes démarches en ligne (CAF, impôts, ANTS…)").check()
    page.get_by_label("Ma santé en ligne (Ameli, Doctolib…)").check()

    page.get_by_label("Prénom").fill("Josiane")
    page.get_by_label(re.compile(r"^Nom")).fill("Vandenbussche")
    page.get_by_label("Numéro de téléphone").fill("06 12 34 56 78")
    page.get_by_label(re.compile(r"J'ai lu les informations")).check()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator("h1")).to_contain_text("confirmé")
    assert_accessible(page)
