"""Real-browser journeys: Playwright driving Debian's Chromium, with an axe-core audit,
and every HTML page the browser receives checked by the Nu HTML Checker.

The browser is ``/usr/bin/chromium`` (Debian package ``chromium``); Playwright never
downloads one. axe-core and the Nu HTML Checker (``vnu-jar``) come from npm (``npm ci``
puts them in ``node_modules/``); the checker runs on Java (Debian ``default-jre-headless``),
started once per test session as a local service on the loopback.
When any is missing the browser tests are skipped with the reason, unless
``CADRAN_REQUIRE_BROWSER=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CADRAN_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
# The success criteria of RGAA 4.1 / WCAG 2.1 levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 15_000


def _missing_requirements() -> list[str]:
    missing = []
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"{CHROMIUM} absent (apt-get install chromium)")
    if not AXE_JS.exists():
        missing.append(f"{AXE_JS.relative_to(ROOT)} absent (npm ci)")
    if not VNU_JAR.exists():
        missing.append(f"{VNU_JAR.relative_to(ROOT)} absent (npm ci)")
    if shutil.which("java") is None:
        missing.append("java absent (apt-get install default-jre-headless)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("paquet Python playwright absent (make install)")
    return missing


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CADRAN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CADRAN_REQUIRE_BROWSER=1 mais {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium per test module, with its own fresh profile.

    Playwright's sync API keeps an asyncio loop running in this thread while it is
    started, and Django refuses ORM calls while a loop runs; the tests only touch the
    database between browser steps, never concurrently, so the check is lifted for the
    module's duration and restored afterwards.
    """
    missing = _missing_requirements()
    if missing:
        _skip_or_fail("navigateur indisponible : " + " ; ".join(missing))
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        # launch() gives Chromium a fresh temporary user-data dir and removes it on close.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NuChecker:
    """The Nu HTML Checker (vnu.jar) as a local HTTP service; ``check(html)`` returns its
    errors (warnings and infos are not counted). Each distinct page is checked once."""

    def __init__(self) -> None:
        self.port = _free_port()
        java = shutil.which("java") or "java"
        self.process = subprocess.Popen(  # noqa: S603 (our own fixed command)
            [
                java,
                "-Xss1024k",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.seen: dict[str, list[str]] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self._post(b"<!DOCTYPE html><html lang=fr><title>x</title></html>")
                return
            except OSError:
                time.sleep(0.3)
        self.close()
        raise RuntimeError("Le Nu HTML Checker n'a pas démarré en 60 s.")

    def _post(self, body: bytes) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/?out=json",
            data=body,
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())

    def check(self, html: bytes) -> list[str]:
        # Django's CSRF token is new in each response: without it, the same page seen twice
        # (at two widths, or audited again) is one page, checked once.
        html = CSRF_TOKEN.sub(rb'name="csrfmiddlewaretoken" value="x"', html)
        key = hashlib.sha256(html).hexdigest()
        if key not in self.seen:
            messages = self._post(html)["messages"]
            self.seen[key] = [
                f"ligne {m.get('lastLine')} : {m.get('message')} « {m.get('extract', '')} »"
                for m in messages
                if m.get("type") == "error" or m.get("subType") == "fatal"
            ]
        return self.seen[key]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def nu_checker() -> Iterator[NuChecker]:
    missing = _missing_requirements()
    if missing:
        _skip_or_fail("navigateur indisponible : " + " ; ".join(missing))
    checker = NuChecker()
    try:
        yield checker
    finally:
        checker.close()


def _record_document(response, documents: list[tuple[str, bytes]]) -> None:
    """Keep the HTML of every page (or frame) the browser received, for the Nu checker."""
    try:
        if response.request.resource_type != "document" or response.status != 200:
            return
        if "text/html" not in (response.headers.get("content-type") or ""):
            return
        documents.append((response.url, response.body()))
    except Exception:  # noqa: BLE001 (a page closed meanwhile: nothing to check)
        return


@pytest.fixture
def new_page(browser, live_server, nu_checker) -> Iterator:
    """Open pages, each in its own fresh context (no shared cookies): ``new_page(**options)``.

    French locale, Paris time zone, a desktop screen unless ``viewport`` is given; any
    Playwright ``new_context`` option may be passed (``java_script_enabled=False``...).
    Uncaught JavaScript errors and anything a Content-Security-Policy blocks (an inline
    script or style, an inline event handler) fail the test.
    """
    contexts = []
    errors: list[str] = []
    documents: list[tuple[str, bytes]] = []

    def open_page(**options):
        options = {
            "base_url": live_server.url,
            "locale": "fr-FR",
            "timezone_id": "Europe/Paris",
            "viewport": {"width": 1280, "height": 900},
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda message: _record_csp_violation(page, message, errors))
        page.on("response", lambda response: _record_document(response, documents))
        return page

    open_page.errors = errors  # what was caught so far, for the harness's own tests
    open_page.documents = documents
    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()
    assert not errors, "Erreurs JavaScript sur la page :\n" + "\n".join(errors)
    invalid = [
        f"{url}\n  " + "\n  ".join(found)
        for url, html in documents
        if (found := nu_checker.check(html))
    ]
    assert not invalid, "Nu HTML Checker : erreurs sur\n" + "\n".join(invalid)


def _record_csp_violation(page, message, errors: list[str]) -> None:
    """Chromium reports what a Content-Security-Policy blocked on the console."""
    if message.type == "error" and "Content Security Policy" in message.text:
        errors.append(f"{page.url}: {message.text}")


@pytest.fixture
def page(new_page):
    """One page in a fresh context, on a desktop screen."""
    return new_page()


def _format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or '?'}): {violation['help']}"
            f"\n  {violation.get('helpUrl', '')}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    · {target}  {node.get('html', '')[:160]}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the current page; no violation allowed.

    axe is injected with ``page.evaluate`` (DevTools protocol), not a ``<script>`` tag,
    so the audit still works when the page's Content-Security-Policy forbids inline
    scripts, and without weakening that policy.
    """
    if not AXE_JS.exists():
        _skip_or_fail(f"{AXE_JS.relative_to(ROOT)} absent (npm ci)")
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    # Only the violations are described in full (``resultTypes``): describing every node
    # that passes took two thirds of the audit's time on the staff pages' long tables.
    violations = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
        }).then((result) => result.violations)""",
        AXE_TAGS,
    )
    assert not violations, (
        f"axe-core : {len(violations)} règle(s) non respectée(s) sur {page.url}\n"
        + _format_violations(violations)
    )


