"""The public booking form and the workshop registration form, fed with hostile text
(HTML, scripts, very long strings, Unicode oddities): what is accepted is stored as typed
(less the surrounding spaces) and shown escaped; what is refused gets a French message;
nothing is ever a server error."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils.html import escape
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cadran.scheduling.models import Appointment
from cadran.workshops.models import Registration
from tests.public.helpers import book_url, form_data
from tests.public.workshop_helpers import form_data as registration_data
from tests.public.workshop_helpers import make_session, register_url

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg/onload=alert(1)>",
    "{{ 7*7 }}{% debug %}",
    "Robert'); DROP TABLE scheduling_beneficiary;--",
    "\u202eenèirbaG",  # right-to-left override
    "Ga\u200bbri\u200del\ufeff",  # zero-width characters
    "Ze\u0301\u0301\u0301lie",  # combining accents
    "Jean\x00ne",  # NUL
    "A" * 5000,  # very long
    "𝕵𝖊𝖆𝖓 🧑‍💻",  # outside the BMP, a ZWJ sequence
    "\r\nSet-Cookie: x=y",
    "&lt;b&gt;",  # already escaped text stays as typed
]

names = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(min_size=0, max_size=300),
    st.text(
        alphabet=st.sampled_from(list("<>\"'&/\\=;{}%\u202e\u200b\u0301\x00 éÉ\t\n")),
        max_size=50,
    ),
)

SETTINGS = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def check_page(page: str, typed: str) -> None:
    """What the person typed appears only escaped: no tag of theirs reaches the page."""
    for dangerous in ("<script>alert(1)", "<img src=x", "<svg/onload"):
        if dangerous in typed:
            assert dangerous not in page


def check_refusal(response, typed: list[str]) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" in page
    for value in typed:
        check_page(page, value)


@given(first=names, last=names)
@SETTINGS
@example(first="<script>alert(1)</script>", last='"><img src=x onerror=alert(1)>')
@example(first="Jean\x00ne", last="Dupont")
@example(first="A" * 5000, last="Dupont")
def test_public_booking_with_hostile_names(client, frozen_now, permanence, settings, first, last):
    settings.CADRAN_RATELIMIT_PER_CLIENT = 10**6
    settings.CADRAN_RATELIMIT_PER_TARGET = 10**6
    with transaction.atomic():
        response = client.post(book_url(permanence), form_data(first_name=first, last_name=last))
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            appointment = Appointment.objects.select_related("beneficiary").get()
            assert appointment.beneficiary.first_name == first.strip()
            assert appointment.beneficiary.last_name == last.strip()
            page = client.get(response["Location"])
            assert page.status_code == 200
            text = page.content.decode()
            assert escape(last.strip()) in text
            check_page(text, first)
            check_page(text, last)
        else:
            check_refusal(response, [first, last])
            assert not Appointment.objects.exists()
        transaction.set_rollback(True)


@pytest.fixture
def session(territory, estaires):
    return make_session(territory, estaires)


@given(first=names, last=names, card=names)
@SETTINGS
@example(first="<script>alert(1)</script>", last="\u202eenèirbaG", card="")
@example(first="Zoé", last="Ze\u0301lie", card="\x00")
def test_workshop_registration_with_hostile_text(
    client, frozen_now, session, settings, first, last, card
):
    settings.CADRAN_RATELIMIT_PER_CLIENT = 10**6
    settings.CADRAN_RATELIMIT_PER_TARGET = 10**6
    with transaction.atomic():
        data = registration_data(first_name=first, last_name=last)
        if card:
            data.update(basis="library_card", library_card=card)
        response = client.post(register_url(session), data)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            registration = Registration.objects.get()
            assert registration.first_name == first.strip()
            assert registration.last_name == last.strip()
            page = client.get(response["Location"])
            assert page.status_code == 200
            text = page.content.decode()
            for value in (first, last, card):
                check_page(text, value)
        else:
            check_refusal(response, [first, last, card])
            assert not Registration.objects.exists()
        transaction.set_rollback(True)


def test_a_nul_character_is_refused_in_french(client, frozen_now, permanence):
    response = client.post(book_url(permanence), form_data(first_name="Jean\x00ne"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Le caractère nul n’est pas autorisé." in page
    assert not Appointment.objects.exists()
