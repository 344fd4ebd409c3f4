"""« Vous venez toujours ? » for appointments: when it is asked (to the second, across the
changes of time), only once, to whom; what an answer does (docs/decisions/0013)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.backends import sms
from cadran.notifications.models import Message
from cadran.scheduling import confirmations
from cadran.scheduling.enums import AppointmentStatus, ConfirmationAnswer
from cadran.scheduling.models import Appointment
from cadran.scheduling.sweepers import queue_due_confirmations
from tests import factories as f

EVENT = confirmations.CONFIRMATION


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    settings.SMS_REPLY_WEBHOOK_SECRET = ""
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def book(permanence, start: dt.datetime, *, booked_at: dt.datetime, **kwargs) -> Appointment:
    """An appointment booked at ``booked_at`` (``created_at`` is set by the database)."""
    with time_machine.travel(booked_at, tick=False):
        return f.AppointmentFactory(
            permanence=permanence,
            start=start,
            end=start + dt.timedelta(hours=1),
            **kwargs,
        )


def sweep(at: dt.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return queue_due_confirmations(at)


def asked(appointment) -> bool:
    appointment.refresh_from_db()
    return appointment.confirmation_asked_at is not None


# --- When --------------------------------------------------------------------------------


def test_shipped_defaults(territory):
    assert territory.appointment_confirmation_days == 3
    assert territory.workshop_confirmation_days == 7
    assert territory.reminder_time == dt.time(10, 0)


def test_asked_three_days_before_at_the_reminder_time_to_the_second(permanence):
    # Wednesday 2 December 2026 at 9:00 → Sunday 29 November at 10:00 (Paris).
    appointment = book(permanence, paris(2026, 12, 2, 9, 0), booked_at=paris(2026, 11, 20, 12))
    assert sweep(paris(2026, 11, 29, 9, 59, 59)) == 0
    assert not asked(appointment)
    assert sweep(paris(2026, 11, 29, 10, 0, 0)) == 1
    appointment.refresh_from_db()
    assert appointment.confirmation_asked_at == paris(2026, 11, 29, 10, 0)
    assert appointment.confirmation_answer == ""
    assert appointment.confirmation_label == "Sans réponse"


@pytest.mark.parametrize(
    ("start", "before", "at"),
    [
        # Last Sunday of March 2027 (28th): 2:00 → 3:00. Appointment 3 days after.
        (
            paris(2027, 3, 31, 9, 0),
            dt.datetime(2027, 3, 28, 7, 59, 59, tzinfo=dt.UTC),
            dt.datetime(2027, 3, 28, 8, 0, tzinfo=dt.UTC),
        ),
        # Last Sunday of October 2027 (31st): 3:00 → 2:00. Appointment 3 days after.
        (
            paris(2027, 11, 3, 9, 0),
            dt.datetime(2027, 10, 31, 8, 59, 59, tzinfo=dt.UTC),
            dt.datetime(2027, 10, 31, 9, 0, tzinfo=dt.UTC),
        ),
    ],
    ids=["march", "october"],
)
def test_ask_instant_is_paris_wall_clock_across_the_change_of_time(permanence, start, before, at):
    """10:00 in Paris on the Sunday of the change (CEST in March, CET in October)."""
    appointment = book(permanence, start, booked_at=start - dt.timedelta(days=20))
    assert sweep(before) == 0
    assert sweep(at) == 1
    appointment.refresh_from_db()
    assert appointment.confirmation_asked_at.astimezone(PARIS).time() == dt.time(10, 0)


@given(
    day=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2035, 12, 31)),
    hour=st.integers(min_value=7, max_value=20),
    days=st.integers(min_value=1, max_value=30),
    at=st.times(),
)
def test_due_instant_is_n_calendar_days_before_at_the_wall_clock_time(day, hour, days, at):
    start = paris(day.year, day.month, day.day, hour, 0)
    due = confirmations.confirmation_due_at(start, days=days, at=at)
    local = due.astimezone(PARIS)
    assert local.date() == day - dt.timedelta(days=days)
    assert due < start
    if at.hour not in (2,):  # 2:xx does not exist on the last Sunday of March
        assert local.time().replace(tzinfo=None) == at


def test_never_asked_twice(permanence):
    appointment = book(permanence, paris(2026, 12, 2, 9, 0), booked_at=paris(2026, 11, 20, 12))
    assert sweep(paris(2026, 11, 29, 10, 0)) == 1
    assert sweep(paris(2026, 11, 29, 10, 1)) == 0
    assert sweep(paris(2026, 11, 30, 10, 0)) == 0
    # One SMS (the factory's person has a mobile number and no e-mail).
    assert Message.objects.filter(event=EVENT).count() == 1
    appointment.refresh_from_db()
    assert appointment.confirmation_asked_at == paris(2026, 11, 29, 10, 0)


def test_a_worker_down_at_the_time_asks_when_it_comes_back(permanence):
    appointment = book(permanence, paris(2026, 12, 2, 9, 0), booked_at=paris(2026, 11, 20, 12))
    assert sweep(paris(2026, 12, 1, 18, 0)) == 1
    assert asked(appointment)


def test_booked_after_the_ask_instant_is_not_asked(permanence):
    """Booked on Sunday 29 at 10:00 or later for Wednesday: the booking's confirmation and
    the reminder the day before are enough."""
    at_instant = book(permanence, paris(2026, 12, 2, 9, 0), booked_at=paris(2026, 11, 29, 10))
    just_before = book(
        permanence, paris(2026, 12, 2, 10, 0), booked_at=paris(2026, 11, 29, 9, 59, 59)
    )
    assert sweep(paris(2026, 11, 29, 12, 0)) == 1
    assert not asked(at_instant)
    assert asked(just_before)


def test_not_asked_when_cancelled_past_answered_or_unreachable(permanence):
    booked_at = paris(2026, 11, 20, 12)
    cancelled = book(permanence, paris(2026, 12, 2, 9), booked_at=booked_at, cancelled=True)
    past = book(permanence, paris(2026, 11, 29, 9, 0), booked_at=booked_at)  # earlier today
    answered = book(
        permanence,
        paris(2026, 12, 2, 10),
        booked_at=booked_at,
        confirmation_answer=ConfirmationAnswer.YES,
    )
    unreachable = book(
        permanence, paris(2026, 12, 2, 11), booked_at=booked_at, beneficiary__phone="0320000000"
    )
    assert sweep(paris(2026, 11, 29, 10, 0)) == 0
    for appointment in (cancelled, past, answered, unreachable):
        assert not asked(appointment)


def test_zero_days_means_never_asked(permanence, territory):
    territory.appointment_confirmation_days = 0
    territory.save()
    appointment = book(permanence, paris(2026, 12, 2, 9, 0), booked_at=paris(2026, 11, 20, 12))
    assert sweep(paris(2026, 12, 1, 10, 0)) == 0
    assert not asked(appointment)


def test_each_territory_its_own_days_and_time(permanence, territory):
    territory.appointment_confirmation_days = 1
    territory.reminder_time = dt.time(17, 30)
    territory.save()
    appointment = book(permanence, paris(2026, 12, 2, 9, 0), booked_at=paris(2026, 11, 20, 12))
    assert sweep(paris(2026, 12, 1, 17, 29, 59)) == 0
    assert sweep(paris(2026, 12, 1, 17, 30)) == 1
    assert asked(appointment)


# --- What is sent ------------------------------------------------------------------------


def test_the_message_has_the_two_links_and_the_sms_offers_no_reply_unless_configured(
    permanence, settings
):
    appointment = book(
        permanence,
        paris(2026, 12, 2, 9, 0),
        booked_at=paris(2026, 11, 20, 12),
        beneficiary__email="jeanne@example.org",
    )
    sweep(paris(2026, 11, 29, 10, 0))
    messages = {m.channel: m for m in Message.objects.filter(event=EVENT)}
    assert set(messages) == {"sms", "email"}
    body = messages["sms"].body
    assert "Je viens : https://rdv.example.org/rendez-vous/reponse/" in body
    assert "/oui/" in body and "/non/" in body
    assert "OUI" not in body
    assert "Je ne peux pas venir" in messages["email"].body
    assert messages["email"].expires_at == appointment.start


def test_the_sms_offers_to_reply_when_the_webhook_is_configured(permanence, settings):
    settings.SMS_REPLY_WEBHOOK_SECRET = "s3cret"
    book(permanence, paris(2026, 12, 2, 9, 0), booked_at=paris(2026, 11, 20, 12))
    sweep(paris(2026, 11, 29, 10, 0))
    assert "Ou répondez OUI ou NON." in Message.objects.get(event=EVENT).body


# --- The answer --------------------------------------------------------------------------


@pytest.fixture
def asked_appointment(permanence):
    appointment = book(permanence, paris(2026, 12, 2, 9, 0), booked_at=paris(2026, 11, 20, 12))
    sweep(paris(2026, 11, 29, 10, 0))
    appointment.refresh_from_db()
    return appointment


NEXT_MORNING = paris(2026, 11, 30, 8, 0)


def answer(appointment, value, at=NEXT_MORNING):
    with time_machine.travel(at, tick=False):
        return confirmations.answer_appointment_confirmation(appointment=appointment, answer=value)


def test_yes_is_recorded_once(asked_appointment):
    result = answer(asked_appointment, ConfirmationAnswer.YES)
    assert result.confirmation_answer == "yes"
    assert result.confirmation_answered_at == paris(2026, 11, 30, 8, 0)
    assert result.status == AppointmentStatus.BOOKED
    assert result.confirmation_label == "Vient"
    answer(asked_appointment, ConfirmationAnswer.YES, at=paris(2026, 11, 30, 9, 0))
    asked_appointment.refresh_from_db()
    assert asked_appointment.confirmation_answered_at == paris(2026, 11, 30, 8, 0)
    entries = AuditLog.objects.filter(action="appointment.confirmation_answered")
    assert entries.count() == 1


def test_no_cancels_at_once_and_frees_the_slot(asked_appointment, permanence):
    result = answer(asked_appointment, ConfirmationAnswer.NO)
    assert result.status == AppointmentStatus.EXCUSED
    assert result.confirmation_answer == "no"
    assert result.confirmation_label == "Ne vient pas"
    assert not Appointment.objects.active().filter(permanence=permanence).exists()
    assert Message.objects.filter(event="appointment_cancelled").exists()


def test_yes_then_no_releases(asked_appointment):
    answer(asked_appointment, ConfirmationAnswer.YES)
    result = answer(asked_appointment, ConfirmationAnswer.NO, at=paris(2026, 12, 1, 8, 0))
    assert result.status == AppointmentStatus.EXCUSED


def test_an_answer_after_the_start_is_refused_in_french(asked_appointment):
    with pytest.raises(ValidationError, match="trop tard pour répondre"):
        answer(asked_appointment, ConfirmationAnswer.NO, at=paris(2026, 12, 2, 9, 0))
    asked_appointment.refresh_from_db()
    assert asked_appointment.status == AppointmentStatus.BOOKED
    assert asked_appointment.confirmation_answer == ""


def test_an_answer_on_a_cancelled_appointment_is_refused(asked_appointment):
    answer(asked_appointment, ConfirmationAnswer.NO)
    with pytest.raises(ValidationError, match="déjà annulé"):
        answer(asked_appointment, ConfirmationAnswer.YES)


def test_the_label_before_any_question(permanence):
    appointment = f.AppointmentFactory(permanence=permanence)
    assert appointment.confirmation_label == "—"


def test_a_move_forgets_the_answer_given_for_the_old_date(asked_appointment, permanence, adviser):
    from cadran.scheduling.services import move_appointment
    from cadran.scheduling.slots import make_slot_id

    answer(asked_appointment, ConfirmationAnswer.YES)
    with time_machine.travel(NEXT_MORNING, tick=False):
        move_appointment(
            appointment=asked_appointment,
            slot_id=make_slot_id(permanence.pk, paris(2026, 12, 9, 10, 0)),
            by=adviser,
        )
    asked_appointment.refresh_from_db()
    assert asked_appointment.start == paris(2026, 12, 9, 10, 0)
    assert asked_appointment.confirmation_answer == ""
    assert asked_appointment.confirmation_asked_at is None
    assert asked_appointment.confirmation_answered_at is None
    # Asked again for the new date, three days before it.
    assert sweep(paris(2026, 12, 6, 9, 59, 59)) == 0
    assert sweep(paris(2026, 12, 6, 10, 0)) == 1
