"""iCalendar pieces shared by the e-mail invitations and the feeds (RFC 5545, RFC 6047).

- One UID per appointment (``rendez-vous-6@host``) and one per workshop session
  (``session-40@host``), the same in the e-mails and in the feeds. The domain part is the
  install's host (``CADRAN_SITE_URL``), not a territory's: a UID does not change when the
  install gains a territory or a territory gets its own domain.
- One SEQUENCE rule: the number of recorded moves (audit entries, :data:`APPOINTMENT_CHANGES`,
  :data:`SESSION_CHANGES`), plus one once cancelled. It only grows, since audit entries are
  never deleted and a cancellation is final.
- Times are Paris wall-clock times with ``TZID=Europe/Paris`` and :func:`paris_vtimezone`.

E-mails: ``REQUEST`` at booking and at each move, ``CANCEL`` with the same UID at
cancellation. The e-mail part says the same method (:func:`method_of`, RFC 6047 § 2.4).
"""

from __future__ import annotations

import datetime as dt
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from django.conf import settings

from cadran.core import clock
from cadran.core.clock import PARIS

TZID = "Europe/Paris"

# The audit actions that change an event's time or place: each one adds 1 to SEQUENCE.
APPOINTMENT_CHANGES = ("appointment.moved", "appointment.venue_changed")
SESSION_CHANGES = ("session.moved", "session.venue_changed")

# Europe/Paris since 1996 (EU rule): summer time from the last Sunday of March at 02:00
# (CET) to the last Sunday of October at 03:00 (CEST). Per RFC 5545 § 3.6.5, an
# observance's DTSTART is the local time *before* the change (the TZOFFSETFROM's).
# Written by hand: icalendar's ``add_missing_timezones`` (7.x) writes the spring change at
# 03:00, which vobject and RFC-abiding programs read as one hour late. The tests compare
# this rule with the tz database (tests/public/test_ics_timezone.py).
_PARIS_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "X-LIC-LOCATION:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZNAME:CEST\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "DTSTART:19960331T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZNAME:CET\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "DTSTART:19961027T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


def _host() -> str:
    return urlsplit(settings.CADRAN_SITE_URL).hostname or "cadran"


def uid(*parts: object) -> str:
    """``part-part@host``, the host of the install (never a territory's)."""
    return "-".join(str(p) for p in parts) + f"@{_host()}"


def appointment_uid(pk: int) -> str:
    return uid("rendez-vous", pk)


def session_uid(pk: int) -> str:
    return uid("session", pk)


def event_uid(kind: str, pk: int) -> str:
    """Kept for older callers: prefer :func:`appointment_uid` and :func:`session_uid`."""
    return uid(kind, pk)


def sequence(changes: int, *, cancelled: bool) -> int:
    """The SEQUENCE of an event moved ``changes`` times (one more once cancelled)."""
    return changes + (1 if cancelled else 0)


def paris_vtimezone() -> icalendar.Timezone:
    zone = icalendar.Timezone.from_ical(_PARIS_VTIMEZONE)
    assert isinstance(zone, icalendar.Timezone)
    return zone


def add_paris_timezone(calendar: icalendar.Calendar) -> None:
    """Put the Europe/Paris VTIMEZONE first in the calendar (once)."""
    calendar.subcomponents = [
        c for c in calendar.subcomponents if not isinstance(c, icalendar.Timezone)
    ]
    calendar.subcomponents.insert(0, paris_vtimezone())


def paris_time(value: dt.datetime) -> dt.datetime:
    """An aware datetime as Paris wall-clock time (written with ``TZID=Europe/Paris``)."""
    return value.astimezone(PARIS)


def method_of(ics: str) -> str:
    """The METHOD of an iCalendar text (``REQUEST``, ``CANCEL``…), ``""`` if none."""
    for line in ics.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().upper() == "METHOD":
            return value.strip().upper()
    return ""


def calendar_attachment(ics: str, *, filename: str = "rendez-vous.ics") -> MIMEText:
    """The e-mail part of an invitation: ``text/calendar; method=REQUEST; charset=utf-8``
    (RFC 6047 § 2.4), the method being the calendar's own METHOD line."""
    part = MIMEText(ics, "calendar", "utf-8")
    method = method_of(ics)
    content_type = f"text/calendar; method={method}" if method else "text/calendar"
    part.replace_header("Content-Type", f"{content_type}; charset=utf-8")
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def build_ics(
    *,
    method: str,
    uid: str,
    sequence: int,
    start: dt.datetime,
    end: dt.datetime,
    summary: str,
    location: str,
    description: str,
    organizer_name: str,
    attendee_email: str = "",
    organizer_email: str = "",
) -> str:
    now = clock.now().astimezone(dt.UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Cadran//Rendez-vous//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", now)
    # The invitation is written when the appointment is booked, moved or cancelled.
    event.add("last-modified", now)
    event.add("dtstart", paris_time(start))
    event.add("dtend", paris_time(end))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    # The territory's sender address when it has one (same as the e-mail's From).
    organizer_address = parseaddr(organizer_email or settings.DEFAULT_FROM_EMAIL)[1]
    organizer = icalendar.vCalAddress(f"mailto:{organizer_address}")
    organizer.params["cn"] = icalendar.vText(organizer_name)
    event.add("organizer", organizer)
    if attendee_email:
        attendee = icalendar.vCalAddress(f"mailto:{attendee_email}")
        attendee.params["rsvp"] = icalendar.vText("FALSE")
        attendee.params["partstat"] = icalendar.vText("ACCEPTED")
        event.add("attendee", attendee)
    calendar.add_component(event)
    add_paris_timezone(calendar)
    return calendar.to_ical().decode()
