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
# Measured at 360 px (demo banner and footer included): about 2,820 px with the short notice
# and the grouped reasons, the « Prénom » input ending at 701 px (747 px before the chosen
# slot's card and the notice were made compact); it was about 5,300 px with the full notice
# before the first field and a hint under each reason.
MAX_DOCUMENT_HEIGHT = 3000
JARGON = [
    "Aide aux démarches administratives",
    "Réseaux sociaux communication",
    "Prendre en main du matériel",
]


def layout_of_the_top(page) -> str:
    """Where each block above the form ends, to see what to shorten when the test fails."""
    return page.evaluate(
        """() => [
            '.demo-banner', '.site-header', 'main', 'h1', '.chosen-slot', '.notice-short',
            'h2.form-start', 'label[for=id_first_name]', '#id_first_name',
        ].map((selector) => {
            const element = document.querySelector(selector);
            if (!element) return `${selector} : absent`;
            const box = element.getBoundingClientRect();
            return `${selector} : ${Math.round(box.top)}–${Math.round(box.bottom)} px`;
        }).join('\\n')"""
    )


def test_booking_form_on_a_phone_is_short_and_plain(new_page, estaires_permanence):
    page = new_page(viewport=PHONE)
    open_booking_form(page)
    assert_no_horizontal_scroll(page, PHONE["width"])

    # The whole « Prénom » input is on the first screen, without scrolling.
    box = page.get_by_label("Prénom").bounding_box()
    assert box is not None
    bottom = box["y"] + box["height"]
    assert bottom <= PHONE["height"], (
        f"Le champ « Prénom » finit à {bottom:.0f} px, sous l'écran de {PHONE['height']} px\n"
        + layout_of_the_top(page)
    )

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
