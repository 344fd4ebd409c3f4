"""The decision at the decision time: under the minimum the session is cancelled and
everyone is told; at or above it is confirmed. Once, whatever happens."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cadran.core.models import AuditLog
from cadran.core.sweep import run_sweep
from cadran.notifications.models import Message
from cadran.workshops import services
from cadran.workshops.enums import SessionStatus
from cadran.workshops.sweepers import decide_due_sessions
from tests import factories as f

from .factories import InterventionRequestFactory, SessionFactory, make_person

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def requested_session(session, librarian):
    request = InterventionRequestFactory(
        workshop=session.workshop,
        library=librarian.library,
        requested_by=librarian,
        status="accepted",
    )
    session.request = request
    session.save()
    return session


def fill(session, confirmed: int, waiting: int = 0):
    session.capacity = confirmed
    session.save()
    return [
        services.register(session=session, person=make_person(n)).registration
        for n in range(confirmed + waiting)
    ]


def recipients(event: str) -> Counter:
    return Counter(Message.objects.filter(event=event).values_list("recipient", flat=True))


def test_three_at_decision_time_cancels_and_tells_everyone_once(
    requested_session, adviser, librarian
):
    session = requested_session
    second_adviser = f.UserFactory(adviser=True, territory=session.workshop.territory)
    session.advisers.add(second_adviser)
    fill(session, confirmed=3, waiting=2)
    session.capacity = 12  # the decision counts registrations, not places
    session.save()
    # Another date of the same workshop, proposed in the message.
    SessionFactory(
        workshop=session.workshop,
        venue=session.venue,
        start=session.start + dt.timedelta(weeks=2),
    )
    before = Message.objects.count()
    decision = services.decide_session(session=session, now=session.decision_at)
    assert decision.outcome == "cancelled" and decision.confirmed_count == 3
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED_LOW_ATTENDANCE
    assert session.decided_at is not None and session.decided_by is None
    people = recipients("workshop_session_cancelled")
    assert people == Counter({f"habitant{n}@example.org": 1 for n in range(5)})
    staff = recipients("workshop_staff_session_cancelled")
    assert staff == Counter({adviser.email: 1, second_adviser.email: 1, librarian.email: 1})
    assert Message.objects.count() - before == 5 + 3 == decision.messages
    body = Message.objects.filter(event="workshop_session_cancelled").first().body
    assert "au moins 4 personnes" in body and "que 3" in body
    assert "samedi 19 décembre 2026" in body  # the next session proposed
    entry = AuditLog.objects.for_object(session).get(action="session.cancelled_low_attendance")
    assert entry.actor is None and "3 inscrit(s)" in entry.description


def test_four_at_decision_time_confirms_and_reminds_registrants(requested_session, adviser):
    session = requested_session
    fill(session, confirmed=4, waiting=1)
    decision = services.decide_session(session=session, now=session.decision_at)
    assert decision.outcome == "confirmed"
    session.refresh_from_db()
    assert session.status == SessionStatus.CONFIRMED
    reminded = recipients("workshop_session_confirmed")
    assert reminded == Counter({f"habitant{n}@example.org": 1 for n in range(4)})
    assert not Message.objects.filter(event="workshop_session_cancelled").exists()
    assert recipients("workshop_staff_session_confirmed")[adviser.email] == 1
    assert AuditLog.objects.for_object(session).filter(action="session.confirmed").exists()


def test_a_cancellation_at_the_last_minute_before_the_decision_counts(session):
    registrations = fill(session, confirmed=4)
    session.capacity = 12
    session.save()
    with time_machine.travel(session.decision_at - dt.timedelta(minutes=1), tick=False):
        services.cancel_registration(registration=registrations[0])
    decision = services.decide_session(session=session, now=session.decision_at)
    assert decision.outcome == "cancelled" and decision.confirmed_count == 3
    # The person who cancelled is not told about the session's cancellation.
    assert "habitant0@example.org" not in recipients("workshop_session_cancelled")


def test_deciding_twice_sends_nothing_twice(session):
    fill(session, confirmed=3)
    first = services.decide_session(session=session, now=session.decision_at)
    count = Message.objects.count()
    audit = AuditLog.objects.count()
    again = services.decide_session(
        session=session, now=session.decision_at + dt.timedelta(minutes=1)
    )
    assert first.changed and not again.changed
    assert again.outcome == "already_decided"
    assert Message.objects.count() == count
    assert AuditLog.objects.count() == audit


def test_not_due_yet_does_nothing(session):
    decision = services.decide_session(
        session=session, now=session.decision_at - dt.timedelta(seconds=1)
    )
    assert decision.outcome == "not_due"
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_sweep_decides_due_sessions_only_and_only_once(session, territory, library_venue):
    fill(session, confirmed=4)
    later = SessionFactory(
        workshop=session.workshop, venue=library_venue, start=session.start + dt.timedelta(days=3)
    )
    already = SessionFactory(
        workshop=session.workshop,
        venue=library_venue,
        start=session.start + dt.timedelta(days=1),
        confirmed=True,
    )
    already.decision_at = session.decision_at - dt.timedelta(days=1)
    already.save()
    with time_machine.travel(session.decision_at - dt.timedelta(minutes=1), tick=False):
        assert decide_due_sessions(session.decision_at - dt.timedelta(minutes=1)) == 0
    with time_machine.travel(session.decision_at + dt.timedelta(minutes=1), tick=False):
        report = run_sweep()
        assert report.counts["cadran.workshops.sweepers.decide_due_sessions"] == 1
        assert not report.errors
        assert run_sweep().counts["cadran.workshops.sweepers.decide_due_sessions"] == 0
    session.refresh_from_db()
    later.refresh_from_db()
    assert session.status == SessionStatus.CONFIRMED
    assert later.status == SessionStatus.SCHEDULED
    # A worker down for days catches up.
    with time_machine.travel(later.decision_at + dt.timedelta(days=1), tick=False):
        assert decide_due_sessions(later.decision_at + dt.timedelta(days=1)) == 1
    later.refresh_from_db()
    assert later.status == SessionStatus.CANCELLED_LOW_ATTENDANCE


def test_sweep_query_count_does_not_grow_with_history(session, django_assert_max_num_queries):
    for n in range(5):
        SessionFactory(
            workshop=session.workshop,
            venue=session.venue,
            start=session.start - dt.timedelta(days=30 + n),
            cancelled=True,
        )
    with django_assert_max_num_queries(1):
        assert decide_due_sessions(session.decision_at - dt.timedelta(hours=1)) == 0


def test_override_before_the_decision_confirms_with_a_reason(session, coordinator):
    fill(session, confirmed=2)
    with pytest.raises(ValidationError):
        services.override_decision(session=session, confirm=True, reason="", by=coordinator)
    decision = services.override_decision(
        session=session, confirm=True, reason="Groupe du CCAS attendu", by=coordinator
    )
    assert decision.outcome == "confirmed"
    session.refresh_from_db()
    assert session.status == SessionStatus.CONFIRMED
    assert session.decision_reason == "Groupe du CCAS attendu"
    assert session.decided_by == coordinator
    entry = AuditLog.objects.for_object(session).get(action="session.decision_overridden")
    assert entry.actor == coordinator and "Groupe du CCAS" in entry.description
    # The sweep leaves it alone afterwards.
    assert (
        services.decide_session(session=session, now=session.decision_at).outcome
        == "already_decided"
    )
    with pytest.raises(ValidationError, match="déjà prise"):
        services.override_decision(session=session, confirm=False, reason="x", by=coordinator)


def test_override_cancel_tells_everyone(session, adviser, coordinator):
    fill(session, confirmed=5)
    services.override_decision(
        session=session, confirm=False, reason="Salle inondée", by=coordinator
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED_BY_SERVICE
    assert len(recipients("workshop_session_cancelled")) == 5
    assert (
        "Salle inondée" in Message.objects.filter(event="workshop_session_cancelled").first().body
    )


def test_override_is_staff_only(session, adviser, librarian):
    for user in (adviser, librarian):
        with pytest.raises(ValidationError):
            services.override_decision(session=session, confirm=True, reason="x", by=user)


def test_cancel_session_by_the_service(session, culture_user, adviser):
    fill(session, confirmed=4)
    services.cancel_session(session=session, reason="Conseiller malade", by=culture_user)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED_BY_SERVICE
    assert len(recipients("workshop_session_cancelled")) == 4
    assert recipients("workshop_staff_session_cancelled")[adviser.email] == 1
    with pytest.raises(ValidationError):
        services.cancel_session(session=session, reason="encore", by=culture_user)


def test_a_cycle_is_decided_as_a_whole(territory, library_venue, adviser):
    first = SessionFactory(
        workshop__territory=territory, workshop__cycle=True, venue=library_venue, advisers=[adviser]
    )
    others = [
        SessionFactory(
            workshop=first.workshop,
            venue=library_venue,
            start=first.start + dt.timedelta(weeks=w),
            decision_at=first.decision_at,
        )
        for w in (1, 2)
    ]
    for s in [first, *others]:
        s.cycle_group = first
        s.save()
    fill(first, confirmed=3)
    services.decide_session(session=others[0], now=first.decision_at)
    statuses = set(type(first).objects.filter(cycle_group=first).values_list("status", flat=True))
    assert statuses == {SessionStatus.CANCELLED_LOW_ATTENDANCE}
    assert len(recipients("workshop_session_cancelled")) == 3


def test_lowering_the_decision_time_into_the_past_decides_at_once(session, culture_user):
    fill(session, confirmed=1)
    services.update_session(
        session=session, decision_at=session.decision_at - dt.timedelta(days=7), by=culture_user
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED_LOW_ATTENDANCE
