"""The messages about agreements.

- People booked after the last day of a terminated agreement are told (e-mail and/or SMS,
  as they chose when booking): their appointment cannot take place there; the Service
  Culture will call them to offer another date.
- The Service Culture of the territory and the commune's referents get e-mails when a date
  of the agreement approaches (the sweep, ``sweepers.py``).

Every message has a unique ``dedupe_key``: an action replayed, or a sweep run twice, never
queues a message twice.
"""

from __future__ import annotations

import datetime as dt

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.core.clock import PARIS
from cadran.notifications.enums import MessageChannel
from cadran.notifications.formatting import day_label
from cadran.notifications.services import queue_message
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from cadran.scheduling.notifications import appointment_context, contact_channels
from cadran.territory import identity as territory_identity

APPOINTMENT_AFTER_END = "agreement_appointment_after_end"
RENEWAL_DUE = "agreement_renewal_due"
LAST_PERIOD = "agreement_last_period"
CAP_APPROACHING = "agreement_cap_approaching"
NOTICE_RUNNING = "agreement_notice_running"

STAFF_EVENTS = {
    RENEWAL_DUE: "renewal_due",
    LAST_PERIOD: "last_period",
    CAP_APPROACHING: "cap_approaching",
    NOTICE_RUNNING: "notice_running",
}


def appointments_after(commune, last_day: dt.date):
    first_excluded = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=PARIS)
    return (
        Appointment.objects.filter(
            permanence__commune=commune,
            status=AppointmentStatus.BOOKED,
            start__gte=first_excluded,
        )
        .with_related()
        .order_by("start")
    )


def notify_people_after_end(*, agreement, last_day: dt.date) -> int:
    """Tell each person booked after ``last_day`` at the commune. Returns how many messages."""
    count = 0
    for appointment in appointments_after(agreement.commune, last_day):
        context = appointment_context(appointment) | {
            "last_day": day_label(last_day),
            "site_url": territory_identity.for_id(agreement.territory_id).site_url,
        }
        for channel, recipient in contact_channels(appointment.beneficiary):
            _, created = queue_message(
                territory_id=agreement.territory_id,
                channel=channel,
                event=APPOINTMENT_AFTER_END,
                template=f"agreements/{channel}/appointment_after_end",
                dedupe_key=f"agreement:{agreement.pk}:after_end:{appointment.pk}:{channel}",
                recipient=recipient,
                context=context,
                beneficiary=appointment.beneficiary,
                target=appointment,
                expires_at=appointment.start,
            )
            count += created
    return count


def alert_recipients(agreement) -> list[User]:
    """The Service Culture of the territory and the commune's referents, with an e-mail."""
    from django.db.models import Q

    return list(
        User.objects.filter(is_active=True, email__gt="")
        .filter(
            Q(role=Role.CULTURE_SERVICE, territory_id=agreement.territory_id)
            | Q(role=Role.COMMUNE_REFERENT, communes=agreement.commune_id)
        )
        .distinct()
        .order_by("pk")
    )


def agreement_url(agreement) -> str:
    return territory_identity.for_id(agreement.territory_id).reverse(
        "agreements:detail", pk=agreement.pk
    )


def notify_staff(*, agreement, event: str, key: str, context: dict, recipients) -> int:
    """One e-mail per recipient for this alert (``key`` names the alert, once ever)."""
    count = 0
    base = {
        "commune": agreement.commune.name,
        "territory_name": agreement.territory.name,
        "url": agreement_url(agreement),
    } | context
    for user in recipients:
        _, created = queue_message(
            territory_id=agreement.territory_id,
            channel=MessageChannel.EMAIL,
            event=event,
            template=f"agreements/email/{STAFF_EVENTS[event]}",
            dedupe_key=f"agreement:{agreement.pk}:{key}:user:{user.pk}",
            recipient=user.email,
            context=base | {"first_name": user.first_name},
            user=user,
            target=agreement,
        )
        count += created
    return count
