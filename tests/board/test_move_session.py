"""``move_session`` (cadran.workshops.services): the board's « Déplacer »."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.workshops.enums import SessionStatus
from cadran.workshops.services import move_session
from tests import factories as f
from tests.workshops.factories import RegistrationFactory, SessionFactory

from .conftest import at

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_move_to_another_day_and_venue(culture_user, session, merville):
    RegistrationFactory(session=session, email="a@example.org")
    RegistrationFactory(session=session, waiting=True, sms_only=True)
    RegistrationFactory(session=session, cancelled=True, email="c@example.org")
    other = f.VenueFactory(commune=merville, name="Médiathèque de Merville")
    moved = move_session(
        session=session, start=at(12, 14), end=at(12, 16), venue=other, by=culture_user
    )
    moved.refresh_from_db()
    assert (moved.start, moved.end, moved.venue_id) == (at(12, 14), at(12, 16), other.pk)
    # The decision moves with it, as far before (48 hours).
    assert moved.decision_at == at(10, 14)
    entry = AuditLog.objects.get(action="session.moved")
    assert (
        "05/12/2026 à 10:00" in entry.description and "Médiathèque de Merville" in entry.description
    )
    assert entry.actor == culture_user
    messages = Message.objects.filter(event="workshop_session_moved").order_by("channel")
    # The registered person by e-mail, the waiting one by SMS; not the cancelled one.
    assert [m.channel for m in messages] == ["email", "sms"]
    email = messages[0]
    assert "samedi 12 décembre 2026 de 14h à 16h" in email.body
    assert "Avant : samedi 5 décembre 2026 à 10h" in email.body
    assert "Médiathèque de Merville" in email.body
    assert "Arnaques en ligne" in email.subject


@pytest.mark.parametrize("who", ["adviser", "referent", "librarian"])
def test_only_the_service_and_the_coordination_move(request, session, who):
    user = request.getfixturevalue(who)
    with pytest.raises(ValidationError, match="pas le droit"):
        move_session(
            session=session, start=at(12, 14), end=at(12, 16), venue=session.venue, by=user
        )


def test_coordination_may_move(coordinator, session):
    move_session(
        session=session, start=at(12, 14), end=at(12, 16), venue=session.venue, by=coordinator
    )
    session.refresh_from_db()
    assert session.start == at(12, 14)


def test_refusals(culture_user, session):
    venue = session.venue
    with pytest.raises(ValidationError) as exc:
        move_session(
            session=session,
            start=at(20, 10, month=11),
            end=at(20, 12, month=11),
            venue=venue,
            by=culture_user,
        )
    assert "à venir" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        move_session(
            session=session, start=at(12, 14), end=at(12, 13), venue=venue, by=culture_user
        )
    assert "après l'heure de début" in str(exc.value)
    with pytest.raises(ValidationError, match="Rien ne change"):
        move_session(
            session=session, start=session.start, end=session.end, venue=venue, by=culture_user
        )
    elsewhere = f.VenueFactory(commune=f.CommuneFactory())
    with pytest.raises(ValidationError, match="pas sur votre territoire"):
        move_session(
            session=session, start=at(12, 14), end=at(12, 16), venue=elsewhere, by=culture_user
        )
    session.status = SessionStatus.CANCELLED_BY_SERVICE
    session.save()
    with pytest.raises(ValidationError, match="ne peut plus être déplacée"):
        move_session(
            session=session, start=at(12, 14), end=at(12, 16), venue=venue, by=culture_user
        )
    assert not AuditLog.objects.filter(action="session.moved").exists()


def test_moving_one_session_of_a_cycle(culture_user, session, workshop, adviser):
    second = SessionFactory(
        workshop=workshop,
        venue=session.venue,
        start=at(12, 10),
        cycle_group=session,
        advisers=[adviser],
    )
    session.cycle_group = session
    session.save()
    RegistrationFactory(session=session, email="a@example.org")
    with pytest.raises(ValidationError, match="autre séance du cycle"):
        move_session(
            session=second, start=at(5, 11), end=at(5, 13), venue=session.venue, by=culture_user
        )
    move_session(
        session=second, start=at(19, 10), end=at(19, 12), venue=session.venue, by=culture_user
    )
    second.refresh_from_db()
    assert second.start == at(19, 10)
    message = Message.objects.get(event="workshop_session_moved")
    assert "samedi 19 décembre 2026 de 10h à 12h" in message.body


def test_moved_so_close_that_the_decision_is_due(culture_user, session):
    """Moved to tomorrow morning: the decision (48 hours before) has passed: decided now."""
    move_session(
        session=session,
        start=at(28, 10, month=11),
        end=at(28, 12, month=11),
        venue=session.venue,
        by=culture_user,
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED_LOW_ATTENDANCE
    assert session.decision_at <= session.start
    assert dt.timedelta(0) <= session.start - session.decision_at <= dt.timedelta(hours=48)
