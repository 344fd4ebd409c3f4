"""What an appointment's messages say, on which channel, with which calendar invitation."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core import mail

from cadran.core import audit
from cadran.notifications.enums import MessageChannel, MessageStatus
from cadran.notifications.models import Message
from cadran.scheduling.notifications import (
    notify_appointment_booked,
    notify_appointment_cancelled,
    notify_appointment_moved,
    notify_appointment_reminder,
)
from tests import factories as f

from .conftest import make_appointment, paris

START = paris(2026, 12, 2, 9, 0)


@pytest.fixture
def appointment(permanence, person_both, frozen_now):
    return make_appointment(permanence, person_both, START, topics=["sante"])


def _ics(email) -> icalendar.Calendar:
    (attachment,) = email.attachments
    assert attachment.get_filename() == "rendez-vous.ics"
    assert attachment.get_content_type() == "text/calendar"
    return icalendar.Calendar.from_ical(attachment.get_payload(decode=True))


def test_booked_confirmation_by_email_and_sms(
    appointment, immediate_tasks, django_capture_on_commit_callbacks, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        messages = notify_appointment_booked(appointment, "jeton-secret")
    assert {m.channel for m in messages} == {MessageChannel.EMAIL, MessageChannel.SMS}
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}

    (email,) = mail.outbox
    assert email.to == ["jeanne.martin@example.org"]
    assert email.subject == "Votre rendez-vous du mercredi 2 décembre 2026 à 9h est confirmé"
    assert "https://rdv.example.org/rendez-vous/jeton-secret/" in email.body
    assert "Bureau du CCAS" in email.body
    assert "&#x27;" not in email.body and "&amp;" not in email.body  # plain text, not HTML

    (text,) = sms_outbox
    assert text.to == "0612345678"
    assert text.body.startswith("RDV conseiller numérique confirmé : mer. 2/12 à 9h")
    assert "https://rdv.example.org/rendez-vous/jeton-secret/" in text.body
    # The reason of the appointment (here: health) never goes by SMS.
    assert "anté" not in text.body

    calendar = _ics(email)
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"rendez-vous-{appointment.pk}@rdv.example.org"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + dt.timedelta(hours=1)
    assert "Bureau du CCAS" in str(event["LOCATION"])


def test_booked_twice_queues_once(appointment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        assert len(notify_appointment_booked(appointment, "jeton")) == 2
        assert notify_appointment_booked(appointment, "jeton") == []
    assert Message.objects.count() == 2


def test_channels_follow_the_persons_contacts(permanence, frozen_now):
    landline = f.BeneficiaryFactory(territory=permanence.commune.territory, phone="0328000000")
    nothing = f.BeneficiaryFactory(territory=permanence.commune.territory, phone="", no_phone=True)
    assert notify_appointment_booked(make_appointment(permanence, landline, START), "a") == []
    later = START + dt.timedelta(hours=1)
    assert notify_appointment_booked(make_appointment(permanence, nothing, later), "b") == []


def test_moved_updates_the_calendar_event_and_reminds_again(
    appointment, permanence, immediate_tasks, django_capture_on_commit_callbacks
):
    new_start = paris(2026, 12, 9, 10, 0)
    appointment.start, appointment.end = new_start, new_start + dt.timedelta(hours=1)
    appointment.save()
    audit.record(
        actor=None,
        obj=appointment,
        action="appointment.moved",
        description="déplacé",
        territory_id=permanence.commune.territory_id,
    )
    with django_capture_on_commit_callbacks(execute=True):
        messages = notify_appointment_moved(appointment)
    assert len(messages) == 2
    (email,) = mail.outbox
    assert email.subject == "Votre rendez-vous est déplacé au mercredi 9 décembre 2026 à 10h"
    (event,) = _ics(email).walk("VEVENT")
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == new_start
    assert str(event["UID"]) == f"rendez-vous-{appointment.pk}@rdv.example.org"


def test_cancelled_by_service_cancels_the_calendar_event_and_withdraws_pending_reminders(
    appointment, sms_outbox, django_capture_on_commit_callbacks, immediate_tasks
):
    with django_capture_on_commit_callbacks(execute=False):
        reminders = notify_appointment_reminder(appointment)  # queued, not yet sent
    with django_capture_on_commit_callbacks(execute=True):
        notify_appointment_cancelled(appointment, by_service=True)
    for reminder in reminders:
        reminder.refresh_from_db()
        assert reminder.status == MessageStatus.WITHDRAWN
    (email,) = mail.outbox
    assert "Nous devons annuler votre rendez-vous" in email.body
    calendar = _ics(email)
    assert calendar["METHOD"] == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert event["SEQUENCE"] == 1
    assert str(event["STATUS"]) == "CANCELLED"
    (text,) = sms_outbox
    assert text.body.startswith(
        "Désolé, votre RDV conseiller numérique du mer. 2/12 à 9h est annulé."
    )
    assert "03 28 00 00 00" in text.body
    # The token is not known after booking: later messages never carry a private link.
    assert "/rendez-vous/" not in text.body and "/rendez-vous/" not in email.body


def test_cancelled_by_the_person_is_a_receipt(
    appointment, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify_appointment_cancelled(appointment, by_service=False)
    assert "est bien annulé" in mail.outbox[0].body


def test_reminder_texts(
    appointment, immediate_tasks, django_capture_on_commit_callbacks, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        notify_appointment_reminder(appointment)
    assert sms_outbox[0].body == (
        f"Rappel : RDV conseiller numérique mer. 2/12 à 9h, Mairie de Estaires. "
        f"Réf. {appointment.reference}. Empêché ? Appelez le 03 28 00 00 00."
    )
    assert len(sms_outbox[0].body) <= 160
    assert mail.outbox[0].subject == "Rappel : rendez-vous le mercredi 2 décembre 2026 à 9h"


def test_with_the_booking_services(
    permanence, frozen_now, immediate_tasks, django_capture_on_commit_callbacks, sms_outbox
):
    """The calls the scheduling services make, inside their transaction."""
    from django.db import transaction

    from cadran.scheduling import services
    from cadran.scheduling.slots import free_slots

    slot = next(
        iter(
            free_slots(
                [permanence],
                date_from=frozen_now.date(),
                date_to=frozen_now.date() + dt.timedelta(days=14),
                now=frozen_now,
                for_staff=False,
            )
        )
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        booking = services.book_appointment(
            slot_id=slot.id,
            topics=["email"],
            channel="online",
            person=services.BeneficiaryData(
                first_name="Jeanne", last_name="Martin", phone="06 12 34 56 78"
            ),
        )
        notify_appointment_booked(booking.appointment, booking.token)
    assert booking.token in sms_outbox[0].body
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        appointment = services.cancel_appointment(appointment=booking.appointment)
        notify_appointment_cancelled(appointment, by_service=False)
    assert "est bien annulé" in sms_outbox[1].body
