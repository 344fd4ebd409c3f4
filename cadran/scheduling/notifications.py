"""The messages about appointments: what is said, to whom, on which channel.

Called by the scheduling services inside their transaction (the message is stored with the
change and sent once it commits) and by the sweepers (reminders, advisers' digests).

- E-mail when the person gave an e-mail address, SMS when they gave a French mobile number
  (06, 07); both when they gave both.
- SMS are short and never carry the reason of the appointment.
- Only the confirmation carries the private link: the token is known only at booking (the
  database keeps its hash). Later messages give the reference and the phone number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.backends.sms import is_french_mobile
from cadran.notifications.enums import MessageChannel
from cadran.notifications.formatting import (
    day_label,
    duration_label,
    hour_label,
    short_day_label,
)
from cadran.notifications.ics import APPOINTMENT_CHANGES, appointment_uid, build_ics
from cadran.notifications.models import Message
from cadran.notifications.services import queue_message, withdraw_pending_messages
from cadran.territory import identity as territory_identity

from .models import Appointment, Beneficiary

BOOKED = "appointment_booked"
MOVED = "appointment_moved"
CANCELLED = "appointment_cancelled"
REMINDER = "appointment_reminder"
VENUE_CHANGED = "appointment_venue_changed"
STAFF_DIGEST = "staff_digest"


def contact_channels(beneficiary: Beneficiary) -> list[tuple[str, str]]:
    """``(channel, recipient)`` pairs the person can be reached on and chose when booking."""
    channels: list[tuple[str, str]] = []
    if beneficiary.email and beneficiary.notify_email:
        channels.append((MessageChannel.EMAIL, beneficiary.email))
    if beneficiary.notify_sms and is_french_mobile(beneficiary.phone):
        channels.append((MessageChannel.SMS, beneficiary.phone))
    return channels


def private_link(token: str, territory_id: int | None = None) -> str:
    """On the territory's own site when it has one (``Territory.site_url``)."""
    return territory_identity.for_id(territory_id).reverse("public:appointment", token=token)


def appointment_context(appointment: Appointment) -> dict:
    permanence = appointment.permanence
    venue, commune = permanence.venue, permanence.commune
    territory = commune.territory
    return {
        "appointment": appointment,
        "first_name": appointment.beneficiary.first_name,
        "day": day_label(appointment.start),
        "short_day": short_day_label(appointment.start),
        "hour": hour_label(appointment.start),
        "duration": duration_label(appointment.start, appointment.end),
        "place": venue.full_place,
        "place_short": venue.name,
        "address": venue.postal_address,
        "commune": commune.name,
        "reference": appointment.reference,
        "territory_name": territory.name,
        "service_name": territory.service_name,
        "contact_phone": territory.contact_phone,
        "contact_email": territory.contact_email,
    }


def _sequence(appointment: Appointment) -> int:
    """How many times the appointment moved: the iCalendar SEQUENCE of its event (the
    adviser's feed counts the same entries: cadran.publicity.selectors)."""
    return AuditLog.objects.for_object(appointment).filter(action__in=APPOINTMENT_CHANGES).count()


def _ics(appointment: Appointment, *, method: str, sequence: int, recipient: str) -> str:
    context = appointment_context(appointment)
    return build_ics(
        method=method,
        uid=appointment_uid(appointment.pk),
        sequence=sequence,
        start=appointment.start,
        end=appointment.end,
        summary="Rendez-vous avec un conseiller numérique",
        location=f"{context['place']}, {context['address']}",
        description=(
            f"Référence {appointment.reference}. Pour toute question : "
            f"{context['service_name']}, {context['contact_phone']}."
        ),
        organizer_name=context["service_name"],
        organizer_email=territory_identity.for_id(
            appointment.permanence.commune.territory_id
        ).from_email,
        attendee_email=recipient,
    )


def _queue_for_person(
    appointment: Appointment,
    *,
    event: str,
    key: str,
    context: dict,
    ics_method: str | None = None,
    sequence: int = 0,
    event_at: dt.datetime | None = None,
) -> list[Message]:
    beneficiary = appointment.beneficiary
    queued = []
    for channel, recipient in contact_channels(beneficiary):
        ics = ""
        if channel == MessageChannel.EMAIL and ics_method:
            ics = _ics(appointment, method=ics_method, sequence=sequence, recipient=recipient)
        message, created = queue_message(
            territory_id=appointment.permanence.commune.territory_id,
            channel=channel,
            event=event,
            template=f"scheduling/{channel}/{event}",
            dedupe_key=f"appointment:{appointment.pk}:{key}:{channel}",
            recipient=recipient,
            context=context,
            beneficiary=beneficiary,
            target=appointment,
            event_at=event_at,
            expires_at=appointment.start,
            ics=ics,
        )
        if created:
            queued.append(message)
    return queued


