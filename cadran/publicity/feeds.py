"""iCalendar feeds (RFC 5545): a commune's agenda, the territory's, an adviser's own.

Subscribed by calendar programs (Thunderbird, Google Agenda, Outlook, the phone's
calendar), which read them again every hour or so. Every event has a UID that never
changes (``permanence-12-20261202@host``, ``session-40@host``), so a program updates an
event in place; a permanence date that is closed, or a session that is cancelled, stays in
the feed with ``STATUS:CANCELLED`` so that programs which have it remove or strike it.
Times are Paris wall-clock times with ``TZID=Europe/Paris`` and its ``VTIMEZONE``.

Public feeds say nothing about people: no name, no reason. An adviser's feed shows their
booked appointments as « Rendez-vous (réservé) », with the time and the place only.
"""

from __future__ import annotations

import datetime as dt

import icalendar

from cadran.core.clock import PARIS
from cadran.notifications import ics
from cadran.notifications.formatting import hour_label
from cadran.scheduling.enums import CANCELLED_STATUSES
from cadran.scheduling.selectors import OccurrenceSummary
from cadran.scheduling.slots import localize
from cadran.workshops.models import Session

from .selectors import FeedSource, commune_url, place_label, session_url, territory_url

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Cadran//Agenda des conseillers numériques//FR"


# The install's host as the UIDs' domain (cadran.notifications.ics): kept under this name.
uid = ics.uid


def _paris(day: dt.date, time: dt.time) -> dt.datetime:
    naive = dt.datetime.combine(day, time)
    return localize(naive) or naive.replace(tzinfo=PARIS)


