"""The pages behind « Je viens » / « Je ne peux pas venir », and the webhook of SMS replies
(stand-in payloads in the format of Brevo's transactional SMS webhook, event « replied »:
https://developers.brevo.com/docs/transactional-webhooks#replied)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from cadran.core.clock import PARIS
from cadran.notifications.backends import sms
from cadran.notifications.models import Message
from cadran.notifications.sms_replies import parse_answer
from cadran.scheduling import confirmations
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from cadran.workshops.enums import RegistrationStatus
from tests import factories as f
from tests.workshops.factories import RegistrationFactory, SessionFactory

START = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)
ASKED = dt.datetime(2026, 11, 29, 10, 0, tzinfo=PARIS)
LATER = dt.datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)
SECRET = "un-secret-assez-long-pour-brevo"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_REPLY_WEBHOOK_SECRET = SECRET
    sms.outbox.clear()


@pytest.fixture
def asked(permanence):
    """An appointment asked « Vous venez toujours ? », and the token of its links."""
    with time_machine.travel(ASKED - dt.timedelta(days=9), tick=False):
        appointment = f.AppointmentFactory(
            permanence=permanence,
            start=START,
            end=START + dt.timedelta(hours=1),
            beneficiary__phone="0612345678",
        )
    with time_machine.travel(ASKED, tick=False):
        confirmations.ask_appointment_confirmation(appointment=appointment, now=ASKED)
    body = Message.objects.get(event="appointment_confirmation").body
    token = body.split("/rendez-vous/reponse/")[1].split("/")[0]
    appointment.refresh_from_db()
    return appointment, token


def test_get_shows_the_question_and_changes_nothing(client, asked):
    appointment, token = asked
    with time_machine.travel(LATER, tick=False):
        for answer in ("oui", "non"):
            response = client.get(f"/rendez-vous/reponse/{token}/{answer}/")
            assert response.status_code == 200
            assert response["X-Robots-Tag"] == "noindex, nofollow"
    appointment.refresh_from_db()
    assert appointment.confirmation_answer == ""
    assert appointment.status == AppointmentStatus.BOOKED
    assert "Je ne peux pas venir : annuler mon rendez-vous" in response.content.decode()


def test_post_yes_records(client, asked):
    appointment, token = asked
    with time_machine.travel(LATER, tick=False):
        response = client.post(f"/rendez-vous/reponse/{token}/oui/")
        assert response.status_code == 302
        page = client.get(response["Location"])
    assert "est noté : vous venez" in page.content.decode()
    appointment.refresh_from_db()
    assert appointment.confirmation_answer == "yes"


def test_post_no_cancels_and_the_slot_is_free(client, asked):
    appointment, token = asked
    with time_machine.travel(LATER, tick=False):
        response = client.post(f"/rendez-vous/reponse/{token}/non/")
        page = client.get(response["Location"])
    assert "Votre rendez-vous est annulé" in page.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.EXCUSED


def test_the_private_link_token_works_too(client, permanence):
    from cadran.core.tokens import hash_token

    token = "jeton-prive-du-rendez-vous"
    with time_machine.travel(ASKED - dt.timedelta(days=9), tick=False):
        appointment = f.AppointmentFactory(
            permanence=permanence,
            start=START,
            end=START + dt.timedelta(hours=1),
            token_hash=hash_token(token),
        )
    with time_machine.travel(LATER, tick=False):
        assert client.post(f"/rendez-vous/reponse/{token}/oui/").status_code == 302
    appointment.refresh_from_db()
    assert appointment.confirmation_answer == "yes"


def test_after_the_start_the_answer_is_refused(client, asked):
    appointment, token = asked
    with time_machine.travel(START, tick=False):
        response = client.post(f"/rendez-vous/reponse/{token}/non/")
    assert response.status_code == 409
    assert "trop tard pour répondre" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_unknown_token_or_answer(client, asked):
    _, token = asked
    assert client.get("/rendez-vous/reponse/inconnu/oui/").status_code == 404
    assert client.get(f"/rendez-vous/reponse/{token}/peut-etre/").status_code == 404


def test_registration_answer_page(client, territory, estaires):
    session = SessionFactory(workshop__territory=territory, venue__commune=estaires, capacity=1)
    from cadran.core.tokens import hash_token

    token = "jeton-prive-de-l-inscription"
    with time_machine.travel(session.start - dt.timedelta(days=10), tick=False):
        registration = RegistrationFactory(session=session, token_hash=hash_token(token))
        waiting = RegistrationFactory(session=session, waiting=True)
    day_before = session.start - dt.timedelta(days=1)
    with time_machine.travel(day_before, tick=False):
        assert client.get(f"/ateliers/reponse/{token}/non/").status_code == 200
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.CONFIRMED
        response = client.post(f"/ateliers/reponse/{token}/non/")
        assert response.status_code == 302
        page = client.get(response["Location"])
    assert "Votre inscription est annulée" in page.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


# --- The webhook -------------------------------------------------------------------------


def brevo_reply(text: str, to: str = "33612345678") -> str:
    """A « replied » event as Brevo's transactional SMS webhook documents it."""
    return json.dumps(
        {
            "id": 26570,
            "to": to,
            "sms_count": 1,
            "credits_used": 0,
            "messageId": 1511882900176220,
            "msg_status": "replied",
            "date": "2026-11-30 08:00:00",
            "type": "transactional",
            "reply": text,
            "tag": "",
        }
    )


