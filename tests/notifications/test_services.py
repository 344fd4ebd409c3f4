"""Queueing and delivery: once per key, sent after commit, retried with backoff, then failed."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.error

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from cadran.core import clock
from cadran.notifications import services
from cadran.notifications.backends import sms
from cadran.notifications.enums import MessageChannel, MessageStatus
from cadran.notifications.models import Message
from cadran.scheduling.notifications import notify_appointment_booked
from tests import factories as f

from .conftest import NOW_PARIS, make_appointment, paris
from .factories import MessageFactory

RAISING = "tests.notifications.conftest.RaisingSmsBackend"
TIMEOUT = "tests.notifications.conftest.TimeoutSmsBackend"


def _queue(key="test:1:sms", **kwargs):
    params = {
        "territory_id": kwargs.pop("territory").pk,
        "channel": MessageChannel.SMS,
        "event": "appointment_reminder",
        "template": "scheduling/sms/appointment_reminder",
        "dedupe_key": key,
        "recipient": "0612345678",
        "context": {
            "short_day": "mer. 2/12",
            "hour": "9h",
            "place_short": "Mairie",
            "reference": "ABC234",
        },
    }
    params.update(kwargs)
    return services.queue_message(**params)


def test_queue_message_stores_once_and_enqueues_once(
    territory, db_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first, created = _queue(territory=territory)
        again, created_again = _queue(territory=territory)
    assert created and not created_again
    assert again.pk == first.pk
    assert len(callbacks) == 1
    assert Message.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_message").count() == 1
    assert first.status == MessageStatus.PENDING
    assert first.body == "Rappel : RDV conseiller numérique mer. 2/12 à 9h, Mairie. Réf. ABC234."


def test_nothing_is_sent_when_the_transaction_rolls_back(territory, immediate_tasks, sms_outbox):
    from django.db import transaction

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        _queue(territory=territory)
        raise Boom
    assert not Message.objects.exists()
    assert sms_outbox == []


def test_delivery_sends_and_marks_sent(territory, sms_outbox):
    message = MessageFactory(territory=territory, recipient="0699887766")
    assert services.deliver(message.pk) == "envoyé"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.sent_at is not None
    assert message.attempts == 1
    assert [s.to for s in sms_outbox] == ["0699887766"]
    # A duplicate task sends nothing.
    assert services.deliver(message.pk).startswith("déjà traité")
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(("backend", "error"), [(RAISING, "HTTP 500"), (TIMEOUT, "timed out")])
def test_failing_provider_retries_with_backoff_then_fails_leaving_the_appointment_untouched(
    settings,
    permanence,
    travel,
    db_tasks,
    django_capture_on_commit_callbacks,
    backend,
    error,
    sms_outbox,
):
    settings.SMS_BACKEND = backend
    settings.CADRAN_MESSAGE_MAX_ATTEMPTS = 3
    travel(NOW_PARIS)
    person = f.BeneficiaryFactory(territory=permanence.commune.territory, phone="0611111111")
    appointment = make_appointment(permanence, person, paris(2026, 12, 2, 9, 0))
    before = (appointment.status, appointment.start, appointment.updated_at)
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = notify_appointment_booked(appointment, "jeton")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver(message.pk) == "nouvel essai prévu"
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1
    assert error in message.last_error
    delay = message.next_attempt_at - clock.now()
    assert dt.timedelta(seconds=55) < delay <= dt.timedelta(seconds=60)
    retry = DBTaskResult.objects.get(run_after=message.next_attempt_at)
    assert retry.args_kwargs == {"args": [message.pk], "kwargs": {}}

    # Not due yet: a duplicate task does nothing.
    assert services.deliver(message.pk) == "pas encore dû"

    travel(NOW_PARIS + dt.timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        services.deliver(message.pk)
    message.refresh_from_db()
    assert message.attempts == 2
    assert (
        dt.timedelta(seconds=115)
        < message.next_attempt_at - clock.now()
        <= dt.timedelta(seconds=120)
    )

    travel(NOW_PARIS + dt.timedelta(seconds=61 + 121))
    assert services.deliver(message.pk) == "échec définitif"
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 3
    assert sms_outbox == []

    appointment.refresh_from_db()
    assert (appointment.status, appointment.start, appointment.updated_at) == before

    # Staff fix the provider and send it again.
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    culture = f.UserFactory(culture_service=True, territory=permanence.commune.territory)
    services.retry_message(message=message, by=culture)
    assert services.deliver(message.pk) == "envoyé"
    assert len(sms_outbox) == 1
    with pytest.raises(ValidationError):
        services.retry_message(message=message, by=culture)


def test_a_message_about_the_past_is_withdrawn_not_sent(territory, sms_outbox):
    message = MessageFactory(territory=territory, expires_at=clock.now() - dt.timedelta(minutes=1))
    assert services.deliver(message.pk) == "trop tard"
    message.refresh_from_db()
    assert message.status == MessageStatus.WITHDRAWN
    assert sms_outbox == []


def test_lost_tasks_are_queued_again_once(
    territory, db_tasks, django_capture_on_commit_callbacks, frozen_now
):
    now = NOW_PARIS
    # Due two minutes ago and still pending: its task was lost.
    lost = MessageFactory(territory=territory, next_attempt_at=now - dt.timedelta(minutes=2))
    MessageFactory(
        territory=territory, next_attempt_at=now - dt.timedelta(minutes=2) + dt.timedelta(seconds=1)
    )  # task on its way
    MessageFactory(territory=territory, sent=True, next_attempt_at=now - dt.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stale_messages(now) == 1
        assert services.requeue_stale_messages(now) == 0
    assert DBTaskResult.objects.get().args_kwargs["args"] == [lost.pk]
    lost.refresh_from_db()
    assert lost.next_attempt_at == now


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_brevo_backend_posts_the_sms(settings, monkeypatch):
    settings.SMS_API_KEY = "cle-de-test"
    settings.SMS_SENDER = "CCFL"
    seen = {}

    def fake_urlopen(request, timeout):
        seen.update(url=request.full_url, headers=dict(request.header_items()), timeout=timeout)
        seen["payload"] = json.loads(request.data)
        return FakeResponse(b'{"messageId": 1511882900176220}')

    monkeypatch.setattr(sms.urllib.request, "urlopen", fake_urlopen)
    provider_id = sms.BrevoSmsBackend().send(sms.Sms(to="06 12 34 56 78", body="Bonjour"))
    assert provider_id == "1511882900176220"
    assert seen["url"] == "https://api.brevo.com/v3/transactionalSMS/send"
    assert seen["headers"]["Api-key"] == "cle-de-test"
    assert seen["timeout"] == settings.SMS_TIMEOUT
    assert seen["payload"] == {
        "sender": "CCFL",
        "recipient": "33612345678",
        "content": "Bonjour",
        "type": "transactional",
        "unicodeEnabled": True,
    }


@pytest.mark.parametrize(
    "failure",
    [
        urllib.error.HTTPError(
            "u", 401, "Unauthorized", {}, io.BytesIO(b'{"code":"unauthorized"}')
        ),
        urllib.error.URLError("Name or service not known"),
        TimeoutError("timed out"),
    ],
)
def test_brevo_backend_raises_sms_error(settings, monkeypatch, failure):
    settings.SMS_API_KEY = "cle-de-test"

    def fake_urlopen(request, timeout):
        raise failure

    monkeypatch.setattr(sms.urllib.request, "urlopen", fake_urlopen)
    with pytest.raises(sms.SmsError):
        sms.BrevoSmsBackend().send(sms.Sms(to="0612345678", body="Bonjour"))


def test_brevo_without_key_refuses():
    with pytest.raises(sms.SmsError, match="SMS_API_KEY"):
        sms.BrevoSmsBackend().send(sms.Sms(to="0612345678", body="Bonjour"))


@pytest.mark.parametrize(
    ("phone", "mobile"),
    [
        ("0612345678", True),
        ("0712345678", True),
        ("+33712345678", True),
        ("0328000000", False),
        ("", False),
    ],
)
def test_only_french_mobiles_get_sms(phone, mobile):
    assert sms.is_french_mobile(phone) is mobile


def test_email_delivery_attaches_the_calendar(territory):
    message = MessageFactory(
        territory=territory, email=True, ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    )
    assert services.deliver(message.pk) == "envoyé"
    (email,) = mail.outbox
    assert email.to == ["jeanne.martin@example.org"]
    assert email.attachments[0].get_filename() == "rendez-vous.ics"
