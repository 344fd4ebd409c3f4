"""The feeds as other calendar tools read them (RFC 5545): the embedded Europe/Paris rule
against the tz database, winter and summer times, SEQUENCE and LAST-MODIFIED, cancelled
items kept in the adviser's feed for CANCELLED_FEED_RETENTION_DAYS after their day.
Read by icalendar and by vobject."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import time_machine
import vobject
from django.urls import reverse

from cadran.core import audit
from cadran.core.clock import PARIS
from cadran.notifications.ics import paris_vtimezone
from cadran.publicity import feeds, selectors
from cadran.scheduling.enums import AppointmentStatus
from cadran.workshops.enums import SessionStatus
from tests import factories as f

from .pubface_helpers import clear_public_cache, rfc5545_problems
from .workshop_helpers import make_session

UTC = dt.UTC


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_public_cache()
    yield
    clear_public_cache()


def _embedded_zones(body: bytes):
    """The Europe/Paris the stream carries, as vobject and icalendar build it."""
    (vtimezone,) = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")
    return [vobject.readOne(body.decode()).vtimezone.gettzinfo(), vtimezone.to_tz()]


def test_the_vtimezone_agrees_with_the_tz_database_at_every_change():
    """Each change from 2026 to 2040, a minute before and a minute after, read through the
    VTIMEZONE by vobject and by icalendar, has the tz database's offset."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//FR")
    calendar.add("version", "2.0")
    calendar.add_component(paris_vtimezone())
    body = calendar.to_ical()
    zones = _embedded_zones(body)
    instant = dt.datetime(2026, 1, 1, tzinfo=UTC)
    changes = 0
    while instant < dt.datetime(2041, 1, 1, tzinfo=UTC):
        nxt = instant + dt.timedelta(hours=1)
        if instant.astimezone(PARIS).utcoffset() != nxt.astimezone(PARIS).utcoffset():
            changes += 1
            for probe in (nxt - dt.timedelta(minutes=1), nxt + dt.timedelta(minutes=1)):
                expected = probe.astimezone(PARIS).utcoffset()
                # Wall-clock time -> instant, as a program reading DTSTART;TZID= does.
                wall = probe.astimezone(PARIS).replace(tzinfo=None)
                for zone in zones:
                    assert wall.replace(tzinfo=zone).utcoffset() == expected, (zone, probe)
        instant = nxt
    assert changes == 30


def test_spring_change_in_the_feed_is_at_2h(client, frozen_now, permanence):
    body = client.get(reverse("publicity:commune_feed", args=["59212"])).content
    for zone in _embedded_zones(body):
        before = dt.datetime(2027, 3, 28, 1, 30, tzinfo=zone).astimezone(UTC)
        after = dt.datetime(2027, 3, 28, 3, 30, tzinfo=zone).astimezone(UTC)
        assert before == dt.datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
        assert after == dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
        # And autumn: 31 October 2027, 02:30 is still summer time at its first occurrence.
        autumn = dt.datetime(2027, 10, 31, 1, 30, tzinfo=zone).astimezone(UTC)
        assert autumn == dt.datetime(2027, 10, 30, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "utc"),
    [
        (dt.datetime(2026, 12, 12, 10, tzinfo=PARIS), dt.datetime(2026, 12, 12, 9, tzinfo=UTC)),
        (dt.datetime(2027, 7, 10, 10, tzinfo=PARIS), dt.datetime(2027, 7, 10, 8, tzinfo=UTC)),
    ],
    ids=["december-cet", "july-cest"],
)
def test_session_times_in_winter_and_summer(client, frozen_now, territory, estaires, start, utc):
    session = make_session(territory, estaires, start=start)
    body = client.get(reverse("publicity:commune_feed", args=["59212"])).content
    assert rfc5545_problems(body) == []
    assert f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}".encode() in body
    uid = f"session-{session.pk}@127.0.0.1"
    (event,) = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if e["UID"] == uid]
    assert event.decoded("DTSTART").astimezone(UTC) == utc
    (read,) = [e for e in vobject.readOne(body.decode()).vevent_list if e.uid.value == uid]
    assert read.dtstart.value.astimezone(UTC) == utc


def test_session_sequence_and_last_modified(client, frozen_now, territory, estaires):
    session = make_session(territory, estaires)
    url = reverse("publicity:commune_feed", args=["59212"])
    uid = f"session-{session.pk}@127.0.0.1"

    def event():
        clear_public_cache()
        body = client.get(url).content
        (found,) = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if e["UID"] == uid]
        (read,) = [e for e in vobject.readOne(body.decode()).vevent_list if e.uid.value == uid]
        assert int(read.sequence.value) == found["SEQUENCE"]
        assert read.last_modified.value == found.decoded("LAST-MODIFIED")
        return found

    first = event()
    assert first["SEQUENCE"] == 0
    assert first.decoded("LAST-MODIFIED") == session.updated_at.replace(microsecond=0)
    with time_machine.travel(frozen_now + dt.timedelta(hours=2), tick=False):
        session.start += dt.timedelta(days=1)
        session.end += dt.timedelta(days=1)
        session.save()
        audit.record(
            actor=None,
            obj=session,
            action="session.moved",
            description="déplacée",
            territory_id=territory.pk,
        )
    moved = event()
    assert moved["SEQUENCE"] == 1
    assert moved.decoded("LAST-MODIFIED") > first.decoded("LAST-MODIFIED")
    session.status = SessionStatus.CANCELLED_BY_SERVICE
    session.save()
    cancelled = event()
    assert cancelled["SEQUENCE"] == 2 and str(cancelled["STATUS"]) == "CANCELLED"


