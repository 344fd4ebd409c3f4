"""The messages about workshops: what is said, to whom, on which channel.

Called by the services inside their transaction: the ``Message`` rows are stored with the
change (unique ``dedupe_key``), so an action replayed, or a decision taken twice, never
queues a message twice. People get an e-mail and/or an SMS as they chose when registering;
staff (advisers, the requesting librarian) get an e-mail. SMS are short and carry the
workshop's title, the day, the hour and the place. Only the first message carries the
private link (the database keeps the token's hash only).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch

from cadran.notifications.backends.sms import is_french_mobile
from cadran.notifications.enums import MessageChannel
from cadran.notifications.formatting import day_label, hour_label, short_day_label
from cadran.notifications.models import Message
from cadran.notifications.services import queue_message, withdraw_pending_messages
from cadran.territory import identity as territory_identity

from .models import InterventionRequest, Registration, Session

REGISTERED = "workshop_registered"
WAITING = "workshop_waiting"
PROMOTED = "workshop_promoted"
REGISTRATION_CANCELLED = "workshop_registration_cancelled"
SESSION_CANCELLED = "workshop_session_cancelled"
SESSION_CONFIRMED = "workshop_session_confirmed"
STAFF_SESSION_CANCELLED = "workshop_staff_session_cancelled"
STAFF_SESSION_CONFIRMED = "workshop_staff_session_confirmed"
STAFF_SESSION_SCHEDULED = "workshop_staff_session_scheduled"
REQUEST_DECIDED = "workshop_request_decided"
VENUE_CHANGED = "workshop_venue_changed"
SESSION_MOVED = "workshop_session_moved"
SIMILAR_SESSION = "workshop_similar_session"

PERSON_EVENTS = [REGISTERED, WAITING, PROMOTED, SESSION_CONFIRMED, VENUE_CHANGED]

# The public page behind the private link (built by the public app): ``/ateliers/inscription/<token>/``.
REGISTRATION_URL_NAME = "public:workshop_registration"


def registration_link(token: str, territory_id: int | None = None) -> str:
    """On the territory's own site (its domain, or its prefix on the install's address)."""
    site = territory_identity.for_id(territory_id)
    try:
        return site.reverse(REGISTRATION_URL_NAME, token=token)
    except NoReverseMatch:
        return site.url(f"/ateliers/inscription/{token}/")


def contact_channels(registration: Registration) -> list[tuple[str, str]]:
    channels: list[tuple[str, str]] = []
    if registration.email and registration.notify_email:
        channels.append((MessageChannel.EMAIL, registration.email))
    if registration.notify_sms and is_french_mobile(registration.phone):
        channels.append((MessageChannel.SMS, registration.phone))
    return channels


def session_context(session: Session, sessions: list[Session] | None = None) -> dict:
    """What every message about a session says. ``sessions``: the cycle's, in order."""
    place = session.place  # the off-site place when there is one (docs/ateliers.md)
    commune = place.commune
    territory = session.workshop.territory
    dates = [
        f"{day_label(s.start)} de {hour_label(s.start)} à {hour_label(s.end)}"
        for s in (sessions or [session])
    ]
    title = session.workshop.title
    return {
        "session": session,
        "title": title,
        "title_short": title if len(title) <= 40 else title[:39] + "…",
        "is_cycle": len(dates) > 1,
        "dates": dates,
        "day": day_label(session.start),
        "short_day": short_day_label(session.start),
        "hour": hour_label(session.start),
        "end_hour": hour_label(session.end),
        "min_attendance": session.min_attendance,
        "place": place.full_place,
        "place_short": place.name,
        "address": place.postal_address,
        "access_notes": place.access_notes,
        "commune": commune.name,
        "territory_name": territory.name,
        "service_name": territory.service_name,
        "contact_phone": territory.contact_phone,
        "contact_email": territory.contact_email,
        "site_url": territory_identity.for_id(territory.pk).site_url,
    }


def _next_sessions_context(next_sessions: Iterable[Session]) -> list[dict]:
    return [
        {
            "day": day_label(s.start),
            "short_day": short_day_label(s.start),
            "hour": hour_label(s.start),
            "place": s.place.name,
            "commune": s.venue.commune.name,
        }
        for s in next_sessions
    ]


def _to_person(
    registration: Registration, *, event: str, key: str, context: dict, session: Session
) -> list[Message]:
    queued = []
    person_context = context | {
        "first_name": registration.first_name,
        "reference": registration.reference,
    }
    for channel, recipient in contact_channels(registration):
        message, created = queue_message(
            territory_id=session.workshop.territory_id,
            channel=channel,
            event=event,
            template=f"workshops/{channel}/{event.removeprefix('workshop_')}",
            dedupe_key=f"{key}:{channel}",
            recipient=recipient,
            context=person_context,
            target=registration,
            event_at=session.start,
            expires_at=session.start,
        )
        if created:
            queued.append(message)
    return queued


