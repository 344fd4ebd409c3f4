"""Reads: the public agenda (query count pinned), scopes, the demo programme."""

from __future__ import annotations

import datetime as dt

import pytest

from cadran.core import clock
from cadran.workshops import services
from cadran.workshops.demo import load_demo_workshops
from cadran.workshops.enums import SessionStatus
from cadran.workshops.models import InterventionRequest, Registration, Session, Workshop
from cadran.workshops.selectors import public_agenda
from tests import factories as f

from .factories import RegistrationFactory, SessionFactory, WorkshopFactory, make_person

pytestmark = pytest.mark.usefixtures("frozen_now")


def agenda(territory):
    return list(
        public_agenda(
            territory=territory, date_from=dt.date(2026, 11, 27), date_to=dt.date(2027, 1, 31)
        )
    )


def test_public_agenda_counts_places_and_hides_what_is_not_open(
    session, territory, django_assert_num_queries
):
    services.register(session=session, person=make_person(0))
    RegistrationFactory(session=session, waiting=True)
    SessionFactory(
        workshop=session.workshop,
        venue=session.venue,
        start=session.start + dt.timedelta(days=1),
        cancelled=True,
    )
    SessionFactory(
        workshop=WorkshopFactory(territory=territory, draft=True),
        venue=session.venue,
        start=session.start + dt.timedelta(days=2),
    )
    with django_assert_num_queries(1):
        rows = agenda(territory)
    assert [r.pk for r in rows] == [session.pk]
    assert rows[0].places_left == 11 and rows[0].confirmed_count == 1 and rows[0].waiting_count == 1
    for n in range(20):
        SessionFactory(
            workshop=session.workshop,
            venue=session.venue,
            start=session.start + dt.timedelta(days=3 + n),
        )
    with django_assert_num_queries(1):
        rows = agenda(territory)
    assert len(rows) == 21
    assert rows[0].workshop.format.name and rows[0].venue.commune.name


def test_agenda_filters_by_commune_and_never_shows_negative_places(
    session, territory, culture_user
):
    session.capacity = 1
    session.save()
    services.register(session=session, person=make_person(0))
    services.register(
        session=session, person=make_person(1), by=culture_user, allow_overbooking=True
    )
    assert agenda(territory)[0].places_left == 0
    assert (
        list(
            public_agenda(
                territory=territory,
                date_from=dt.date(2026, 12, 1),
                date_to=dt.date(2026, 12, 31),
                commune_insee="59400",
            )
        )
        == []
    )


def test_cycle_appears_once_in_the_agenda(territory, library_venue):
    first = SessionFactory(workshop__territory=territory, workshop__cycle=True, venue=library_venue)
    second = SessionFactory(
        workshop=first.workshop,
        venue=library_venue,
        start=first.start + dt.timedelta(weeks=1),
        decision_at=first.decision_at,
    )
    for s in (first, second):
        s.cycle_group = first
        s.save()
    assert [r.pk for r in agenda(territory)] == [first.pk]


def test_scopes(session, territory, adviser, librarian, referent, culture_user):
    RegistrationFactory(session=session)
    other = f.UserFactory(adviser=True, territory=territory)
    assert list(Session.objects.visible_to(culture_user)) == [session]
    assert list(Session.objects.visible_to(adviser)) == [session]
    assert list(Session.objects.visible_to(librarian)) == [session]  # in their library
    assert list(Session.objects.visible_to(other)) == []
    assert Registration.objects.visible_to(adviser).count() == 1
    assert Registration.objects.visible_to(librarian).count() == 0  # no names for librarians
    assert Registration.objects.visible_to(referent).count() == 0
    draft = WorkshopFactory(territory=territory, draft=True)
    assert draft in Workshop.objects.visible_to(culture_user)
    assert draft not in Workshop.objects.visible_to(librarian)
    assert session.workshop in Workshop.objects.visible_to(librarian)


def test_demo_programme_loads_once(territory, estaires, merville, adviser, culture_user, librarian):
    f.LibraryFactory(commune=merville)
    created = load_demo_workshops(territory)
    assert created["formats"] == 3 and created["sessions"] >= 5 and created["registrations"] >= 10
    assert Workshop.objects.filter(title="Premiers pas sur l'ordinateur", is_cycle=True).exists()
    # A cycle to come (three sessions, one group) and, in the demo's past, one held.
    coming = Session.objects.filter(workshop__is_cycle=True, start__gte=clock.now())
    assert coming.count() == 3 and len(set(coming.values_list("cycle_group", flat=True))) == 1
    three = Session.objects.registration_targets().with_counts().filter(confirmed_count=3)
    assert three.exists()
    assert all(
        s.status == SessionStatus.SCHEDULED for s in Session.objects.filter(start__gte=clock.now())
    )
    past = set(Session.objects.filter(end__lt=clock.now()).values_list("status", flat=True))
    assert past == {SessionStatus.HELD, SessionStatus.CANCELLED_LOW_ATTENDANCE}
    assert InterventionRequest.objects.filter(status="requested").exists()
    assert load_demo_workshops(territory)["formats"] == 0
    # The demo's sessions hold: each adviser is free when their sessions are.
    from cadran.workshops.selectors import adviser_conflicts

    for s in Session.objects.prefetch_related("advisers"):
        for a in s.advisers.all():
            assert (
                adviser_conflicts(adviser=a, start=s.start, end=s.end, exclude_session_ids=[s.pk])
                == []
            )
