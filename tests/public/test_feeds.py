"""Public iCalendar feeds: /agenda/<insee>.ics and /agenda.ics (issue 7).

Each feed is read back with the ``icalendar`` parser, then checked again line by line
against RFC 5545 (``rfc5545_problems``, independent of the library that wrote it)."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.scheduling.services import create_closure
from cadran.workshops.services import cancel_session
from tests import factories as f

from .helpers import book_url, form_data
from .pubface_helpers import clear_public_cache, rfc5545_problems
from .workshop_helpers import make_session, paris


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_public_cache()
    yield
    clear_public_cache()


def _feed(client, insee="59212"):
    response = client.get(reverse("publicity:commune_feed", args=[insee]))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response


def _events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def _by_start(events, start: dt.datetime):
    return [e for e in events.values() if e.decoded("DTSTART") == start]


def test_commune_feed_lists_permanence_dates_and_sessions(
    client, frozen_now, permanence, territory, estaires
):
    session = make_session(territory, estaires)
    body = _feed(client).content

    assert rfc5545_problems(body) == []
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = _events(body)

    (wednesday,) = _by_start(events, dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    assert wednesday.decoded("DTEND") == dt.datetime(2026, 12, 2, 12, 0, tzinfo=PARIS)
    assert wednesday["DTSTART"].params["TZID"] == "Europe/Paris"
    assert str(wednesday["UID"]) == f"permanence-{permanence.pk}-20261202@127.0.0.1"
    assert "Mairie de Estaires, Bureau du CCAS, Place du Général de Gaulle" in str(
        wednesday["LOCATION"]
    )
    assert str(wednesday["STATUS"]) == "CONFIRMED"
    assert "03 28 00 00 00" in str(wednesday["DESCRIPTION"])
    assert str(wednesday["URL"]).endswith("/communes/estaires/")
    # 13 Wednesdays in the next 92 days, each with its own UID.
    assert len([uid for uid in events if uid.startswith(f"permanence-{permanence.pk}-")]) == 13

    atelier = events[f"session-{session.pk}@127.0.0.1"]
    assert str(atelier["SUMMARY"]) == "Atelier : Arnaques en ligne : les repérer"
    assert atelier.decoded("DTSTART") == paris(2026, 12, 5, 10)
    assert "Médiathèque de Estaires, Salle d'animation" in str(atelier["LOCATION"])
    assert str(atelier["URL"]).endswith(f"/ateliers/{session.pk}/")
    for event in events.values():
        assert event.decoded("DTSTAMP").tzinfo is not None


def test_uids_are_stable_from_one_reading_to_the_next(client, frozen_now, permanence):
    first = set(_events(_feed(client).content))
    clear_public_cache()
    f.VenueFactory(commune=permanence.commune, name="Autre lieu")  # a change elsewhere
    second = set(_events(_feed(client).content))
    assert first == second


def test_public_feed_tells_nothing_about_people(client, frozen_now, permanence):
    response = client.post(book_url(permanence), form_data())
    assert response.status_code == 302
    body = _feed(client).content.decode()
    assert "Lefebvre" not in body and "Jeanne" not in body
    assert "06 12 34 56 78" not in body and "0612345678" not in body
    assert "sante" not in body.lower() and "démarches administratives" not in body
    # Only counts: the Wednesday now has two free appointments left out of three.
    (wednesday,) = _by_start(_events(body.encode()), dt.datetime(2026, 12, 2, 9, tzinfo=PARIS))
    assert "2 rendez-vous libre(s) ce jour-là" in str(wednesday["DESCRIPTION"])


def test_a_closure_cancels_the_date_on_the_next_reading(
    client, frozen_now, permanence, territory, culture_user
):
    start = dt.datetime(2026, 12, 9, 9, tzinfo=PARIS)
    before = _by_start(_events(_feed(client).content), start)
    assert str(before[0]["STATUS"]) == "CONFIRMED"

    create_closure(
        territory=territory,
        start=dt.datetime(2026, 12, 9, 0, tzinfo=PARIS),
        end=dt.datetime(2026, 12, 10, 0, tzinfo=PARIS),
        reason="Formation des conseillers",
        by=culture_user,
    )

    (after,) = _by_start(_events(_feed(client).content), start)
    assert str(after["UID"]) == str(before[0]["UID"])
    assert str(after["STATUS"]) == "CANCELLED"
    assert "Formation des conseillers" in str(after["DESCRIPTION"])


def test_a_cancelled_session_stays_in_the_feed_as_cancelled(
    client, frozen_now, territory, estaires, culture_user
):
    session = make_session(territory, estaires)
    uid = f"session-{session.pk}@127.0.0.1"
    assert str(_events(_feed(client).content)[uid]["STATUS"]) == "CONFIRMED"
    cancel_session(session=session, reason="Conseiller absent", by=culture_user)
    event = _events(_feed(client).content)[uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("Annulé")


def test_territory_feed_has_every_commune(client, frozen_now, permanence, merville, territory):
    other = f.PermanenceFactory(commune=merville, adviser=permanence.adviser, weekday=4)
    response = client.get(reverse("publicity:territory_feed"))
    assert response.status_code == 200
    assert rfc5545_problems(response.content) == []
    uids = set(_events(response.content))
    assert f"permanence-{permanence.pk}-20261202@127.0.0.1" in uids
    assert f"permanence-{other.pk}-20261204@127.0.0.1" in uids

    by_slug = client.get(reverse("publicity:territory_feed"), {"territoire": territory.slug})
    assert set(_events(by_slug.content)) == uids


def test_territory_feed_of_one_territory_among_several(client, frozen_now, permanence):
    elsewhere = f.TerritoryFactory(slug="ailleurs", name="Autre territoire")
    commune = f.CommuneFactory(territory=elsewhere)
    far = f.PermanenceFactory(commune=commune)
    response = client.get(reverse("publicity:territory_feed"), {"territoire": "ailleurs"})
    uids = set(_events(response.content))
    assert any(uid.startswith(f"permanence-{far.pk}-") for uid in uids)
    assert not any(uid.startswith(f"permanence-{permanence.pk}-") for uid in uids)
    assert (
        client.get(reverse("publicity:territory_feed"), {"territoire": "nulle-part"}).status_code
        == 404
    )


def test_unknown_commune_is_404(client, db):
    assert client.get(reverse("publicity:commune_feed", args=["99999"])).status_code == 404


def test_feed_answers_304_to_a_calendar_that_has_it(client, frozen_now, permanence):
    first = _feed(client)
    again = client.get(
        reverse("publicity:commune_feed", args=["59212"]), HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304


def test_feed_is_served_from_the_cache_until_something_changes(
    client, frozen_now, permanence, settings, django_assert_num_queries
):
    settings.CADRAN_PUBLIC_CACHE_SETTLE_SECONDS = 0
    first = _feed(client).content
    with django_assert_num_queries(0):  # a hit: no query at all
        assert _feed(client).content == first
    response = client.post(book_url(permanence), form_data())
    assert response.status_code == 302
    with django_assert_num_queries(5):
        changed = _feed(client).content
    assert changed != first


def test_commune_feed_queries_do_not_grow(
    client, frozen_now, territory, estaires, adviser, django_assert_num_queries
):
    f.PermanenceFactory(commune=estaires, adviser=adviser)
    make_session(territory, estaires)
    with django_assert_num_queries(5):
        _feed(client)
    clear_public_cache()
    for weekday in (0, 1, 3):
        f.PermanenceFactory(commune=estaires, adviser=adviser, weekday=weekday)
    for day in range(6, 12):
        make_session(territory, estaires, start=paris(2026, 12, day, 14))
    f.ClosureFactory(territory=territory)
    with django_assert_num_queries(5):
        _feed(client)
