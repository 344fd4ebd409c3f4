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
            const main = document.querySelector('main') || document.body;
            main.appendChild(document.createElement('input'));
            main.appendChild(document.createElement('img')).src = '/static/none.png';
        }"""
    )
    with pytest.raises(AssertionError) as excinfo:
        assert_accessible(page)
    message = str(excinfo.value)
    assert "image-alt" in message
    assert "label" in message


def test_blocked_inline_script_is_caught(new_page):
    """Under a strict CSP, a page that still relies on an inline script is reported."""
    page = new_page()
    page.route(
        "**/csp-probe/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": "script-src 'self'"},
            body="<!DOCTYPE html><html lang='fr'><title>t</title><script>1</script></html>",
        ),
    )
    page.goto("/csp-probe/")
    page.wait_for_load_state("load")
    assert any("Content Security Policy" in error for error in new_page.errors), new_page.errors
    new_page.errors.clear()  # caught as expected: don't fail this test at teardown


def test_the_nu_checker_finds_what_it_must(nu_checker):
    # The harness can fail: an empty action and a bare « < » are errors for the checker.
    bad = (
        b'<!DOCTYPE html><html lang="fr"><head><title>x</title></head>'
        b'<body><form action=""><p>a < 3</p></form></body></html>'
    )
    found = nu_checker.check(bad)
    assert any("action" in error for error in found)
    assert any("<" in error for error in found)
    good = (
        b'<!DOCTYPE html><html lang="fr"><head><title>x</title></head>'
        b"<body><form><p>a &lt; 3</p></form></body></html>"
    )
    assert nu_checker.check(good) == []