def notify_appointment_booked(appointment: Appointment, token: str) -> list[Message]:
    """The confirmation, with the private link to see or cancel the appointment."""
    territory_id = appointment.permanence.commune.territory_id
    context = appointment_context(appointment) | {"link": private_link(token, territory_id)}
    return _queue_for_person(
        appointment, event=BOOKED, key="booked", context=context, ics_method="REQUEST"
    )


def notify_appointment_moved(appointment: Appointment) -> list[Message]:
    """The new date and place. Call after the move's audit entry (it counts the moves)."""
    withdraw_pending_messages(
        target=appointment,
        events=[REMINDER, MOVED],
        reason="Remplacé : le rendez-vous a été déplacé.",
    )
    sequence = _sequence(appointment)
    return _queue_for_person(
        appointment,
        event=MOVED,
        key=f"moved:{sequence}",
        context=appointment_context(appointment),
        ics_method="REQUEST",
        sequence=sequence,
    )


def notify_appointment_venue_changed(
    appointment: Appointment, *, previous_place: str = ""
) -> list[Message]:
    """Same day and hour, another place (the commune changed venues, convention art. 3).

    Once per appointment and new venue. Call after the appointment's
    ``appointment.venue_changed`` audit entry (it counts towards the calendar's SEQUENCE).
    A reminder not sent yet (the old place) is withdrawn: this message replaces it.
    """
    withdraw_pending_messages(
        target=appointment,
        events=[REMINDER],
        reason="Remplacé : le rendez-vous change de lieu.",
    )
    sequence = _sequence(appointment)
    context = appointment_context(appointment) | {"previous_place": previous_place}
    return _queue_for_person(
        appointment,
        event=VENUE_CHANGED,
        key=f"venue:{appointment.permanence.venue_id}",
        context=context,
        ics_method="REQUEST",
        sequence=sequence,
    )


def notify_appointment_cancelled(appointment: Appointment, *, by_service: bool) -> list[Message]:
    """Tell the person their appointment is cancelled (by them: a receipt; by the service:
    an apology and how to book again). The calendar event is cancelled too."""
    withdraw_pending_messages(
        target=appointment,
        events=[BOOKED, MOVED, REMINDER, VENUE_CHANGED],
        reason="Plus utile : le rendez-vous a été annulé.",
    )
    context = appointment_context(appointment) | {
        "by_service": by_service,
        "site_url": territory_identity.for_id(appointment.permanence.commune.territory_id).site_url,
    }
    return _queue_for_person(
        appointment,
        event=CANCELLED,
        key="cancelled",
        context=context,
        ics_method="CANCEL",
        sequence=_sequence(appointment) + 1,
    )


def notify_appointment_reminder(appointment: Appointment) -> list[Message]:
    """The reminder the day before; once per start (a moved appointment is reminded again)."""
    return _queue_for_person(
        appointment,
        event=REMINDER,
        key=f"reminder:{appointment.start.astimezone(dt.UTC):%Y%m%dT%H%MZ}",
        context=appointment_context(appointment),
        event_at=appointment.start,
    )


def notify_staff_digest(
    adviser, day: dt.date, appointments: Iterable[Appointment]
) -> Message | None:
    """The adviser's appointments of the day, by e-mail, at 7h (once per adviser and day)."""
    rows = []
    sheets: dict[int, dict] = {}
    territory_id = adviser.territory_id
    for appointment in appointments:
        permanence = appointment.permanence
        territory_id = territory_id or permanence.commune.territory_id
        person = appointment.beneficiary
        rows.append(
            {
                "hour": hour_label(appointment.start),
                "commune": permanence.commune.name,
                "place": permanence.venue.full_place,
                "person": f"{person.first_name} {person.last_name[:1]}.".strip(),
                "reference": appointment.reference,
            }
        )
        sheets.setdefault(
            permanence.pk,
            {
                "commune": permanence.commune.name,
                "url": territory_identity.for_id(permanence.commune.territory_id).reverse(
                    "staff:day_sheet", pk=permanence.pk, day=day
                ),
            },
        )
    if not rows or not adviser.email or territory_id is None:
        return None
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)
    message, created = queue_message(
        territory_id=territory_id,
        channel=MessageChannel.EMAIL,
        event=STAFF_DIGEST,
        template="scheduling/email/staff_digest",
        dedupe_key=staff_digest_key(adviser.pk, day),
        recipient=adviser.email,
        context={
            "first_name": adviser.first_name,
            "day": day_label(day),
            "rows": rows,
            "count": len(rows),
            "sheets": list(sheets.values()),
        },
        user=adviser,
        expires_at=next_midnight,
    )
    return message if created else None


def staff_digest_key(user_id: int, day: dt.date) -> str:
    return f"staff_digest:{user_id}:{day.isoformat()}:email"
