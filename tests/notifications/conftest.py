from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cadran.core.clock import PARIS
from cadran.notifications.backends import sms
from tests import factories as f

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class RaisingSmsBackend(sms.BaseSmsBackend):
    """A provider that refuses everything."""

    def send(self, message):
        raise sms.SmsError("Brevo a refusé le SMS (HTTP 500) : erreur interne")


class TimeoutSmsBackend(sms.BaseSmsBackend):
    """A provider that does not answer in time."""

    def send(self, message):
        raise TimeoutError("timed out")


class DuringSendSmsBackend(sms.LocmemSmsBackend):
    """A provider that lets a test act while the message is being sent: ``during(sms)`` runs
    inside ``send()`` (a withdrawal, a sweep…), then the SMS is accepted, or refused when
    ``refuse`` is set. Both are reset after each test."""

    during = None
    refuse = False

    def send(self, message):
        if DuringSendSmsBackend.during is not None:
            action, DuringSendSmsBackend.during = DuringSendSmsBackend.during, None
            action(message)
        if DuringSendSmsBackend.refuse:
            DuringSendSmsBackend.refuse = False
            raise sms.SmsError("Brevo a refusé le SMS (HTTP 502) : passerelle")
        return super().send(message)


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
    DuringSendSmsBackend.during = None
    DuringSendSmsBackend.refuse = False


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run as soon as they are enqueued (after the transaction commits)."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def db_tasks(settings):
    """The real database queue (the default): tasks wait for a worker."""
    settings.TASKS = DATABASE


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def travel():
    """``travel(when)`` moves the clock (it keeps ticking) until the test ends."""
    travellers = []

    def go(when: dt.datetime):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(when, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield go
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def person_both(territory):
    """A person with an e-mail address and a mobile phone."""
    return f.BeneficiaryFactory(
        territory=territory,
        first_name="Jeanne",
        last_name="Martin",
        email="jeanne.martin@example.org",
        phone="0612345678",
    )


def make_appointment(
    permanence, beneficiary, start: dt.datetime, created: dt.datetime | None = None, **kwargs
):
    """An appointment created at ``created`` (booked well before by default)."""
    with time_machine.travel(created or start - dt.timedelta(days=10), tick=False):
        return f.AppointmentFactory(
            permanence=permanence,
            beneficiary=beneficiary,
            start=start,
            end=start + dt.timedelta(minutes=permanence.slot_minutes),
            **kwargs,
        )


# Friday 27 November 2026, 10:00 in Paris (as ``tests.conftest.NOW``).
NOW_PARIS = dt.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