def _to_staff(
    user, *, event: str, key: str, context: dict, territory_id: int, target
) -> Message | None:
    if user is None or not user.is_active or not user.email:
        return None
    message, created = queue_message(
        territory_id=territory_id,
        channel=MessageChannel.EMAIL,
        event=event,
        template=f"workshops/email/{event.removeprefix('workshop_')}",
        dedupe_key=f"{key}:user:{user.pk}:email",
        recipient=user.email,
        context=context | {"first_name": user.first_name},
        user=user,
        target=target,
    )
    return message if created else None


def notify_registration(
    registration: Registration,
    token: str,
    *,
    session: Session,
    sessions: list[Session],
    position: int | None = None,
) -> list[Message]:
    """Confirmation, or « you are on the waiting list », with the private link."""
    event = WAITING if registration.status == "waiting" else REGISTERED
    context = session_context(session, sessions) | {
        "link": registration_link(token, session.workshop.territory_id),
        "position": position,
    }
    return _to_person(
        registration,
        event=event,
        key=f"registration:{registration.pk}:{event}",
        context=context,
        session=session,
    )


def notify_promoted(
    registration: Registration, *, session: Session, sessions: list[Session]
) -> list[Message]:
    """A place was freed: the first person waiting has it now."""
    return _to_person(
        registration,
        event=PROMOTED,
        key=f"registration:{registration.pk}:promoted",
        context=session_context(session, sessions),
        session=session,
    )


def notify_registration_cancelled(
    registration: Registration, *, session: Session, by_service: bool
) -> list[Message]:
    withdraw_pending_messages(
        target=registration,
        events=PERSON_EVENTS,
        reason="Plus utile : l'inscription a été annulée.",
    )
    context = session_context(session) | {"by_service": by_service}
    return _to_person(
        registration,
        event=REGISTRATION_CANCELLED,
        key=f"registration:{registration.pk}:cancelled",
        context=context,
        session=session,
    )


def notify_registration_venue_changed(
    registration: Registration, *, sessions: list[Session], previous_place: str = ""
) -> list[Message]:
    """The sessions (``sessions``: those of the registration that move, in order, already
    at their new venue) take place elsewhere, same day and hour. Once per registration and
    new venue. Off-site (« hors les murs ») sessions are left out: they do not take place
    at their venue, so a change of venue changes nothing for the people; nothing is sent
    when every session is off-site."""
    sessions = [s for s in sessions if not s.is_off_site]
    if not sessions:
        return []
    first = sessions[0]
    context = session_context(first, sessions) | {"previous_place": previous_place}
    return _to_person(
        registration,
        event=VENUE_CHANGED,
        key=f"registration:{registration.pk}:venue:{first.venue_id}",
        context=context,
        session=first,
    )


def notify_session_moved(
    registration: Registration,
    *,
    session: Session,
    sessions: list[Session],
    previous_start,
    previous_place: str,
    moved_at,
) -> list[Message]:
    """A session (``session``, already at its new date and venue) was moved by the service
    (the board's « Déplacer »): the person is told the new date and place."""
    context = session_context(session, sessions) | {
        "previous_day": day_label(previous_start),
        "previous_hour": hour_label(previous_start),
        "previous_place": previous_place,
        "moved_day": day_label(session.start),
        "moved_hour": hour_label(session.start),
        "moved_end_hour": hour_label(session.end),
        "moved_place": session.place.full_place,
        "moved_address": session.place.postal_address,
        "reference": registration.reference,
    }
    return _to_person(
        registration,
        event=SESSION_MOVED,
        key=f"registration:{registration.pk}:moved:{session.pk}:{int(moved_at.timestamp())}",
        context=context,
        session=session,
    )


def staff_recipients(session: Session) -> list:
    """The advisers of the session and the librarian who asked for it (once each)."""
    users = {u.pk: u for u in session.advisers.all()}
    request = session.request
    librarian = request.requested_by if request is not None else None
    if librarian is not None:
        users.setdefault(librarian.pk, librarian)
    return list(users.values())


