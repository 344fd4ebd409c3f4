"""The confirmation page after booking, « Ajouter à mon agenda », and changing the time of
an appointment from its private link (issue 14)."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import icalendar
import pytest
import time_machine
import vobject
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.scheduling import services
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from cadran.scheduling.slots import make_slot_id
from tests import factories as f

from .helpers import WED_9, book_url, form_data

pytestmark = pytest.mark.usefixtures("frozen_now")

WED_10 = WED_9.replace(hour=10)
NEXT_WED_9 = WED_9 + dt.timedelta(days=7)


def html(response) -> str:
    return html_lib.unescape(response.content.decode())


def confirm_url(token: str, permanence, start: dt.datetime) -> str:
    return reverse("public:reschedule_confirm", args=[token, make_slot_id(permanence.pk, start)])


def book(client, permanence, **overrides) -> str:
    """Book Wednesday 2 December at 9h, with SMS and e-mail wanted; the private page's URL."""
    data = {"notify_sms": "on", "notify_email": "on"} | overrides
    response = client.post(book_url(permanence), form_data(**data))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"].endswith("?confirme=1")
    return response["Location"]


@pytest.fixture
def booked(client, permanence) -> str:
    """The private token of an appointment booked with SMS wanted (the mobile 06 12 34 56 78)."""
    return book(client, permanence).split("/rendez-vous/")[1].split("/")[0]


# --- The confirmation page ------------------------------------------------------------


def test_confirmation_names_the_sms_sent_masked(client, permanence):
    page = html(client.get(book(client, permanence)))
    assert "Votre rendez-vous est confirmé" in page
    assert "Nous avons envoyé un SMS au 06 •• •• •• 78." in page
    assert "06 12 34 56 78" not in page
    assert "aucun message" not in page


def test_confirmation_names_the_sms_and_the_email(client, permanence):
    page = html(client.get(book(client, permanence, email="jeanne@example.org")))
    assert "Nous avons envoyé un SMS au 06 •• •• •• 78 et un e-mail à j•••@example.org." in page


@pytest.mark.parametrize(
    "overrides",
    [
        {"phone": "03 28 50 50 50"},  # a landline: no SMS can reach it, and no e-mail given
        {"notify_sms": None, "notify_email": None, "email": "jeanne@example.org"},  # none wanted
    ],
)
def test_confirmation_says_when_no_message_was_sent(client, permanence, overrides):
    page = html(client.get(book(client, permanence, **overrides)))
    assert "Nous n'avons envoyé aucun message : notez bien ce rendez-vous." in page
    assert "Nous avons envoyé" not in page


def test_the_private_page_alone_names_no_message(client, booked):
    page = html(client.get(reverse("public:appointment", args=[booked])))
    assert "Nous avons envoyé" not in page and "aucun message" not in page


def test_private_link_is_clickable_and_keyboard_hint_is_marked(client, booked):
    url = reverse("public:appointment", args=[booked])
    page = html(client.get(url))
    assert f'<a href="http://testserver{url}">http://testserver{url}</a>' in page
    # Shown on a computer only (cadran.css hides .keyboard-hint on small or touch screens).
    assert '<span class="keyboard-hint"> (sur un ordinateur : touches Ctrl et P ensemble)' in page
    assert reverse("public:appointment_ics", args=[booked]) in page
    assert "Ajouter à mon agenda" in page
    assert reverse("public:reschedule", args=[booked]) in page


# --- « Ajouter à mon agenda » ---------------------------------------------------------


