"""Thirty people register at the same moment for twelve places: twelve get a place,
eighteen are on the waiting list, nobody is lost and nobody is counted twice.

Real threads, each with its own database connection, released together by a barrier.
On PostgreSQL the session row is locked (``SELECT … FOR UPDATE``); on SQLite the IMMEDIATE
transactions (see settings) take the write lock at ``BEGIN``, so registrations queue.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from cadran.core import clock
from cadran.workshops import services
from cadran.workshops.enums import RegistrationStatus
from cadran.workshops.models import Registration, Session
from tests import factories as f

from .factories import SessionFactory, make_person

THREADS = 30
PLACES = 12


@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_registrations_for_twelve_places():
    territory = f.TerritoryFactory(slug="ccfl")
    commune = f.CommuneFactory(territory=territory, insee_code="59212", slug="estaires")
    start = clock.now() + dt.timedelta(days=7)
    session = SessionFactory(
        workshop__territory=territory, venue__commune=commune, start=start, capacity=PLACES
    )
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def register(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            result = services.register(session=Session(pk=session.pk), person=make_person(n))
            with lock:
                results.append(result.registration.status)
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(results) == ["confirmed"] * PLACES + ["waiting"] * (THREADS - PLACES)
    rows = Registration.objects.filter(session=session)
    assert rows.count() == THREADS
    assert rows.filter(status=RegistrationStatus.CONFIRMED).count() == PLACES
    assert rows.filter(status=RegistrationStatus.WAITING).count() == THREADS - PLACES
    assert len(set(rows.values_list("reference", flat=True))) == THREADS


WAITING_THREADS = 12


@pytest.mark.django_db(transaction=True)
def test_waiting_list_positions_told_are_the_real_positions():
    """People joining a full session's waiting list together are each told their real
    position: the order is taken under the session lock, not from a clock read before it.
    (On PostgreSQL the threads read the clock, then queue on the row lock in any order.)"""
    territory = f.TerritoryFactory(slug="ccfl")
    commune = f.CommuneFactory(territory=territory, insee_code="59212", slug="estaires")
    session = SessionFactory(
        workshop__territory=territory,
        venue__commune=commune,
        start=clock.now() + dt.timedelta(days=7),
        capacity=1,
    )
    services.register(session=session, person=make_person(999))  # the only place
    barrier = threading.Barrier(WAITING_THREADS)
    told: dict[int, int | None] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def register(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            result = services.register(session=Session(pk=session.pk), person=make_person(n))
            with lock:
                told[result.registration.pk] = result.waiting_position
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(WAITING_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    real = {
        pk: rank
        for rank, pk in enumerate(
            session.registrations.waiting().values_list("pk", flat=True), start=1
        )
    }
    assert told == real
    assert sorted(told.values()) == list(range(1, WAITING_THREADS + 1))
