"""The commune report in a real browser, as the commune's referent sees it (small counts
masked « < 3 »): axe-core finds no violation, the Nu HTML Checker no error (it checks every
page the browser receives: tests/browser/conftest.py), and it reads on a small phone."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import (  # noqa: F401 — the browser fixtures
    assert_accessible,
    assert_no_horizontal_scroll,
    browser,
    new_page,
    nu_checker,
)

pytestmark = pytest.mark.browser

NOV = {"du": "2026-11-01", "au": "2026-11-30"}


def log_in(page, email: str) -> None:
    page.goto(reverse("accounts:login"))
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile(r"/compte/connexion/"))


@pytest.mark.parametrize("width", [1280, 360])
def test_the_masked_commune_report_is_valid_and_accessible(
    transactional_db,
    new_page,  # noqa: F811
    history,
    referent,
    width,
):
    page = new_page(viewport={"width": width, "height": 900})
    log_in(page, referent.email)
    response = page.goto(reverse("reporting:commune", args=["59212"]) + "?" + urlencode(NOV))
    assert response is not None and response.status == 200
    assert "< 3" in page.locator("main").inner_text().replace("\u00a0", " ")
    assert_accessible(page)
    if width == 360:
        assert_no_horizontal_scroll(page, 360)


# Every text of every chart as drawn on screen: its font size times the SVG's scale.
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map(t => ({
        text: t.textContent,
        px: parseFloat(getComputedStyle(t).fontSize) * scale,
    }));
})"""


@pytest.mark.parametrize("width", [1280, 360])
def test_chart_labels_are_at_least_12px_and_each_title_is_said_once(
    transactional_db,
    new_page,  # noqa: F811
    history,
    referent,
    width,
):
    page = new_page(viewport={"width": width, "height": 900})
    log_in(page, referent.email)
    page.goto(reverse("reporting:commune", args=["59212"]) + "?" + urlencode(NOV))
    sizes = page.evaluate(CHART_TEXT_SIZES)
    assert len(sizes) > 20  # the labels and values of the charts were found
    small = [s for s in sizes if s["px"] < 12 - 0.01]
    assert not small, small[:5]
    # The monthly chart draws every status its table has, and names them in its legend.
    month = page.locator("#graphique-mois-title").locator("xpath=..")
    legend = month.locator("text").all_text_contents()
    for status in ("Honorés", "Pris", "Absences", "Annulations"):
        assert status in legend
    assert month.locator("[id^='graphique-mois-bar-0-']").count() == 4
    # A section's title is visible once: the table's caption (same words) is for screen readers.
    titles = page.evaluate(
        """() => [...document.querySelectorAll('main h2, main caption')]
            .filter(e => e.getBoundingClientRect().width > 1)
            .map(e => e.textContent.trim())"""
    )
    assert "Rendez-vous par mois" in titles
    assert len(titles) == len(set(titles)), titles
    if width == 360:
        assert_no_horizontal_scroll(page, 360)