def test_calendar_file_of_the_appointment(client, booked, settings):
    appointment = Appointment.objects.get()
    response = client.get(reverse("public:appointment_ics", args=[booked]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="rendez-vous.ics"' in response["Content-Disposition"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    text = response.content.decode()

    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["method"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    # The UID of the e-mail invitation and of the adviser's feed: the same event.
    assert str(event["uid"]) == f"rendez-vous-{appointment.pk}@127.0.0.1"
    assert event["sequence"] == 0
    assert event.decoded("dtstart") == WED_9
    assert event.decoded("dtend") == WED_10
    assert "Lefebvre" not in text  # the file is about the appointment, not the person

    parsed = vobject.readOne(text)
    (vevent,) = parsed.contents["vevent"]
    assert vevent.dtstart.value.astimezone(PARIS) == WED_9
    assert vevent.uid.value == str(event["uid"])
    assert "Mairie de Estaires" in vevent.location.value


def test_calendar_file_follows_a_move(client, permanence, booked):
    client.post(confirm_url(booked, permanence, WED_10))
    calendar = vobject.readOne(
        client.get(reverse("public:appointment_ics", args=[booked])).content.decode()
    )
    (vevent,) = calendar.contents["vevent"]
    assert vevent.dtstart.value.astimezone(PARIS) == WED_10
    assert vevent.sequence.value == "1"


def test_calendar_file_of_a_cancelled_appointment_leads_back(client, booked):
    client.post(reverse("public:cancel", args=[booked]))
    response = client.get(reverse("public:appointment_ics", args=[booked]))
    assert response.status_code == 302
    assert response["Location"] == reverse("public:appointment", args=[booked])


# --- Changing the time ----------------------------------------------------------------


def test_reschedule_lists_the_free_slots_of_the_commune(client, permanence, booked, merville):
    other = f.PermanenceFactory(commune=permanence.commune, weekday=4)  # Fridays, same commune
    elsewhere = f.PermanenceFactory(commune=merville)
    response = client.get(reverse("public:reschedule", args=[booked]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    page = html(response)
    assert "Changer l'horaire de votre rendez-vous" in page
    assert confirm_url(booked, permanence, WED_10) in page
    assert confirm_url(booked, permanence, WED_9) not in page  # its own slot
    assert confirm_url(booked, other, dt.datetime(2026, 12, 4, 9, 0, tzinfo=PARIS)) in page
    assert f"/changer/{elsewhere.pk}-" not in page


def test_move_by_token(client, permanence, booked):
    appointment = Appointment.objects.get()
    url = confirm_url(booked, permanence, NEXT_WED_9)
    page = html(client.get(url))
    assert "Confirmer le nouvel horaire ?" in page
    assert "Mercredi 9 décembre 2026" in page and "Mercredi 2 décembre 2026" in page
    assert Appointment.objects.get().start == WED_9  # nothing moves before the POST

    response = client.post(url)
    assert response.status_code == 302
    detail = reverse("public:appointment", args=[booked])
    assert response["Location"] == f"{detail}?change=1"
    appointment.refresh_from_db()
    assert appointment.start == NEXT_WED_9
    assert appointment.status == AppointmentStatus.BOOKED

    moved = Message.objects.get(event="appointment_moved")
    assert moved.channel == "sms" and moved.recipient == "0612345678"
    assert "déplacé : mer. 9/12 à 9h" in moved.body
    entry = AuditLog.objects.for_object(appointment).get(action="appointment.moved")
    assert entry.actor is None and "par la personne" in entry.description

    page = html(client.get(response["Location"]))
    assert "L'horaire de votre rendez-vous a changé" in page
    assert "Mercredi 9 décembre 2026" in page
    assert "Nous avons envoyé un SMS au 06 •• •• •• 78." in page

    # The old slot is free again for someone else.
    assert book_url(permanence, WED_9) in html(
        client.get(reverse("public:commune", args=["estaires"]))
    )


@pytest.mark.parametrize("token", ["inconnu", "x" * 43])
def test_wrong_token_is_404(client, permanence, booked, token):
    for url in (
        reverse("public:reschedule", args=[token]),
        confirm_url(token, permanence, WED_10),
        reverse("public:appointment_ics", args=[token]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "Estaires" not in html(response)
    assert client.post(confirm_url(token, permanence, WED_10)).status_code == 404
    assert Appointment.objects.get().start == WED_9


def test_slot_of_another_commune_is_404(client, booked, merville):
    elsewhere = f.PermanenceFactory(commune=merville)
    url = confirm_url(booked, elsewhere, WED_10)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Appointment.objects.get().start == WED_9


def test_slot_taken_meanwhile_gives_a_clear_error_and_changes_nothing(client, permanence, booked):
    url = confirm_url(booked, permanence, WED_10)
    assert client.get(url).status_code == 200
    f.AppointmentFactory(permanence=permanence, start=WED_10)  # someone else, a moment ago

    response = client.post(url)
    assert response.status_code == 409
    page = html(response)
    assert "L'horaire n'a pas changé" in page
    assert services.SLOT_TAKEN in page
    assert confirm_url(booked, permanence, WED_10) not in page
    assert confirm_url(booked, permanence, WED_9.replace(hour=11)) in page  # choose another
    mine = Appointment.objects.get(token_hash__isnull=False, start=WED_9)
    assert mine.status == AppointmentStatus.BOOKED
    assert not Message.objects.filter(event="appointment_moved").exists()


def test_cancelled_appointment_cannot_be_moved(client, permanence, booked):
    client.post(reverse("public:cancel", args=[booked]))
    assert client.get(reverse("public:reschedule", args=[booked])).status_code == 302
    response = client.post(confirm_url(booked, permanence, WED_10))
    assert response.status_code == 302
    assert Appointment.objects.get().start == WED_9
    page = html(client.get(reverse("public:appointment", args=[booked])))
    assert "Changer l'horaire" not in page


def test_started_appointment_is_refused_at_the_exact_instant(client, permanence, booked):
    url = confirm_url(booked, permanence, NEXT_WED_9)
    with time_machine.travel(WED_9, tick=False):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("public:appointment", args=[booked])
        assert "Changer l'horaire" not in html(client.get(response["Location"]))
        with pytest.raises(ValidationError, match="a déjà commencé"):
            services.reschedule_appointment(
                appointment=Appointment.objects.get(),
                slot_id=make_slot_id(permanence.pk, NEXT_WED_9),
            )
    assert Appointment.objects.get().start == WED_9


def test_one_second_before_the_start_it_can_still_move(client, permanence, booked):
    with time_machine.travel(WED_9 - dt.timedelta(seconds=1), tick=False):
        response = client.post(confirm_url(booked, permanence, NEXT_WED_9))
    assert response.status_code == 302
    assert Appointment.objects.get().start == NEXT_WED_9


# --- The service's own rules ----------------------------------------------------------


def test_service_refuses_the_same_slot(booked, permanence):
    with pytest.raises(ValidationError, match="déjà l'horaire"):
        services.reschedule_appointment(
            appointment=Appointment.objects.get(), slot_id=make_slot_id(permanence.pk, WED_9)
        )


def test_service_follows_the_online_booking_window(booked, permanence):
    # The booking window is 92 days from today (27 November): 3 March 2027 is the 96th.
    too_far = dt.datetime(2027, 3, 3, 9, 0, tzinfo=PARIS)
    with pytest.raises(ValidationError):
        services.reschedule_appointment(
            appointment=Appointment.objects.get(), slot_id=make_slot_id(permanence.pk, too_far)
        )
    assert Appointment.objects.get().start == WED_9


def test_service_refuses_a_permanence_closed_to_online_booking(booked, permanence):
    phone_only = f.PermanenceFactory(commune=permanence.commune, weekday=4, online_booking=False)
    friday = dt.datetime(2026, 12, 4, 9, 0, tzinfo=PARIS)
    with pytest.raises(ValidationError):
        services.reschedule_appointment(
            appointment=Appointment.objects.get(), slot_id=make_slot_id(phone_only.pk, friday)
        )
    assert Appointment.objects.get().permanence_id == permanence.pk


def test_move_is_rate_limited_per_link(client, permanence, booked):
    url = confirm_url(booked, permanence, WED_9)  # its own slot: refused, nothing moves
    for i in range(10):
        assert client.post(url, REMOTE_ADDR=f"203.0.113.{i}").status_code == 409
    assert client.post(url, REMOTE_ADDR="198.51.100.1").status_code == 429
