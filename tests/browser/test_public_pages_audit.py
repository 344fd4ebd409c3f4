"""Every public page not walked by a journey passes axe-core too: the information notice,
the accessibility statement, the widget and its code page, a small phone included."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll
from tests.browser.test_booking_journey import estaires_permanence  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

PAGES = [
    "/donnees-personnelles/",
    "/accessibilite/",
    "/communes/estaires/",
    "/ateliers/",
    "/widget/59212/",
    "/widget/59212/code/",
]


@pytest.mark.parametrize("path", PAGES)
def test_public_page_is_accessible(new_page, estaires_permanence, path):  # noqa: F811
    page = new_page()
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    assert page.locator("h1").count() == 1
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/donnees-personnelles/", "/accessibilite/", "/widget/59212/"])
def test_public_page_fits_a_small_phone(new_page, estaires_permanence, path):  # noqa: F811
    page = new_page(viewport={"width": 375, "height": 667})
    page.goto(path)
    assert_no_horizontal_scroll(page, 375)
    assert_accessible(page)


@pytest.fixture
def second_territory(estaires_permanence):  # noqa: F811
    from tests import factories as f

    other = f.TerritoryFactory(slug="val", name="Communauté de communes du Val", short_name="CCV")
    commune = f.CommuneFactory(territory=other, name="Bourg", slug="bourg", insee_code="00011")
    f.PermanenceFactory(commune=commune)
    return other


@pytest.mark.parametrize(
    "path", ["/", "/ateliers/", "/territoire/val/", "/territoire/val/communes/bourg/"]
)
def test_pages_of_two_territories_are_accessible_on_a_small_phone(new_page, second_territory, path):
    page = new_page(viewport={"width": 375, "height": 667})
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    assert page.locator("h1").count() == 1
    if not path.startswith("/territoire/"):
        assert page.locator("h1").inner_text() == "Choisissez votre territoire"
    assert_no_horizontal_scroll(page, 375)
    assert_accessible(page)