def test_closed_permanence_date_goes_up_one_sequence(client, frozen_now, permanence, territory):
    url = reverse("publicity:commune_feed", args=["59212"])
    uid = f"permanence-{permanence.pk}-20261202@127.0.0.1"

    def event():
        clear_public_cache()
        body = client.get(url).content
        return next(e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if e["UID"] == uid)

    opened = event()
    assert opened["SEQUENCE"] == 0
    assert opened.decoded("LAST-MODIFIED") == permanence.updated_at.replace(microsecond=0)
    f.ClosureFactory(
        territory=territory,
        start=dt.datetime(2026, 12, 2, 0, tzinfo=PARIS),
        end=dt.datetime(2026, 12, 3, 0, tzinfo=PARIS),
    )
    closed = event()
    assert closed["SEQUENCE"] == 1 and str(closed["STATUS"]) == "CANCELLED"


# --- Cancelled items in the adviser's feed ---------------------------------------------------

APPOINTMENT_DAY = dt.date(2026, 12, 2)  # Wednesday 2 December 2026, 9h
SESSION_DAY = dt.date(2026, 12, 5)  # Saturday 5 December 2026, 10h (make_session)


def _adviser_uids(adviser, today: dt.date) -> dict[str, str]:
    """UID -> STATUS of the adviser's feed as it is on ``today`` (at 23:59, Paris)."""
    now = dt.datetime.combine(today, dt.time(23, 59), tzinfo=PARIS)
    with time_machine.travel(now, tick=False):
        body = feeds.adviser_calendar(
            selectors.adviser_feed(user=adviser, today=today, now=now), now=now
        )
    assert rfc5545_problems(body) == []
    by_vobject = {e.uid.value: e.status.value for e in vobject.readOne(body.decode()).vevent_list}
    by_icalendar = {
        str(e["UID"]): str(e["STATUS"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }
    assert by_vobject == by_icalendar
    return by_icalendar


@pytest.fixture
def cancelled_items(frozen_now, permanence, adviser, territory, estaires):
    start = dt.datetime.combine(APPOINTMENT_DAY, dt.time(9), tzinfo=PARIS)
    cancelled = f.AppointmentFactory(
        permanence=permanence,
        start=start,
        end=start + dt.timedelta(hours=1),
        status=AppointmentStatus.EXCUSED,
    )
    kept = f.AppointmentFactory(
        permanence=permanence,
        start=start + dt.timedelta(hours=1),
        end=start + dt.timedelta(hours=2),
    )
    session = make_session(
        territory, estaires, advisers=[adviser], status=SessionStatus.CANCELLED_BY_SERVICE
    )
    assert session.start.astimezone(PARIS).date() == SESSION_DAY
    return (
        f"rendez-vous-{cancelled.pk}@127.0.0.1",
        f"rendez-vous-{kept.pk}@127.0.0.1",
        f"session-{session.pk}@127.0.0.1",
    )


def test_cancelled_items_stay_cancelled_in_the_adviser_feed(adviser, cancelled_items):
    cancelled, kept, session = cancelled_items
    uids = _adviser_uids(adviser, dt.date(2026, 11, 27))
    assert uids[cancelled] == "CANCELLED"
    assert uids[kept] == "CONFIRMED"
    assert uids[session] == "CANCELLED"


def test_cancelled_items_leave_the_feed_after_the_retention(adviser, cancelled_items):
    cancelled, _, session = cancelled_items
    days = selectors.CANCELLED_FEED_RETENTION_DAYS
    assert days == 30
    on_last_day = _adviser_uids(adviser, APPOINTMENT_DAY + dt.timedelta(days=days))
    assert on_last_day[cancelled] == "CANCELLED"
    assert cancelled not in _adviser_uids(adviser, APPOINTMENT_DAY + dt.timedelta(days=days + 1))
    assert _adviser_uids(adviser, SESSION_DAY + dt.timedelta(days=days))[session] == "CANCELLED"
    assert session not in _adviser_uids(adviser, SESSION_DAY + dt.timedelta(days=days + 1))


def test_retention_is_the_named_constant(adviser, cancelled_items, monkeypatch):
    """A shorter retention removes the cancelled ones earlier, while an appointment that
    holds its slot stays as long as the feed looks back (ADVISER_FEED_PAST_DAYS)."""
    cancelled, kept, session = cancelled_items
    monkeypatch.setattr(selectors, "CANCELLED_FEED_RETENTION_DAYS", 10)
    day_10 = _adviser_uids(adviser, APPOINTMENT_DAY + dt.timedelta(days=10))
    assert day_10[cancelled] == "CANCELLED"
    day_11 = _adviser_uids(adviser, APPOINTMENT_DAY + dt.timedelta(days=11))
    assert cancelled not in day_11 and day_11[kept] == "CONFIRMED"
    assert session in _adviser_uids(adviser, SESSION_DAY + dt.timedelta(days=10))
    assert session not in _adviser_uids(adviser, SESSION_DAY + dt.timedelta(days=11))


def test_adviser_feed_appointments_carry_last_modified(adviser, cancelled_items):
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, tzinfo=PARIS), tick=False):
        now = dt.datetime(2026, 11, 27, 10, tzinfo=PARIS)
        body = feeds.adviser_calendar(
            selectors.adviser_feed(user=adviser, today=now.date(), now=now), now=now
        )
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    for event in events:
        if str(event["UID"]).startswith(("rendez-vous-", "session-", "fermeture-")):
            assert isinstance(event.decoded("LAST-MODIFIED"), dt.datetime)
        assert isinstance(event["SEQUENCE"], int)
