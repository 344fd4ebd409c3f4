"""Business rules of the workshops pinned at their exact edge: the shipped minimum (the
CCFL's 4, and none for a territory that has set nothing), the decision instant, the
waiting list closed at the start instant, residence eligibility limited to the session's
own territory, and a commune referent's scope."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cadran.workshops import services
from cadran.workshops.demo import load_demo_circuit
from cadran.workshops.enums import RegistrationStatus, SessionStatus
from cadran.workshops.models import Session
from cadran.workshops.sweepers import decide_due_sessions, due_sessions
from tests import factories as f

from .factories import (
    SESSION_START,
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
    make_person,
)

pytestmark = pytest.mark.usefixtures("frozen_now")

MICROSECOND = dt.timedelta(microseconds=1)


def schedule_with_shipped_defaults(territory, venue, adviser, culture_user) -> Session:
    """A session scheduled without a minimum nor a decision time, from a format that sets
    no minimum either: everything comes from what the territory (or the code) gives."""
    fmt = WorkshopFormatFactory(territory=territory, min_attendance=None)
    workshop = WorkshopFactory(territory=territory, format=fmt)
    (session,) = services.schedule_sessions(
        workshop=workshop, venue=venue, starts=[SESSION_START], advisers=[adviser], by=culture_user
    )
    return session


def fill(session: Session, count: int) -> None:
    for _ in range(count):
        RegistrationFactory(session=session)


# --- 1. The shipped minimum --------------------------------------------------------------


@pytest.mark.parametrize(
    ("registrations", "outcome", "status"),
    [
        (3, "cancelled", SessionStatus.CANCELLED_LOW_ATTENDANCE),
        (4, "confirmed", SessionStatus.CONFIRMED),
    ],
)
def test_the_ccfl_shipped_minimum_is_4(
    territory, library_venue, adviser, culture_user, registrations, outcome, status
):
    load_demo_circuit(territory)  # the CCFL's settings, as the demo and the migration give them
    session = schedule_with_shipped_defaults(territory, library_venue, adviser, culture_user)
    assert session.min_attendance == 4
    fill(session, registrations)
    decision = services.decide_session(session=session, now=session.decision_at)
    assert decision.outcome == outcome
    session.refresh_from_db()
    assert session.status == status


def test_a_territory_without_settings_cancels_nothing_for_want_of_registrations(
    territory, library_venue, adviser, culture_user
):
    session = schedule_with_shipped_defaults(territory, library_venue, adviser, culture_user)
    assert session.min_attendance == 0
    decision = services.decide_session(session=session, now=session.decision_at)
    assert decision.outcome == "confirmed"


# --- 2. The decision instant ---------------------------------------------------------------


def test_the_default_decision_instant_is_48_hours_before_the_start(
    territory, library_venue, adviser, culture_user
):
    load_demo_circuit(territory)
    session = schedule_with_shipped_defaults(territory, library_venue, adviser, culture_user)
    assert session.decision_at == SESSION_START - dt.timedelta(hours=48)


def test_the_sweep_decides_at_the_decision_instant_exactly_not_a_microsecond_before(session):
    instant = session.decision_at
    before = instant - MICROSECOND
    with time_machine.travel(before, tick=False):
        assert decide_due_sessions(before) == 0
        assert services.decide_session(session=session, now=before).outcome == "not_due"
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    with time_machine.travel(instant, tick=False):
        assert decide_due_sessions(instant) == 1
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED_LOW_ATTENDANCE  # nobody registered
    assert session.decided_at == instant


def test_the_sweep_one_second_before_the_instant_leaves_the_session_scheduled(session):
    fill(session, 4)
    before = session.decision_at - dt.timedelta(seconds=1)
    with time_machine.travel(before, tick=False):
        assert not due_sessions(before).exists()  # not even picked up
        assert decide_due_sessions(before) == 0
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    with time_machine.travel(session.decision_at, tick=False):
        assert decide_due_sessions(session.decision_at) == 1
    session.refresh_from_db()
    assert session.status == SessionStatus.CONFIRMED


# --- 3. No promotion from the waiting list once the session has started -----------------


def full_session_with_one_waiting(session: Session):
    session.capacity = 1
    session.save()
    confirmed = services.register(session=session, person=make_person(0)).registration
    waiting = services.register(session=session, person=make_person(1)).registration
    assert waiting.status == RegistrationStatus.WAITING
    return confirmed, waiting


@pytest.mark.parametrize(
    ("offset", "promoted"),
    [
        (dt.timedelta(seconds=-1), True),  # a second before the start: the place is given
        (dt.timedelta(0), False),  # at the start instant: the session has begun
    ],
)
def test_a_place_freed_is_given_only_before_the_start_instant(
    session, culture_user, offset, promoted
):
    confirmed, waiting = full_session_with_one_waiting(session)
    with time_machine.travel(session.start + offset, tick=False):
        services.cancel_registration(registration=confirmed, by=culture_user)
    waiting.refresh_from_db()
    expected = RegistrationStatus.CONFIRMED if promoted else RegistrationStatus.WAITING
    assert waiting.status == expected
    assert (waiting.promoted_at is not None) is promoted


# --- 4. Residence counts only in the session's own territory ------------------------------


def test_living_in_a_commune_of_another_territory_does_not_make_one_an_inhabitant(session):
    elsewhere = f.TerritoryFactory(slug="ailleurs", name="Ailleurs", short_name="AIL")
    f.CommuneFactory(territory=elsewhere, insee_code="62193", name="Béthune")
    with pytest.raises(ValidationError) as excinfo:
        services.register(session=session, person=make_person(0, commune_insee="62193"))
    assert "commune_insee" in excinfo.value.message_dict
    assert not session.registrations.exists()
    # The same person from a commune of the session's territory is an inhabitant.
    result = services.register(session=session, person=make_person(0, commune_insee="59212"))
    assert result.registration.eligibility_basis == "resident"


# --- 5. A commune referent sees the sessions of their own commune only --------------------


def test_a_commune_referent_sees_only_the_sessions_of_their_commune(
    session, referent, workshop, merville
):
    in_merville = SessionFactory(
        workshop=workshop, venue=f.VenueFactory(commune=merville, name="Salle des fêtes")
    )
    elsewhere = f.TerritoryFactory(slug="ailleurs", name="Ailleurs", short_name="AIL")
    other_workshop = WorkshopFactory(territory=elsewhere)
    SessionFactory(workshop=other_workshop)
    visible = set(Session.objects.visible_to(referent).values_list("pk", flat=True))
    assert visible == {session.pk}
    assert in_merville.pk not in visible
