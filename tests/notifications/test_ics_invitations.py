"""The e-mail invitations as other calendar tools read them (RFC 5545, RFC 6047): Paris
times with their VTIMEZONE, the method on the e-mail part, one UID shared with the
adviser's feed, a SEQUENCE that grows at each move. Read by icalendar and by vobject."""

from __future__ import annotations

import datetime as dt
import email

import icalendar
import pytest
import time_machine
import vobject
from django.core import mail

from cadran.notifications.ics import calendar_attachment, method_of
from cadran.publicity import feeds, selectors
from cadran.scheduling import services
from cadran.scheduling.notifications import notify_appointment_booked
from cadran.scheduling.slots import make_slot_id
from tests.public.pubface_helpers import rfc5545_problems

from .conftest import make_appointment, paris

WINTER = paris(2026, 12, 2, 9, 0)  # Wednesday, CET (UTC+1)
SUMMER = paris(2027, 7, 7, 9, 0)  # Wednesday, CEST (UTC+2)


def _parts(message):
    """The calendar part of a sent e-mail, as a mail program sees it (parsed again)."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    calendars = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    (part,) = calendars
    return parsed, part


def _ics_text(message) -> str:
    _, part = _parts(message)
    return part.get_payload(decode=True).decode("utf-8")


def _book(permanence, person, start, capture):
    appointment = make_appointment(permanence, person, start)
    with capture(execute=True):
        notify_appointment_booked(appointment, "jeton")
    (sent,) = mail.outbox
    mail.outbox.clear()
    return appointment, sent


@pytest.mark.parametrize(
    ("start", "utc"),
    [
        (WINTER, dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)),
        (SUMMER, dt.datetime(2027, 7, 7, 7, 0, tzinfo=dt.UTC)),
    ],
    ids=["december-cet", "july-cest"],
)
def test_invitation_is_paris_time_with_its_vtimezone(
    permanence,
    person_both,
    frozen_now,
    immediate_tasks,
    django_capture_on_commit_callbacks,
    start,
    utc,
):
    _, sent = _book(permanence, person_both, start, django_capture_on_commit_callbacks)
    text = _ics_text(sent)
    assert rfc5545_problems(text.encode()) == []
    assert f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}" in text.replace("\r\n ", "")
    # icalendar and vobject find the same instant.
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(dt.UTC) == utc
    parsed = vobject.readOne(text)
    assert parsed.vevent.dtstart.value.astimezone(dt.UTC) == utc
    assert parsed.vevent.dtend.value - parsed.vevent.dtstart.value == dt.timedelta(hours=1)
    assert [str(tz["TZID"]) for tz in icalendar.Calendar.from_ical(text).walk("VTIMEZONE")] == [
        "Europe/Paris"
    ]


def test_invitation_vtimezone_puts_the_spring_change_at_2h(
    permanence, person_both, frozen_now, immediate_tasks, django_capture_on_commit_callbacks
):
    """Sunday 28 March 2027: 01:30 is still winter time, 03:30 already summer time, read
    with the VTIMEZONE the e-mail carries (not the reader's own tz database)."""
    _, sent = _book(permanence, person_both, WINTER, django_capture_on_commit_callbacks)
    text = _ics_text(sent)
    embedded = vobject.readOne(text).vtimezone.gettzinfo()
    (vtimezone,) = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    for tz in (embedded, vtimezone.to_tz()):
        before = dt.datetime(2027, 3, 28, 1, 30, tzinfo=tz)
        after = dt.datetime(2027, 3, 28, 3, 30, tzinfo=tz)
        assert before.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)
        assert after.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)


def test_booking_and_cancellation_parts_carry_the_method(
    permanence,
    person_both,
    adviser,
    frozen_now,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    appointment, sent = _book(permanence, person_both, WINTER, django_capture_on_commit_callbacks)
    _, part = _parts(sent)
    assert part["Content-Type"] == "text/calendar; method=REQUEST; charset=utf-8"
    assert part.get_filename() == "rendez-vous.ics"
    assert icalendar.Calendar.from_ical(_ics_text(sent))["METHOD"] == "REQUEST"

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, by=adviser, reason="Malade")
    (cancelled,) = mail.outbox
    _, part = _parts(cancelled)
    assert part["Content-Type"] == "text/calendar; method=CANCEL; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(_ics_text(cancelled))
    assert calendar["METHOD"] == "CANCEL"
    assert vobject.readOne(_ics_text(cancelled)).method.value == "CANCEL"


