"""Every staff page fits a laptop (1280 px) and a small phone (360 px), for each role.

The test logs in as each staff role that has pages, collects the links of the staff menu
and the main links of each page it reaches (same origin, under ``/espace/``, GET only, no
downloads), and visits each at both sizes: the page never scrolls sideways, and at 1280 px
no table is wider than its box (no column cut off behind a scroll bar). axe-core audits
each page; the Nu HTML Checker checks every document (``new_page``).

The data is the demo's (``seed_demo``: eight communes, a year of appointments, loans over
several weeks, messages), so the tables are as full as in real use. Real time: the demo is
dated relative to today. The demo is seeded once and every role walks it in one test (the
pages are only read), each role a subtest with its own report: seeding it once per role
took about a minute of CI time.
"""

from __future__ import annotations

import re
from io import StringIO
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from cadran.core.management.commands.seed_demo import DEMO_PASSWORD
from tests import factories as f
from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
ROLES = {
    "adviser": "david.thibaut@cadran.demo",
    "culture_service": "culture@cadran.demo",
    "coordinator": "coordination@cadran.demo",
    "commune_referent": "referent.estaires@cadran.demo",
    "librarian": "bibliotheque.estaires@cadran.demo",
}
DOWNLOADS = re.compile(r"\.(pdf|ods|odt|csv|ics|json|xlsx|zip|png|svg)$|/(export|telecharger)")
# Pages of one kind (the 40 appointments of a day) look alike: one of each is visited.
PAGES_PER_ROLE = 24

# The links a page offers: the staff menu, the page's own sub-menu and its main content.
LINKS_JS = """() => Array.from(document.querySelectorAll('nav.site-nav a[href], main a[href]'))
    .map(a => a.href)"""
# A table wider than the box that holds it (its columns are cut off behind a scroll bar).
CUT_TABLES_JS = """() => Array.from(document.querySelectorAll('main table')).filter(t => {
    const box = t.parentElement;
    return t.scrollWidth > box.clientWidth + 1 || t.getBoundingClientRect().right
        > document.documentElement.clientWidth + 1;
}).map(t => (t.querySelector('caption') || t).textContent.trim().slice(0, 80))"""


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=StringIO())


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(reverse("accounts:login"))
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile(r"/compte/connexion/"))


def shape(path: str) -> str:
    """Pages that differ only by their numbers or dates are one kind of page."""
    return re.sub(r"\d+", "N", path)


def staff_links(page, origin: str) -> list[str]:
    found = []
    for href in page.evaluate(LINKS_JS):
        url, _ = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin or not parts.path.startswith("/espace/"):
            continue
        if DOWNLOADS.search(parts.path) or "format=" in parts.query:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(page, origin: str, problems: list[str]) -> list[str]:
    """The staff menu's pages, then the pages they link to (one of each kind), each measured
    and audited at the laptop's width as it is visited."""
    page.goto(reverse("staff:home"))
    menu = staff_links(page, origin)
    seen_shapes: set[str] = set()
    queue = []
    for path in ["/espace/", *menu]:
        if shape(path) not in seen_shapes:
            seen_shapes.add(shape(path))
            queue.append(path)
    visited = []
    while queue and len(visited) < PAGES_PER_ROLE:
        path = queue.pop(0)
        response = page.goto(path)
        if response is None or response.status != 200:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(path)
        problems += measure(page, path, LAPTOP["width"])
        assert_accessible(page)
        if path in menu or path == "/espace/":
            for link in staff_links(page, origin):
                if shape(link) not in seen_shapes:
                    seen_shapes.add(shape(link))
                    queue.append(link)
    return visited


def measure(page, path: str, width: int) -> list[str]:
    problems = []
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"{path} à {width} px : la page fait {scroll_width} px de large")
    if width >= LAPTOP["width"]:
        for caption in page.evaluate(CUT_TABLES_JS):
            problems.append(f"{path} à {width} px : tableau coupé « {caption} »")
    return problems


def walk_as(new_page, origin: str, role: str) -> None:
    laptop = new_page(viewport=LAPTOP)
    log_in(laptop, ROLES[role])
    problems: list[str] = []
    paths = crawl(laptop, origin, problems)
    assert len(paths) >= 3, paths  # the menu was found and followed
    phone = new_page(viewport=PHONE)
    log_in(phone, ROLES[role])
    for path in paths:
        phone.goto(path)
        problems += measure(phone, path, PHONE["width"])
        assert_accessible(phone)
    assert not problems, f"{role} :\n" + "\n".join(problems)


def test_every_staff_page_fits_a_laptop_and_a_phone(new_page, demo, live_server, subtests):
    for role in ROLES:
        with subtests.test(role=role):
            walk_as(new_page, live_server.url, role)


def test_the_measure_catches_a_page_too_wide(new_page, transactional_db):
    """The check itself can fail: a page made wider than the phone is reported."""
    coordinator = f.UserFactory(coordinator=True)
    page = new_page(viewport=PHONE)
    log_in(page, coordinator.email, password=f.PASSWORD)
    page.goto(reverse("staff:home"))
    page.evaluate("() => { document.querySelector('main').style.minWidth = '900px'; }")
    with pytest.raises(AssertionError, match="déborde"):
        assert_no_horizontal_scroll(page, PHONE["width"])