def _calendar(name: str, *, description: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("description", description)
    calendar.add("x-wr-timezone", "Europe/Paris")
    # Ask programs to read the feed again every hour (RFC 7986, and Outlook's own).
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar


def _event(
    *,
    event_uid: str,
    stamp: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    summary: str,
    location: str = "",
    description: str = "",
    url: str = "",
    cancelled: bool = False,
    busy: bool = True,
    sequence: int = 0,
    last_modified: dt.datetime | None = None,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid)
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    if last_modified is not None:
        event.add("last-modified", last_modified.astimezone(dt.UTC))
    event.add("dtstart", ics.paris_time(start))
    event.add("dtend", ics.paris_time(end))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE" if busy and not cancelled else "TRANSPARENT")
    event.add("class", "PUBLIC")
    return event


def _phone_sentence(territory) -> str:
    if territory is not None and territory.contact_phone:
        return f" ou par téléphone au {territory.contact_phone}"
    return ""


def _occurrence_event(
    occurrence: OccurrenceSummary, *, stamp: dt.datetime, public: bool
) -> icalendar.Event:
    permanence = occurrence.permanence
    commune = permanence.commune
    venue = permanence.venue
    start = _paris(occurrence.day, permanence.start_time)
    end = _paris(occurrence.day, permanence.end_time)
    hours = f"de {hour_label(permanence.start_time)} à {hour_label(permanence.end_time)}"
    if public:
        summary = f"Conseiller numérique à {commune.name} (gratuit)"
        if permanence.online_booking:
            how = f"Prendre rendez-vous : {commune_url(commune)}"
        else:
            how = "Rendez-vous par téléphone"
        if occurrence.free:
            left = f"{occurrence.free} rendez-vous libre(s) ce jour-là."
        else:
            left = "Tous les rendez-vous de ce jour sont pris."
        description = (
            f"Un conseiller numérique vous aide gratuitement, sur rendez-vous, {hours}. "
            f"{left} {how}{_phone_sentence(commune.territory)}."
        )
    else:
        summary = f"Permanence {commune.name}"
        description = (
            f"{occurrence.booked} rendez-vous réservé(s), {occurrence.free} créneau(x) libre(s)."
        )
    if occurrence.is_closed:
        summary = f"Annulé : {summary}"
        description = f"Pas de permanence ce jour-là ({occurrence.closed_label})."
    elif occurrence.closed_reasons:
        description += f" Attention, horaires réduits ce jour-là : {occurrence.closed_label}."
    return _event(
        event_uid=uid("permanence", permanence.pk, f"{occurrence.day:%Y%m%d}"),
        stamp=stamp,
        start=start,
        end=end,
        summary=summary,
        location=place_label(venue),
        description=description,
        url=commune_url(commune) if public else "",
        cancelled=occurrence.is_closed,
        busy=not public,
        sequence=1 if occurrence.is_closed else 0,
        last_modified=permanence.updated_at,
    )


def _session_event(session: Session, *, stamp: dt.datetime, public: bool) -> icalendar.Event:
    workshop = session.workshop
    venue = session.venue
    place = session.place  # the off-site place when there is one (docs/ateliers.md)
    summary = f"Atelier : {workshop.title}"
    if public:
        description = f"{workshop.description} Gratuit, sur inscription : {session_url(session)}"
    else:
        description = f"Atelier collectif à {venue.commune.name}."
    if session.is_cancelled:
        summary = f"Annulé : {summary}"
        description = "Cet atelier est annulé."
    return _event(
        event_uid=ics.session_uid(session.pk),
        stamp=stamp,
        start=session.start,
        end=session.end,
        summary=summary,
        location=place_label(place),
        description=description,
        url=session_url(session) if public else "",
        cancelled=session.is_cancelled,
        busy=not public,
        sequence=ics.sequence(getattr(session, "ics_changes", 0), cancelled=session.is_cancelled),
        last_modified=session.updated_at,
    )


def _appointment_event(appointment, *, stamp: dt.datetime) -> icalendar.Event:
    """An adviser's appointment: the time and the place, never the person."""
    cancelled = appointment.status in CANCELLED_STATUSES
    commune = appointment.permanence.commune
    summary = "Rendez-vous (réservé)"
    description = f"Rendez-vous individuel à {commune.name}."
    if cancelled:
        summary = "Annulé : Rendez-vous"
        description = f"Ce rendez-vous à {commune.name} est annulé."
    return _event(
        event_uid=ics.appointment_uid(appointment.pk),
        stamp=stamp,
        start=appointment.start,
        end=appointment.end,
        summary=summary,
        location=place_label(appointment.permanence.venue),
        description=description,
        cancelled=cancelled,
        sequence=ics.sequence(getattr(appointment, "ics_changes", 0), cancelled=cancelled),
        last_modified=appointment.updated_at,
    )


def _add_timezone(calendar: icalendar.Calendar, now: dt.datetime | None = None) -> None:
    """The VTIMEZONE of Europe/Paris (its rule, good for every year the feed covers)."""
    ics.add_paris_timezone(calendar)


def _home_url(source: FeedSource) -> str:
    territory_id = source.territory.pk if source.territory is not None else None
    return territory_url(territory_id, "public:home")


def public_calendar(source: FeedSource, *, now: dt.datetime) -> bytes:
    """A commune's or a territory's agenda."""
    stamp = now.astimezone(dt.UTC)
    calendar = _calendar(
        source.title,
        description=(
            "Permanences et ateliers gratuits des conseillers numériques. "
            f"Pour prendre rendez-vous : {_home_url(source)}"
        ),
    )
    for occurrence in source.occurrences:
        calendar.add_component(_occurrence_event(occurrence, stamp=stamp, public=True))
    for session in source.sessions:
        calendar.add_component(_session_event(session, stamp=stamp, public=True))
    _add_timezone(calendar, now)
    return calendar.to_ical()


def adviser_calendar(source: FeedSource, *, now: dt.datetime) -> bytes:
    """An adviser's own schedule (private link)."""
    stamp = now.astimezone(dt.UTC)
    calendar = _calendar(source.title, description="Planning personnel (Cadran).")
    for occurrence in source.occurrences:
        calendar.add_component(_occurrence_event(occurrence, stamp=stamp, public=False))
    for appointment in source.appointments:
        calendar.add_component(_appointment_event(appointment, stamp=stamp))
    for session in source.sessions:
        calendar.add_component(_session_event(session, stamp=stamp, public=False))
    for closure in source.closures:
        calendar.add_component(
            _event(
                event_uid=uid("fermeture", closure.pk),
                stamp=stamp,
                start=closure.start,
                end=closure.end,
                summary=f"Fermeture : {closure.reason}",
                description=closure.scope_label,
                busy=False,
                last_modified=closure.created_at,
            )
        )
    _add_timezone(calendar, now)
    return calendar.to_ical()
