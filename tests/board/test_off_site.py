"""Off-site (« hors les murs ») sessions on the board: shown at their own place, never said
to lack what their venue lacks, not caught by a closure of their venue or commune, and
their venue's room free for another session. Moving one keeps its place as long as its
venue is kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cadran.board.conflicts import CLOSURE, DOUBLE_BOOKING, VENUE, check_conflicts_for_session
from cadran.board.selectors import load_board
from cadran.workshops import services
from cadran.workshops.models import Session
from tests import factories as f
from tests.workshops.factories import SessionFactory, WorkshopFactory, WorkshopFormatFactory

from .conftest import at

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def bare_venue(estaires):
    """A registered venue with nothing a projection needs."""
    return f.VenueFactory(
        commune=estaires,
        name="Salle paroissiale",
        room="",
        has_projector=False,
        has_screen=False,
        has_pc=False,
        wifi=False,
    )


@pytest.fixture
def projection(territory):
    return WorkshopFormatFactory(
        territory=territory, name="Projection", needs_projector=True, needs_screen=True
    )


def make(venue, fmt, adviser, *, off_site: bool, start=None):
    return SessionFactory(
        workshop=WorkshopFactory(territory=venue.commune.territory, format=fmt, title="Au marché"),
        venue=venue,
        advisers=[adviser],
        start=start or at(5, 10),
        off_site=off_site,
    )


def board_of(territory):
    return load_board(territory_id=territory.pk, date_from=at(5, 0).date(), date_to=at(5, 0).date())


def test_the_same_session_in_its_venue_lacks_what_the_venue_lacks(
    territory, bare_venue, projection, adviser
):
    """The control: without its own place the session is flagged (the test can fail)."""
    make(bare_venue, projection, adviser, off_site=False)
    [conflict] = [c for c in board_of(territory).conflicts if c.kind == VENUE]
    assert "à Salle paroissiale :" in conflict.message
    assert "vidéoprojecteur" in conflict.message


def test_an_off_site_session_is_not_said_to_lack_what_its_venue_lacks(
    territory, bare_venue, projection, adviser
):
    session = make(bare_venue, projection, adviser, off_site=True)
    board = board_of(territory)
    assert [c for c in board.conflicts if c.kind == VENUE] == []
    [entry] = board.sessions
    assert entry.off_site and entry.venue_name == "Marché hebdomadaire"
    assert entry.where == "Marché hebdomadaire (hors les murs)"
    assert entry.commune_id == bare_venue.commune_id  # its commune: travel, filters, rows
    assert check_conflicts_for_session(session=session) == []


def test_a_3d_printer_is_still_needed_off_site(territory, bare_venue, adviser):
    printer = WorkshopFormatFactory(territory=territory, printer_3d=True)
    make(bare_venue, printer, adviser, off_site=True)
    [conflict] = [c for c in board_of(territory).conflicts if c.kind == VENUE]
    assert "à Marché hebdomadaire (hors les murs) : aucune imprimante 3D" in conflict.message
    assert "vidéoprojecteur" not in conflict.message


def test_messages_name_the_off_site_place(territory, bare_venue, fmt, adviser, permanence):
    # Saturday session moved onto David's Wednesday permanence (9h–12h at the mairie).
    make(bare_venue, fmt, adviser, off_site=True, start=at(2, 10))
    board = load_board(
        territory_id=territory.pk, date_from=at(2, 0).date(), date_to=at(2, 0).date()
    )
    [double] = [c for c in board.conflicts if c.kind == DOUBLE_BOOKING]
    assert "l'atelier « Au marché » à Marché hebdomadaire (hors les murs)" in double.message
    assert "Salle paroissiale" not in double.message


def test_a_closure_of_its_venue_or_commune_does_not_concern_it(
    territory, estaires, bare_venue, fmt, adviser
):
    f.ClosureFactory(territory=territory, venue=bare_venue, start=at(5, 0), end=at(6, 0))
    f.ClosureFactory(
        territory=territory, commune=estaires, start=at(5, 0), end=at(6, 0), reason="Ducasse"
    )
    off = make(bare_venue, fmt, adviser, off_site=True)
    assert [c for c in board_of(territory).conflicts if c.kind == CLOSURE] == []
    # The same session in its venue is caught by both.
    Session.objects.filter(pk=off.pk).update(
        off_site_name="", off_site_address="", off_site_access=""
    )
    assert len([c for c in board_of(territory).conflicts if c.kind == CLOSURE]) == 2


def test_a_closure_of_the_territory_or_its_adviser_away_still_concerns_it(
    territory, bare_venue, fmt, adviser
):
    f.ClosureFactory(territory=territory, start=at(5, 0), end=at(6, 0), reason="Inventaire")
    f.ClosureFactory(
        territory=territory, adviser=adviser, start=at(5, 0), end=at(6, 0), reason="Congé"
    )
    make(bare_venue, fmt, adviser, off_site=True)
    closures = [c for c in board_of(territory).conflicts if c.kind == CLOSURE]
    assert len(closures) == 2


def test_the_cell_shows_the_off_site_place(client, culture_user, bare_venue, fmt, adviser):
    make(bare_venue, fmt, adviser, off_site=True)
    client.force_login(culture_user)
    page = client.get(reverse("board:week"), {"date": "2026-12-05"}).content.decode()
    assert "Marché hebdomadaire (hors les murs" in page
    assert "Salle paroissiale" not in page
    month = client.get(reverse("board:month"), {"date": "2026-12-05"}).content.decode()
    assert "(hors les murs)" in month


def test_the_move_page_keeps_the_place_with_the_venue(
    client, culture_user, bare_venue, projection, adviser
):
    session = make(bare_venue, projection, adviser, off_site=True)
    url = reverse("board:session_move", args=[session.pk])
    client.force_login(culture_user)
    page = client.get(url).content.decode()
    assert "Hors les murs : Marché hebdomadaire, Place du Marché, 59940 Estaires" in page
    assert "Marché hebdomadaire (hors les murs, inchangé)" in page
    # Checking another hour in the same venue: no « Lieu pas adapté », still off-site.
    data = {"day": "2026-12-12", "start_time": "10:00", "end_time": "12:00", "step": "check"}
    response = client.post(url, {**data, "venue": bare_venue.pk})
    assert response.context["checked_conflicts"] == []
    data["checked"] = response.context["form"]["checked"].value()
    response = client.post(url, {**data, "venue": bare_venue.pk, "step": "confirm"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.start == at(12, 10) and session.is_off_site


def test_moving_it_to_the_venue_itself_would_lack_what_the_venue_lacks(
    bare_venue, projection, adviser, estaires
):
    """Another venue than its own brings it back indoors: then the venue counts."""
    session = make(bare_venue, projection, adviser, off_site=True)
    other = f.VenueFactory(commune=estaires, name="Préau", has_projector=False)
    [conflict] = [
        c for c in check_conflicts_for_session(session=session, venue=other) if c.kind == VENUE
    ]
    assert "à Préau :" in conflict.message


def test_the_room_of_its_venue_stays_free_for_another_session(
    territory, library_venue, fmt, adviser, culture_user
):
    make(library_venue, fmt, adviser, off_site=True)
    other_adviser = f.UserFactory(adviser=True, territory=territory)
    workshop = WorkshopFactory(territory=territory, format=fmt, title="Dans la salle")
    [session] = services.schedule_sessions(
        workshop=workshop,
        venue=library_venue,
        starts=[at(5, 10)],
        advisers=[other_adviser],
        by=culture_user,
    )
    assert not session.is_off_site and session.venue == library_venue
