"""A venue change leaves off-site (« hors les murs ») sessions alone: they do not take place
at the venue they are attached to, so they neither move, nor count among what the change
concerns, nor make the new venue « lack » something, and nobody registered is told."""

from __future__ import annotations

import datetime as dt

import pytest

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.territory.selectors import impact, venue_changes
from cadran.territory.services import confirm_venue_change, declare_venue_change
from cadran.workshops.models import Session
from cadran.workshops.notifications import notify_registration_venue_changed
from tests.workshops.factories import (
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

D = dt.date(2026, 12, 9)  # twelve days after the tests' "now"


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=PARIS)


@pytest.fixture
def change(estaires, referent, mairie, cold_room):
    return declare_venue_change(
        commune=estaires, old_venue=mairie, new_venue=cold_room, effective_date=D, by=referent
    )


@pytest.fixture
def market(territory, mairie):
    """An off-site session attached to the mairie, after the date, with a projector the
    new venue lacks (it does not matter: the session is at the market)."""
    projection = WorkshopFormatFactory(territory=territory, needs_projector=True, name="Projo")
    return SessionFactory(
        workshop=WorkshopFactory(territory=territory, format=projection, title="Au marché"),
        venue=mairie,
        start=at(12, 10),
        off_site=True,
    )


@pytest.fixture
def in_the_mairie(territory, mairie):
    return SessionFactory(
        workshop=WorkshopFactory(territory=territory, title="À la mairie"),
        venue=mairie,
        start=at(12, 14),
    )


def test_an_off_site_session_is_not_among_what_the_change_concerns(
    change, market, in_the_mairie, culture_user
):
    found = impact(change)
    assert [s.pk for s in found.sessions] == [in_the_mairie.pk]
    assert all("« Au marché »" not in ", ".join(s.needed_for) for s in found.shortfalls)
    assert "il n'y a pas de vidéoprojecteur" not in {s.missing for s in found.shortfalls}
    listed = venue_changes(culture_user).get(pk=change.pk)
    assert listed.pending_sessions == 1


def test_confirming_leaves_the_off_site_session_where_it_is_and_tells_nobody(
    change, market, in_the_mairie, culture_user, mairie, cold_room
):
    RegistrationFactory(session=market, email="marche@example.org")
    at_mairie = RegistrationFactory(session=in_the_mairie, email="mairie@example.org")

    result = confirm_venue_change(change=change, by=culture_user, accept_missing_conditions=True)

    market.refresh_from_db()
    assert market.venue == mairie and market.is_off_site
    assert market.off_site_name == "Marché hebdomadaire"
    assert Session.objects.get(pk=in_the_mairie.pk).venue == cold_room
    assert [s.pk for s in result.sessions] == [in_the_mairie.pk]
    change.refresh_from_db()
    assert change.sessions_moved == 1
    told = Message.objects.filter(event="workshop_venue_changed")
    assert list(told.values_list("object_id", flat=True)) == [at_mairie.pk]
    assert not Message.objects.filter(recipient="marche@example.org").exists()
    assert not AuditLog.objects.for_object(market).filter(action="session.venue_changed")


def test_the_notice_itself_skips_off_site_sessions(market, in_the_mairie, territory):
    cycle_workshop = WorkshopFactory(territory=territory, cycle=True, title="Cycle")
    first = SessionFactory(workshop=cycle_workshop, start=at(12, 9), off_site=True)
    first.cycle_group = first
    first.save()
    second = SessionFactory(workshop=cycle_workshop, start=at(19, 9), cycle_group=first)
    registration = RegistrationFactory(session=first, email="cycle@example.org")

    # Every session off-site: nothing is sent.
    assert notify_registration_venue_changed(registration, sessions=[first]) == []
    assert not Message.objects.exists()
    # A cycle whose second session is back at a registered venue: only that one is listed.
    [message] = notify_registration_venue_changed(registration, sessions=[first, second])
    assert "19 décembre" in message.body and "12 décembre" not in message.body
