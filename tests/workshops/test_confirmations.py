"""« Vous venez toujours ? » for workshop registrations: asked 7 days before (Paris wall
clock), only to people holding a place, once; « Je ne peux pas venir » gives the place to
the first person waiting, who is told; a released place is taken by exactly one person."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.notifications.models import Message
from cadran.scheduling.enums import ConfirmationAnswer
from cadran.workshops import confirmations, services
from cadran.workshops.enums import RegistrationStatus
from cadran.workshops.models import Registration, Session
from cadran.workshops.sweepers import queue_due_confirmations
from tests import factories as f

from .factories import RegistrationFactory, SessionFactory, make_person

EVENT = confirmations.CONFIRMATION
# Saturday 5 December 2026, 10:00 → asked Saturday 28 November at 10:00 (Paris).
START = dt.datetime(2026, 12, 5, 10, 0, tzinfo=PARIS)
DUE = dt.datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)
BEFORE = dt.datetime(2026, 11, 20, 12, 0, tzinfo=PARIS)


def sweep(at: dt.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return queue_due_confirmations(at)


def register(session, *, at=BEFORE, **kwargs) -> Registration:
    with time_machine.travel(at, tick=False):
        return RegistrationFactory(session=session, **kwargs)


def asked(registration) -> bool:
    registration.refresh_from_db()
    return registration.confirmation_asked_at is not None


@pytest.fixture
def session(workshop, library_venue):
    return SessionFactory(workshop=workshop, venue=library_venue, start=START, capacity=2)


def test_asked_seven_days_before_to_the_second(session):
    registration = register(session)
    assert sweep(DUE - dt.timedelta(seconds=1)) == 0
    assert not asked(registration)
    assert sweep(DUE) == 1
    registration.refresh_from_db()
    assert registration.confirmation_asked_at == DUE
    assert registration.confirmation_label == "Sans réponse"
    message = Message.objects.get(event=EVENT)
    assert "/ateliers/reponse/" in message.body
    assert "Je ne peux pas venir" in message.body


def test_never_twice_and_not_the_waiting_list_nor_cancelled_sessions(
    session, workshop, library_venue
):
    holding = register(session)
    waiting = register(session, waiting=True)
    cancelled_session = SessionFactory(
        workshop=workshop, venue=library_venue, start=START + dt.timedelta(hours=3), cancelled=True
    )
    in_cancelled = register(cancelled_session)
    assert sweep(DUE) == 1
    assert sweep(DUE + dt.timedelta(hours=1)) == 0
    assert asked(holding)
    assert not asked(waiting)
    assert not asked(in_cancelled)
    assert Message.objects.filter(event=EVENT).count() == 1


def test_registered_or_promoted_after_the_ask_instant_is_not_asked(session):
    late = register(session, at=DUE)
    promoted = register(session, promoted_at=DUE + dt.timedelta(minutes=5))
    assert sweep(DUE + dt.timedelta(hours=1)) == 0
    assert not asked(late)
    assert not asked(promoted)


def test_zero_days_means_never_asked(session, territory):
    territory.workshop_confirmation_days = 0
    territory.save()
    registration = register(session)
    assert sweep(START - dt.timedelta(hours=1)) == 0
    assert not asked(registration)


def answer(registration, value, at=DUE + dt.timedelta(days=1)):
    with time_machine.travel(at, tick=False):
        return confirmations.answer_registration_confirmation(
            registration=registration, answer=value
        )


def test_no_gives_the_place_to_the_first_waiting_who_is_told(session):
    leaving = register(session)
    register(session)
    first = register(session, waiting=True)
    second = register(session, waiting=True)
    sweep(DUE)
    result = answer(leaving, ConfirmationAnswer.NO)
    assert result.status == RegistrationStatus.CANCELLED
    assert result.confirmation_answer == "no"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RegistrationStatus.CONFIRMED
    assert second.status == RegistrationStatus.WAITING
    assert Message.objects.for_object(first).filter(event="workshop_promoted").exists()


def test_yes_is_recorded_and_the_place_kept(session):
    registration = register(session)
    sweep(DUE)
    result = answer(registration, ConfirmationAnswer.YES)
    assert result.status == RegistrationStatus.CONFIRMED
    assert result.confirmation_label == "Vient"


def test_an_answer_after_the_start_is_refused_in_french(session):
    registration = register(session)
    sweep(DUE)
    with pytest.raises(ValidationError, match="trop tard pour répondre"):
        answer(registration, ConfirmationAnswer.NO, at=START)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


THREADS = 10


@pytest.mark.django_db(transaction=True)
def test_a_released_place_is_taken_by_exactly_one_person():
    """One person answers « Je ne peux pas venir » while ten others register at the same
    moment for the full session: the freed place goes to exactly one person (the one who
    was waiting: first come, first served), never to two."""
    territory = f.TerritoryFactory(slug="ccfl")
    commune = f.CommuneFactory(territory=territory, insee_code="59212", slug="estaires")
    now = clock.now()
    session = SessionFactory(
        workshop__territory=territory,
        venue__commune=commune,
        start=now + dt.timedelta(days=3),
        capacity=2,
    )
    leaving = RegistrationFactory(session=session)
    staying = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, waiting=True)
    barrier = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def release() -> None:
        try:
            barrier.wait(timeout=30)
            confirmations.answer_registration_confirmation(
                registration=Registration(pk=leaving.pk, session_id=session.pk),
                answer=ConfirmationAnswer.NO,
            )
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    def newcomer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.register(session=Session(pk=session.pk), person=make_person(100 + n))
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=release)] + [
        threading.Thread(target=newcomer, args=(n,)) for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    rows = Registration.objects.filter(session=session)
    holding = set(rows.filter(status=RegistrationStatus.CONFIRMED).values_list("pk", flat=True))
    assert holding == {staying.pk, waiting.pk}
    assert rows.filter(status=RegistrationStatus.WAITING).count() == THREADS
    assert Message.objects.filter(event="workshop_promoted").count() == 1


def test_a_moved_session_is_asked_again_for_its_new_date(session, culture_user):
    registration = register(session)
    assert sweep(DUE) == 1
    with time_machine.travel(DUE + dt.timedelta(hours=1), tick=False):
        confirmations.answer_registration_confirmation(
            registration=registration, answer=ConfirmationAnswer.YES
        )
        services.move_session(
            session=session,
            start=START + dt.timedelta(days=7),
            end=START + dt.timedelta(days=7, hours=2),
            venue=session.venue,
            by=culture_user,
        )
    registration.refresh_from_db()
    assert registration.confirmation_answer == ""
    assert registration.confirmation_asked_at is None
    assert sweep(DUE + dt.timedelta(days=7, seconds=-1)) == 0
    assert sweep(DUE + dt.timedelta(days=7)) == 1
