"""The board's data, read from the database: counts, placement, conflicts, checks."""

from __future__ import annotations

import datetime as dt

import pytest

from cadran.board import selectors
from cadran.board.conflicts import (
    BELOW_MINIMUM,
    CLOSURE,
    DOUBLE_BOOKING,
    TRAVEL,
    VENUE,
    check_conflicts_for_closure,
    check_conflicts_for_permanence,
    check_conflicts_for_session,
)
from cadran.board.models import TravelTime
from cadran.board.selectors import Filters, Viewer
from cadran.scheduling.enums import AppointmentStatus
from tests import factories as f
from tests.equipment.factories import EquipmentFactory, LoanFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory

from .conftest import at

pytestmark = pytest.mark.usefixtures("frozen_now")

WEEK_OF_2_DEC = (dt.date(2026, 11, 30), dt.date(2026, 12, 6))


def load(territory, period=WEEK_OF_2_DEC):
    return selectors.load_board(territory_id=territory.pk, date_from=period[0], date_to=period[1])


def test_periods():
    assert selectors.period_of("week", dt.date(2026, 12, 2)) == WEEK_OF_2_DEC
    assert selectors.period_of("month", dt.date(2026, 2, 14)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert selectors.shift("month", dt.date(2026, 12, 20), 1) == dt.date(2027, 1, 1)
    assert selectors.shift("month", dt.date(2026, 1, 20), -1) == dt.date(2025, 12, 1)
    assert selectors.shift("week", dt.date(2026, 12, 2), -1) == dt.date(2026, 11, 23)
    assert selectors.period_label("month", dt.date(2026, 12, 1), dt.date(2026, 12, 31)) == (
        "décembre 2026"
    )


def test_occurrences_count_booked_and_free_slots(territory, permanence):
    f.AppointmentFactory(permanence=permanence, start=at(2, 9))
    f.AppointmentFactory(permanence=permanence, start=at(2, 10), cancelled=True)
    board = load(territory)
    [occ] = board.occurrences
    assert (occ.day, occ.offered, occ.booked, occ.free) == (dt.date(2026, 12, 2), 3, 1, 2)
    assert occ.busy_start == at(2, 8, 45)  # the adviser arrives at 8h45
    assert [start for _, start in occ.appointments] == [at(2, 9)]


def test_a_public_holiday_closes_the_occurrence(territory, permanence):
    """Wednesday 11 November 2026 is the Armistice."""
    board = load(territory, (dt.date(2026, 11, 9), dt.date(2026, 11, 15)))
    [occ] = board.occurrences
    assert occ.holiday and occ.is_closed and occ.free == 0
    assert board.holidays[dt.date(2026, 11, 11)]
    assert board.conflicts == []


def test_sessions_count_the_registrations_of_their_cycle(territory, session, workshop, adviser):
    RegistrationFactory.create_batch(3, session=session)
    RegistrationFactory(session=session, cancelled=True)
    RegistrationFactory(session=session, waiting=True)
    second = SessionFactory(
        workshop=workshop,
        venue=session.venue,
        start=session.start + dt.timedelta(days=1),
        cycle_group=session,
        advisers=[adviser],
    )
    session.cycle_group = session
    session.save()
    board = load(territory)
    by_id = {s.session_id: s for s in board.sessions}
    assert by_id[session.pk].confirmed == 3
    assert by_id[second.pk].confirmed == 3
    assert by_id[session.pk].is_target and not by_id[second.pk].is_target
    assert by_id[session.pk].attendance_label == "3/4 min."


def test_double_booking_and_travel_on_the_board(
    territory, estaires, merville, permanence, adviser, workshop, fmt
):
    """David holds Estaires 9h–12h; a session in Merville 11h–13h, another at 12h05."""
    merville_venue = f.VenueFactory(commune=merville, name="Médiathèque de Merville")
    overlapping = SessionFactory(
        workshop=workshop, venue=merville_venue, start=at(2, 11), advisers=[adviser]
    )
    board = load(territory)
    assert [c.kind for c in board.conflicts] == [DOUBLE_BOOKING]
    overlapping.start, overlapping.end = at(2, 12, 5), at(2, 13)
    overlapping.save()
    TravelTime.objects.create(
        territory=territory, from_commune=merville, to_commune=estaires, minutes=12
    )
    board = load(territory)
    assert [c.kind for c in board.conflicts] == [TRAVEL]
    assert "12 minutes de trajet" in board.conflicts[0].message


def test_venue_closure_and_below_minimum_on_the_board(territory, session, adviser, estaires):
    session.venue.has_tables_chairs = False
    session.venue.save()
    f.ClosureFactory(
        territory=territory, commune=estaires, start=at(5, 0), end=at(6, 0), reason="Fête"
    )
    # Decision on 3 December at 10h: now (27 November) is more than 3 days before.
    board = load(territory)
    assert sorted(c.kind for c in board.conflicts) == [CLOSURE, VENUE]
    board = selectors.load_board(
        territory_id=territory.pk,
        date_from=WEEK_OF_2_DEC[0],
        date_to=WEEK_OF_2_DEC[1],
        now=at(1, 9),
    )
    assert sorted(c.kind for c in board.conflicts) == [BELOW_MINIMUM, CLOSURE, VENUE]


def test_a_printer_loan_removes_the_printer_conflict(territory, session, estaires):
    fmt = session.workshop.format
    fmt.needs_3d_printer = True
    fmt.save()
    board = load(territory)
    assert [c.kind for c in board.conflicts] == [VENUE]
    printer = EquipmentFactory(territory=territory, printer=True)
    LoanFactory(
        equipment=printer,
        commune=estaires,
        approved=True,
        start_date=dt.date(2026, 12, 4),
        end_date=dt.date(2026, 12, 6),
    )
    board = load(territory)
    assert board.conflicts == []
    assert [loan.equipment_name for loan in board.loans] == [printer.name]


def test_grid_rows_by_adviser_and_by_commune(
    territory, estaires, merville, permanence, merville_permanence, session, adviser
):
    f.ClosureFactory(
        territory=territory, adviser=adviser, start=at(3, 0), end=at(4, 0), reason="Congé"
    )
    f.ClosureFactory(territory=territory, commune=merville, start=at(4, 0), end=at(5, 0))
    board = load(territory)
    viewer = Viewer(user_id=0, manages=True)
    grid = selectors.build_grid(
        board, view="week", rows_mode="advisers", filters=Filters(), viewer=viewer
    )
    labels = [row.label for row in grid.rows]
    assert labels[0] == "Territoire et communes"
    assert str(adviser) in labels
    david = next(r for r in grid.rows if r.key == f"a{adviser.pk}")
    kinds = {i.kind for cell in david.cells for i in cell.items}
    assert kinds == {"permanence", "session", "leave"}
    wednesday = david.cells[2]
    assert [i.entry.commune_name for i in wednesday.items] == ["Estaires"]

    grid = selectors.build_grid(
        board, view="week", rows_mode="communes", filters=Filters(), viewer=viewer
    )
    merville_row = next(r for r in grid.rows if r.label == "Merville")
    assert {i.kind for cell in merville_row.cells for i in cell.items} == {"permanence", "closure"}
    territory_row = grid.rows[0]
    assert {i.kind for cell in territory_row.cells for i in cell.items} == {"leave"}


def test_grid_filters(territory, estaires, merville, permanence, merville_permanence, session):
    board = load(territory)
    viewer = Viewer(user_id=0, manages=True)

    def items(filters, rows_mode="advisers"):
        grid = selectors.build_grid(
            board, view="week", rows_mode=rows_mode, filters=filters, viewer=viewer
        )
        return sorted(i.entry.key for r in grid.rows for c in r.cells for i in c.items)

    everything = items(Filters())
    assert len(everything) == 3
    assert items(Filters(commune_id=merville.pk)) == [f"p{merville_permanence.pk}-20261202"]
    assert items(Filters(kind="permanences")) == sorted(
        [f"p{permanence.pk}-20261202", f"p{merville_permanence.pk}-20261202"]
    )
    assert items(Filters(kind=str(session.workshop.format_id))) == [f"s{session.pk}"]
    assert items(Filters(adviser_id=merville_permanence.adviser_id)) == [
        f"p{merville_permanence.pk}-20261202"
    ]


def test_links_follow_what_the_viewer_may_open(
    territory, merville, permanence, merville_permanence
):
    board = load(territory)
    links = {"day_sheet": lambda occ: f"/feuille/{occ.permanence_id}/"}
    david = Viewer(user_id=permanence.adviser_id, manages=False)
    grid = selectors.build_grid(
        board, view="week", rows_mode="communes", filters=Filters(), viewer=david, links=links
    )
    by_commune = {i.entry.commune_name: i.link for r in grid.rows for c in r.cells for i in c.items}
    assert by_commune["Estaires"] == f"/feuille/{permanence.pk}/"
    assert by_commune["Merville"] == ""


# --- The checks where things are created ---------------------------------------------------


def test_check_conflicts_for_session_at_a_new_date(territory, session, permanence, adviser):
    assert check_conflicts_for_session(session=session) == []
    found = check_conflicts_for_session(
        session=session, start=at(2, 10), end=at(2, 11), venue=session.venue
    )
    assert [c.kind for c in found] == [DOUBLE_BOOKING]
    assert f"s{session.pk}" in found[0].keys


def test_check_conflicts_for_permanence_and_closure(territory, permanence, adviser):
    f.AppointmentFactory(permanence=permanence, start=at(2, 9))
    closure = f.ClosureFactory(
        territory=territory, adviser=adviser, start=at(2, 0), end=at(3, 0), reason="Formation"
    )
    found = check_conflicts_for_permanence(
        permanence=permanence, date_from=dt.date(2026, 12, 1), date_to=dt.date(2026, 12, 31)
    )
    assert [c.kind for c in found] == [CLOSURE]
    assert "1 rendez-vous déjà pris" in found[0].message
    assert [c.keys for c in check_conflicts_for_closure(closure=closure)] == [
        (f"p{permanence.pk}-20261202", f"c{closure.pk}")
    ]


def test_seen_and_noshow_appointments_hold_their_slot(territory, permanence):
    f.AppointmentFactory(permanence=permanence, start=at(2, 9), status=AppointmentStatus.NOSHOW)
    [occ] = load(territory).occurrences
    assert occ.booked == 1