def notify_session_cancelled(
    session: Session,
    *,
    sessions: list[Session],
    registrations: Iterable[Registration],
    next_sessions: Iterable[Session],
    low_attendance: bool,
    confirmed_count: int,
    reason: str = "",
) -> list[Message]:
    """Every registrant, everyone waiting, the advisers and the librarian are told, with
    the next sessions of the same workshop."""
    context = session_context(session, sessions) | {
        "low_attendance": low_attendance,
        "reason": reason,
        "confirmed_count": confirmed_count,
        "min_attendance": session.min_attendance,
        "next_sessions": _next_sessions_context(next_sessions),
    }
    queued: list[Message] = []
    for registration in registrations:
        withdraw_pending_messages(
            target=registration,
            events=PERSON_EVENTS,
            reason="Plus utile : la séance est annulée.",
        )
        queued += _to_person(
            registration,
            event=SESSION_CANCELLED,
            key=f"session:{session.pk}:cancelled:registration:{registration.pk}",
            context=context,
            session=session,
        )
    for user in staff_recipients(session):
        message = _to_staff(
            user,
            event=STAFF_SESSION_CANCELLED,
            key=f"session:{session.pk}:cancelled",
            context=context,
            territory_id=session.workshop.territory_id,
            target=session,
        )
        if message is not None:
            queued.append(message)
    return queued


def notify_session_confirmed(
    session: Session,
    *,
    sessions: list[Session],
    registrations: Iterable[Registration],
    confirmed_count: int,
) -> list[Message]:
    """The session takes place: registrants are reminded, the staff told the count."""
    context = session_context(session, sessions) | {"confirmed_count": confirmed_count}
    queued: list[Message] = []
    for registration in registrations:
        queued += _to_person(
            registration,
            event=SESSION_CONFIRMED,
            key=f"session:{session.pk}:confirmed:registration:{registration.pk}",
            context=context,
            session=session,
        )
    for user in staff_recipients(session):
        message = _to_staff(
            user,
            event=STAFF_SESSION_CONFIRMED,
            key=f"session:{session.pk}:confirmed",
            context=context,
            territory_id=session.workshop.territory_id,
            target=session,
        )
        if message is not None:
            queued.append(message)
    return queued


def notify_session_scheduled(session: Session, *, sessions: list[Session]) -> list[Message]:
    """The advisers learn they lead a new session (or cycle)."""
    context = session_context(session, sessions)
    queued = []
    for user in session.advisers.all():
        message = _to_staff(
            user,
            event=STAFF_SESSION_SCHEDULED,
            key=f"session:{session.pk}:scheduled",
            context=context,
            territory_id=session.workshop.territory_id,
            target=session,
        )
        if message is not None:
            queued.append(message)
    return queued


def notify_request_decided(
    request: InterventionRequest, *, sessions: list[Session] | None = None
) -> Message | None:
    """The librarian learns whether their request is accepted (with the dates) or not."""
    workshop = request.workshop
    context = {
        "title": workshop.title,
        "library": request.library.name,
        "accepted": request.status == "accepted",
        "min_attendance": sessions[0].min_attendance if sessions else 0,
        "reason": request.decision_reason,
        "dates": [
            f"{day_label(s.start)} de {hour_label(s.start)} à {hour_label(s.end)}, {s.place.full_place}"
            for s in sessions or []
        ],
        "service_name": workshop.territory.service_name,
        "contact_phone": workshop.territory.contact_phone,
        "territory_name": workshop.territory.name,
    }
    return _to_staff(
        request.requested_by,
        event=REQUEST_DECIDED,
        key=f"request:{request.pk}:{request.status}",
        context=context,
        territory_id=workshop.territory_id,
        target=request,
    )


def session_page_link(session: Session) -> str:
    """The public page of a session, where people register, on the territory's site."""
    site = territory_identity.for_id(session.workshop.territory_id)
    try:
        return site.reverse("public:session", pk=session.pk)
    except NoReverseMatch:
        return site.url(f"/ateliers/{session.pk}/")


def notify_similar_session(
    registrations: Iterable[Registration], *, session: Session, sessions: list[Session]
) -> list[Message]:
    """« Un atelier semblable a encore des places »: to people waiting for another session
    of the same format (``registrations``, already chosen by
    :func:`cadran.workshops.selectors.similar_waiting_registrations`).

    Once per session and person: the key holds a hash of the address or number written
    to (never the address itself), so a person waiting on two sessions, or a second push,
    gets nothing more. Their consent and channels are those they gave when registering."""
    from cadran.core.tokens import hash_token

    context = session_context(session, sessions) | {"link": session_page_link(session)}
    queued: list[Message] = []
    for registration in registrations:
        person_context = context | {"first_name": registration.first_name}
        for channel, recipient in contact_channels(registration):
            contact = hash_token(f"{channel}:{recipient.strip().lower()}")[:32]
            message, created = queue_message(
                territory_id=session.workshop.territory_id,
                channel=channel,
                event=SIMILAR_SESSION,
                template=f"workshops/{channel}/similar_session",
                dedupe_key=f"session:{session.pk}:similar:{contact}:{channel}",
                recipient=recipient,
                context=person_context,
                target=registration,
                event_at=session.start,
                expires_at=session.decision_at,
            )
            if created:
                queued.append(message)
    return queued
