"""The board in a real browser: the coordination sees a conflict, moves the session through
the two-step form, with JavaScript off; an adviser reads the board. Every page is audited
with axe-core (WCAG 2.1 A and AA). Real time (no frozen clock): dates are relative.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.workshops.models import Session
from tests import factories as f
from tests.browser.conftest import assert_accessible
from tests.workshops.factories import SessionFactory, WorkshopFactory

pytestmark = pytest.mark.browser

TABLET = {"width": 800, "height": 1100}


def next_weekday(weekday: int, weeks: int = 2) -> dt.date:
    today = clock.today()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


@pytest.fixture
def cast(transactional_db):
    territory = f.TerritoryFactory(slug="ccfl")
    estaires = f.CommuneFactory(territory=territory, name="Estaires", insee_code="59212")
    merville = f.CommuneFactory(territory=territory, name="Merville", insee_code="59400")
    adviser = f.UserFactory(
        adviser=True,
        territory=territory,
        communes=[estaires],
        first_name="David",
        last_name="Thibaut",
        email="david@example.org",
    )
    f.UserFactory(
        adviser=True,
        territory=territory,
        communes=[merville],
        first_name="Sophie",
        last_name="Martin",
        email="sophie@example.org",
    )
    coordinator = f.UserFactory(coordinator=True, territory=territory, email="coord@example.org")
    permanence = f.PermanenceFactory(commune=estaires, adviser=adviser, weekday=2)
    wednesday = next_weekday(2)
    person = f.BeneficiaryFactory(territory=territory, first_name="Jeanne", last_name="Lefebvre")
    f.AppointmentFactory(
        permanence=permanence,
        start=dt.datetime.combine(wednesday, dt.time(9), tzinfo=PARIS),
        beneficiary=person,
    )
    venue = f.VenueFactory(commune=merville, name="Médiathèque de Merville", has_pc=True)
    start = dt.datetime.combine(wednesday, dt.time(11), tzinfo=PARIS)
    session = SessionFactory(
        workshop=WorkshopFactory(territory=territory, title="Premiers pas"),
        venue=venue,
        start=start,
        decision_at=start - dt.timedelta(hours=48),
        advisers=[adviser],
    )
    return {"session": session, "wednesday": wednesday, "adviser": adviser, "coord": coordinator}


def log_in(page, email: str) -> None:
    page.goto(reverse("accounts:login"))
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile(r"/compte/connexion/"))


def test_coordination_sees_the_conflict_on_accessible_pages(new_page, cast):
    page = new_page()
    log_in(page, "coord@example.org")
    page.get_by_role("link", name="Cadran", exact=True).click()
    assert_accessible(page)
    page.goto(reverse("board:week") + f"?date={cast['wednesday'].isoformat()}")
    expect(page.locator("h1")).to_contain_text("Cadran des interventions")
    expect(page.locator("#conflit-1")).to_contain_text("deux endroits en même temps")
    assert "Lefebvre" not in page.content()
    assert_accessible(page)
    page.get_by_role("link", name="Une ligne par commune").click()
    expect(page.locator("caption")).to_contain_text("une ligne par commune")
    assert_accessible(page)
    page.get_by_role("link", name="Voir le mois entier").click()
    assert_accessible(page)
    page.get_by_role("link", name="Couverture des communes").click()
    expect(page.locator("h1")).to_contain_text("Couverture des communes")
    assert_accessible(page)
    page.goto(reverse("board:session_move", args=[cast["session"].pk]))
    page.get_by_role("button", name="Vérifier les conflits").click()
    expect(page.get_by_role("heading", name="Vérification à la nouvelle date")).to_be_visible()
    assert_accessible(page)
    page.goto(reverse("workshops:session_detail", args=[cast["session"].pk]))
    expect(page.locator("main")).to_contain_text("Conflits à vérifier (Cadran)")
    assert_accessible(page)


def test_coordination_moves_the_session_without_javascript(new_page, cast):
    """axe-core needs JavaScript: these pages are audited in the test above."""
    page = new_page(java_script_enabled=False)
    log_in(page, "coord@example.org")
    page.goto(reverse("board:week") + f"?date={cast['wednesday'].isoformat()}")
    page.get_by_role("link", name=re.compile("Déplacer la séance")).first.click()
    page.get_by_label("Début").fill("14:00")
    page.get_by_label("Fin").fill("16:00")
    page.get_by_role("button", name="Vérifier les conflits").click()
    expect(page.get_by_role("heading", name="Vérification à la nouvelle date")).to_be_visible()
    page.get_by_role("button", name="Confirmer le déplacement").click()
    expect(page.locator(".messages")).to_contain_text("La séance est déplacée")
    expect(page.locator(".ok-note")).to_contain_text("Aucun conflit")
    session = Session.objects.get(pk=cast["session"].pk)
    assert clock.paris(session.start).time() == dt.time(14)


def test_adviser_reads_the_board_on_a_tablet(new_page, cast):
    page = new_page(viewport=TABLET)
    log_in(page, "sophie@example.org")
    page.goto(reverse("board:week") + f"?date={cast['wednesday'].isoformat()}")
    expect(page.locator("table.board")).to_contain_text("Estaires")
    assert page.get_by_role("link", name=re.compile("Déplacer")).count() == 0
    scroller = page.locator(".board-scroll")
    scroller.focus()
    page.keyboard.press("ArrowRight")
    assert_accessible(page)
