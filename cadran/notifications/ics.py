"""iCalendar invitations attached to e-mails, so that an appointment goes into a calendar.

``REQUEST`` with a UID stable per appointment and a SEQUENCE that grows at each move: the
calendar updates the event in place. ``CANCEL`` with the same UID removes it.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

import icalendar
from django.conf import settings

from cadran.core import clock


def event_uid(kind: str, pk: int) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(settings.CADRAN_SITE_URL).hostname or "cadran"
    return f"{kind}-{pk}@{host}"


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
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Cadran//Rendez-vous//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", clock.now().astimezone(dt.UTC))
    event.add("dtstart", start.astimezone(dt.UTC))
    event.add("dtend", end.astimezone(dt.UTC))
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
    return calendar.to_ical().decode()