class AuditWithoutJavaScript:
    """axe-core and the width measure for a page opened with ``java_script_enabled=False``.

    axe-core cannot run where JavaScript is off (its promise never settles). ``check()``
    shows what that page last received (its HTML and headers, the Content-Security-Policy
    included) at the same address in ``audit_page``, a page of the same size with JavaScript
    on, where the site's own scripts are blocked: the audited document is the one without
    JavaScript. Nothing is asked of the server again, so the result of a POST (a form sent
    back with its errors) is audited as it was received, and a one-time page stays so.
    """

    # Headers that describe the transfer, not the page (the body kept is already decoded).
    TRANSFER_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "set-cookie"}

    def __init__(self, page, audit_page) -> None:
        self.page = page
        self.audit_page = audit_page
        self.response = None  # the last page received (its headers and body read when audited)
        self.received: tuple[str, int, dict[str, str], bytes] | None = None
        page.on("response", self._keep)
        audit_page.route("**/*", self._serve)

    def _keep(self, response) -> None:
        # No call to the browser here: a handler that waits would finish after the audit.
        request = response.request
        if request.resource_type != "document" or request.frame != self.page.main_frame:
            return
        if not 300 <= response.status < 400:  # a redirect: the page is the next response
            self.response = response

    def _serve(self, route) -> None:
        request = route.request
        if self.received and request.is_navigation_request() and request.url == self.received[0]:
            _url, status, headers, body = self.received
            route.fulfill(status=status, headers=headers, body=body)
        elif request.resource_type == "script":
            route.abort()
        else:
            route.continue_()

    def check(self, *, width: int | None = None) -> None:
        # A call to the browser first: the events received before it (the last page) are
        # handled by then.
        self.page.evaluate("() => 1")
        response = self.response
        assert response is not None, "Aucune page reçue sans JavaScript"
        url = response.url
        headers = {
            name: value
            for name, value in response.all_headers().items()
            if name not in self.TRANSFER_HEADERS
        }
        self.received = (url, response.status, headers, response.body())
        assert urldefrag(self.page.url)[0] == url, (self.page.url, url)
        self.audit_page.goto(url)
        assert_accessible(self.audit_page)
        if width:
            assert_no_horizontal_scroll(self.audit_page, width)


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def assert_no_horizontal_scroll(page, width: int) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"La page {page.url} déborde horizontalement : {scroll_width}px pour un écran de {width}px"
    )
