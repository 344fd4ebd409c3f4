"""The harness itself: Chromium starts, the live server answers, axe-core audits."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def test_home_page_loads_and_is_accessible(page):
    response = page.goto("/")
    assert response is not None and response.status == 200
    assert page.locator("h1").count() == 1
    assert page.locator("main").count() == 1
    assert_accessible(page)


def test_axe_reports_violations(page):
    """The audit is not a rubber stamp: an unlabelled field and an image without text fail."""
    page.goto("/")
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.appendChild(document.createElement('input'));
            main.appendChild(document.createElement('img')).src = '/static/none.png';
        }"""
    )
    with pytest.raises(AssertionError) as excinfo:
        assert_accessible(page)
    message = str(excinfo.value)
    assert "image-alt" in message
    assert "label" in message