def test_the_part_method_follows_the_calendars_method_line():
    assert method_of("BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n") == "CANCEL"
    assert method_of("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") == ""
    part = calendar_attachment("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert part["Content-Type"] == "text/calendar; charset=utf-8"  # no METHOD: no method=


def _feed_event(adviser, appointment, when: dt.datetime):
    with time_machine.travel(when, tick=False):
        today = when.date()
        source = selectors.adviser_feed(user=adviser, today=today, now=when)
        body = feeds.adviser_calendar(source, now=when)
    assert rfc5545_problems(body) == []
    uid = f"rendez-vous-{appointment.pk}@rdv.example.org"
    events = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if e["UID"] == uid]
    by_vobject = [e for e in vobject.readOne(body.decode()).vevent_list if e.uid.value == uid]
    assert len(events) == len(by_vobject) <= 1
    return (events[0], by_vobject[0]) if events else (None, None)


def test_one_uid_and_a_growing_sequence_in_e_mails_and_feed(
    permanence,
    person_both,
    adviser,
    frozen_now,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    appointment, booked = _book(permanence, person_both, WINTER, django_capture_on_commit_callbacks)
    (booked_event,) = icalendar.Calendar.from_ical(_ics_text(booked)).walk("VEVENT")
    uid = f"rendez-vous-{appointment.pk}@rdv.example.org"
    assert str(booked_event["UID"]) == uid
    assert booked_event["SEQUENCE"] == 0
    assert booked_event.get("LAST-MODIFIED") is not None
    in_feed, read_by_vobject = _feed_event(adviser, appointment, frozen_now)
    assert str(in_feed["UID"]) == uid and in_feed["SEQUENCE"] == 0
    assert int(read_by_vobject.sequence.value) == 0

    new_start = paris(2026, 12, 9, 10, 0)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_appointment(
            appointment=appointment, slot_id=make_slot_id(permanence.pk, new_start), by=adviser
        )
    (moved,) = mail.outbox
    mail.outbox.clear()
    (moved_event,) = icalendar.Calendar.from_ical(_ics_text(moved)).walk("VEVENT")
    assert str(moved_event["UID"]) == uid
    assert moved_event["SEQUENCE"] == 1 > booked_event["SEQUENCE"]
    assert moved_event.decoded("DTSTART") == new_start
    in_feed, read_by_vobject = _feed_event(adviser, appointment, frozen_now)
    assert in_feed["SEQUENCE"] == 1 and int(read_by_vobject.sequence.value) == 1
    assert in_feed.decoded("DTSTART") == new_start
    appointment.refresh_from_db()
    assert in_feed.decoded("LAST-MODIFIED") == appointment.updated_at.replace(microsecond=0)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, by=adviser, reason="Malade")
    (cancelled,) = mail.outbox
    (cancelled_event,) = icalendar.Calendar.from_ical(_ics_text(cancelled)).walk("VEVENT")
    assert str(cancelled_event["UID"]) == uid
    assert cancelled_event["SEQUENCE"] == 2
    in_feed, read_by_vobject = _feed_event(adviser, appointment, frozen_now)
    assert str(in_feed["STATUS"]) == "CANCELLED" and in_feed["SEQUENCE"] == 2
    assert read_by_vobject.status.value == "CANCELLED"


def test_uid_keeps_the_install_host_when_a_territory_has_its_own_site(
    permanence, person_both, frozen_now, immediate_tasks, django_capture_on_commit_callbacks
):
    territory = permanence.commune.territory
    territory.site_url = "https://numerique.flandre-lys.fr"
    territory.save()
    appointment, sent = _book(permanence, person_both, WINTER, django_capture_on_commit_callbacks)
    (event,) = icalendar.Calendar.from_ical(_ics_text(sent)).walk("VEVENT")
    assert str(event["UID"]) == f"rendez-vous-{appointment.pk}@rdv.example.org"
