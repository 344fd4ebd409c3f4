"""The feeds read by a second, independent iCalendar parser (vobject), as calendar programs do."""

from __future__ import annotations

import datetime as dt

import pytest
import vobject
from django.urls import reverse

from cadran.core.clock import PARIS

from .pubface_helpers import clear_public_cache
from .workshop_helpers import make_session


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_public_cache()
    yield
    clear_public_cache()


def _parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return vobject.readOne(response.content.decode("utf-8"))


def test_commune_feed_parses_with_vobject(client, frozen_now, permanence, territory, estaires):
    session = make_session(territory, estaires)
    calendar = _parse(client, reverse("publicity:commune_feed", args=["59212"]))
    events = calendar.contents["vevent"]
    starts = {event.dtstart.value.astimezone(PARIS) for event in events}
    assert dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS) in starts
    uids = [event.uid.value for event in events]
    assert len(uids) == len(set(uids))
    assert f"session-{session.pk}@127.0.0.1" in uids
    for event in events:
        assert event.dtend.value > event.dtstart.value


def test_territory_feed_parses_with_vobject(client, frozen_now, permanence, merville):
    calendar = _parse(client, "/agenda.ics")
    locations = {event.location.value for event in calendar.contents["vevent"]}
    assert any("Estaires" in location for location in locations)