def post(client, body: str, *, path=f"/sms/reponses/{SECRET}/", **headers):
    with time_machine.travel(LATER, tick=False):
        return client.post(path, body, content_type="application/json", headers=headers)


def test_the_webhook_is_refused_without_its_secret(client, asked, settings):
    appointment, _ = asked
    assert post(client, brevo_reply("OUI"), path="/sms/reponses/").status_code == 403
    assert post(client, brevo_reply("OUI"), path="/sms/reponses/mauvais/").status_code == 403
    bad = {"Authorization": "Bearer mauvais"}
    assert post(client, brevo_reply("OUI"), path="/sms/reponses/", **bad).status_code == 403
    settings.SMS_REPLY_WEBHOOK_SECRET = ""
    assert post(client, brevo_reply("OUI"), path="/sms/reponses//").status_code in (403, 404)
    assert post(client, brevo_reply("OUI"), path="/sms/reponses/").status_code == 403
    appointment.refresh_from_db()
    assert appointment.confirmation_answer == ""


def test_the_webhook_refuses_get(client):
    assert client.get(f"/sms/reponses/{SECRET}/").status_code == 405


def test_oui_by_sms_is_recorded(client, asked):
    appointment, _ = asked
    response = post(client, brevo_reply(" Oui merci ! "))
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.confirmation_answer == "yes"


def test_non_by_sms_with_the_header_secret_cancels(client, asked):
    appointment, _ = asked
    response = post(
        client,
        brevo_reply("NON", to="+33612345678"),
        path="/sms/reponses/",
        Authorization=f"Bearer {SECRET}",
    )
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.EXCUSED


def test_anything_else_is_ignored(client, asked):
    appointment, _ = asked
    for text in ("peut-être", "Qui est-ce ?", "", "non... enfin oui"):
        assert post(client, brevo_reply(text)).status_code == 200
    delivered = json.loads(brevo_reply("OUI")) | {"msg_status": "delivered"}
    assert post(client, json.dumps(delivered)).status_code == 200
    assert post(client, brevo_reply("OUI", to="33699999999")).status_code == 200
    assert post(client, "pas du json").status_code == 400
    appointment.refresh_from_db()
    assert appointment.confirmation_answer == ""
    assert appointment.status == AppointmentStatus.BOOKED


def test_the_reply_goes_to_the_most_recent_pending_question(client, asked, permanence):
    first, _ = asked
    second_start = START + dt.timedelta(hours=1)
    with time_machine.travel(ASKED - dt.timedelta(days=9), tick=False):
        second = f.AppointmentFactory(
            permanence=permanence,
            start=second_start,
            end=second_start + dt.timedelta(hours=1),
            beneficiary=first.beneficiary,
        )
    with time_machine.travel(ASKED + dt.timedelta(minutes=1), tick=False):
        confirmations.ask_appointment_confirmation(
            appointment=second, now=ASKED + dt.timedelta(minutes=1)
        )
    post(client, brevo_reply("oui"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.confirmation_answer, second.confirmation_answer) == ("", "yes")
    post(client, brevo_reply("oui"))  # the next reply: the next pending question
    first.refresh_from_db()
    assert first.confirmation_answer == "yes"
    assert Appointment.objects.filter(confirmation_answer="yes").count() == 2


# --- Parsing « oui » / « non » -----------------------------------------------------------

SPACES = st.text(alphabet=" \t\n", max_size=3)
POLITE = st.sampled_from(["", " merci", " merci beaucoup !", ", à bientôt", "!", "."])


def _cases(word: str):
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda flags: "".join(c.upper() if up else c for c, up in zip(word, flags, strict=True))
    )


@given(word=_cases("oui") | st.just("OUÍ") | st.just("Ouï"), before=SPACES, after=POLITE)
def test_oui_in_any_case_with_spaces_and_politeness(word, before, after):
    assert parse_answer(f"{before}{word}{after}") == "yes"


@given(word=_cases("non") | st.just("NÔN"), before=SPACES, after=POLITE)
def test_non_in_any_case_with_spaces_and_politeness(word, before, after):
    assert parse_answer(f"{before}{word}{after}") == "no"


@given(text=st.text(max_size=60))
def test_anything_else_is_not_an_answer(text):
    result = parse_answer(text)
    if result is not None:
        import re
        import unicodedata

        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        first = re.findall(r"[a-z]+", plain)[0]
        assert first == {"yes": "oui", "no": "non"}[result]


def test_both_words_are_not_clear():
    assert parse_answer("Non, oui") is None
    assert parse_answer("ouiii") is None
    assert parse_answer("nonante") is None
