"""The harness itself: Chromium starts, the live server answers, axe-core audits."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AuditWithoutJavaScript, assert_accessible

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


PROBE = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Sonde</title>'
    '<script src="/sonde.js" defer></script></head>'
    '<body><main><h1>Sonde</h1><input type="text" id="champ"></main></body></html>'
)
# What the page's own script would do with JavaScript on: give the field a name.
PROBE_SCRIPT = "document.getElementById('champ').setAttribute('aria-label', 'Champ');"


def test_audit_without_javascript_audits_what_was_received(new_page):
    """The page a browser without JavaScript received is audited as is: not asked of the
    server again (only the JavaScript-less page gets the probe), and its scripts do not run
    (one would hide the violation)."""
    page = new_page(java_script_enabled=False)
    page.route("**/sonde/", lambda route: route.fulfill(content_type="text/html", body=PROBE))
    audit_page = new_page()
    audit_page.route(
        "**/sonde.js",
        lambda route: route.fulfill(content_type="text/javascript", body=PROBE_SCRIPT),
    )
    audit = AuditWithoutJavaScript(page, audit_page)
    page.goto("/sonde/")
    with pytest.raises(AssertionError, match="label"):
        audit.check()
