"""The widget communes embed (/widget/<insee>/), its code page, and the charte graphique."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.publicity.models import Charter
from cadran.workshops.services import cancel_session
from tests import factories as f

from .helpers import book_url, form_data
from .pubface_helpers import clear_public_cache
from .workshop_helpers import make_session, paris

WIDGET = "/widget/59212/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_public_cache()
    yield
    clear_public_cache()


def test_widget_address_is_the_one_documented(db):
    assert reverse("public:widget", args=["59212"]) == WIDGET
    assert reverse("public:widget_code", args=["59212"]) == WIDGET + "code/"


def test_widget_shows_next_free_slots_and_sessions(
    client, frozen_now, permanence, territory, estaires
):
    session = make_session(territory, estaires)
    response = client.get(WIDGET)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert "Conseiller numérique à Estaires" in html
    assert "Le mercredi de 9h à 12h" in html
    assert "Bureau du CCAS" in html and "Place du Général de Gaulle" in html
    # The three next free slots, each a link to its booking page, out of the frame.
    for slot_start in (paris(2026, 12, 2, 9), paris(2026, 12, 2, 10), paris(2026, 12, 2, 11)):
        assert f'href="{book_url(permanence, slot_start)}" target="_top"' in html
    assert "9 décembre" not in html  # only three
    assert f'href="/ateliers/{session.pk}/" target="_top"' in html
    assert "12 places libres" in html
    assert 'href="tel:0328000000"' in html
    assert "<a " in html and 'target="_blank"' not in html
    assert all('target="_top"' in tag for tag in html.split("<a ")[1:])
    assert "<script" not in html and "style=" not in html


def test_widget_may_be_framed_by_any_site(client, frozen_now, permanence):
    response = client.get(WIDGET)
    assert "X-Frame-Options" not in response
    csp = response.get("Content-Security-Policy", "")
    assert "frame-ancestors *" in csp
    # Other public pages may not be framed.
    assert client.get("/")["X-Frame-Options"] == "DENY"


def test_a_booking_changes_the_widget_on_the_next_request(client, frozen_now, permanence):
    first_slot = book_url(permanence)  # Wednesday 2 December, 9h
    assert first_slot in client.get(WIDGET).content.decode()
    assert client.post(first_slot, form_data()).status_code == 302
    html = client.get(WIDGET).content.decode()
    assert first_slot not in html
    assert book_url(permanence, paris(2026, 12, 9, 9)) in html


def test_a_cancelled_session_leaves_the_widget(
    client, frozen_now, permanence, territory, estaires, culture_user
):
    session = make_session(territory, estaires)
    assert session.workshop.title in client.get(WIDGET).content.decode()
    cancel_session(session=session, reason="Conseiller absent", by=culture_user)
    assert session.workshop.title not in client.get(WIDGET).content.decode()


def test_widget_is_cached_until_something_changes(
    client, frozen_now, permanence, settings, django_assert_num_queries
):
    settings.CADRAN_PUBLIC_CACHE_SETTLE_SECONDS = 0
    first = client.get(WIDGET)
    with django_assert_num_queries(0):  # a hit: no query at all
        again = client.get(WIDGET)
    assert again.content == first.content
    assert client.get(WIDGET, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    f.ClosureFactory(territory=permanence.commune.territory)  # closes Wednesday 2 December
    with django_assert_num_queries(6):
        changed = client.get(WIDGET)
    assert changed.content != first.content


def test_a_change_just_made_is_not_stored_before_it_settles(
    client, frozen_now, permanence, settings, django_assert_num_queries
):
    settings.CADRAN_PUBLIC_CACHE_SETTLE_SECONDS = 3600
    client.get(WIDGET)
    with django_assert_num_queries(6):  # built again: the last change is too recent
        client.get(WIDGET)


def test_widget_queries_do_not_grow(
    client, frozen_now, territory, estaires, adviser, django_assert_num_queries
):
    f.PermanenceFactory(commune=estaires, adviser=adviser)
    make_session(territory, estaires)
    with django_assert_num_queries(6):
        client.get(WIDGET)
    clear_public_cache()
    for weekday in (0, 1, 3, 4):
        f.PermanenceFactory(commune=estaires, adviser=adviser, weekday=weekday)
    for day in range(6, 12):
        make_session(territory, estaires, start=paris(2026, 12, day, 14))
    with django_assert_num_queries(6):
        client.get(WIDGET)


def test_widget_in_the_territory_colours(client, frozen_now, permanence, territory):
    Charter.objects.create(
        territory=territory,
        primary_color="#2a4b1c",
        secondary_color="#8a1538",
        heading_font="Marianne, Arial, sans-serif",
        logo_svg='<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>',
        logo_text="CCFL",
    )
    html = client.get(WIDGET).content.decode()
    assert f'href="/widget/charte/{territory.slug}.css"' in html
    assert f'src="/widget/charte/{territory.slug}/logo.svg" alt="CCFL"' in html
    css = client.get(f"/widget/charte/{territory.slug}.css")
    assert css["Content-Type"] == "text/css"
    text = css.content.decode()
    assert "--brand: #2a4b1c;" in text and "--accent: #8a1538;" in text
    assert "Marianne, Arial, sans-serif" in text
    logo = client.get(f"/widget/charte/{territory.slug}/logo.svg")
    assert logo["Content-Type"] == "image/svg+xml"
    assert logo.content.startswith(b"<svg")


def test_default_charter_without_logo(client, frozen_now, permanence, territory):
    html = client.get(WIDGET).content.decode()
    assert '<span class="widget-logo-text">CCFL</span>' in html
    assert client.get(f"/widget/charte/{territory.slug}/logo.svg").status_code == 404
    assert (
        "--brand: #00467f;" in client.get(f"/widget/charte/{territory.slug}.css").content.decode()
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("primary_color", "#ffdd00"),  # too light to write white on it
        ("secondary_color", "#aaaaaa"),
        ("primary_color", "red; } body { display:none"),
        ("heading_font", "Arial; } body { display: none"),
        ("logo_svg", "<svg><script>alert(1)</script></svg>"),
        ("logo_svg", '<svg onload="alert(1)"></svg>'),
        ("logo_svg", '<svg><image href="https://pisteur.example/x.png"/></svg>'),
        ("logo_svg", "pas une image"),
    ],
)
def test_charter_refuses_what_would_be_unreadable_or_unsafe(territory, field, value):
    charter = Charter(territory=territory, **{field: value})
    with pytest.raises(ValidationError) as excinfo:
        charter.full_clean()
    assert field in excinfo.value.message_dict


def test_charter_accepts_the_demo_values(territory):
    Charter(territory=territory, logo_text="CCFL").full_clean()


def test_code_page_gives_the_iframe_and_the_link(
    client, frozen_now, permanence, territory, estaires
):
    session = make_session(territory, estaires)
    response = client.get(WIDGET + "code/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert "&lt;iframe src=&quot;http://127.0.0.1:8000/widget/59212/&quot;" in html or (
        '&lt;iframe src="http://127.0.0.1:8000/widget/59212/"' in html
    )
    assert "http://127.0.0.1:8000/communes/estaires/" in html
    assert '<label for="widget-iframe-code">' in html
    assert '<label for="widget-link-code">' in html
    assert "/affiches/communes/59212/?format=A4" in html
    assert "/affiches/communes/59212/?format=A3" in html
    assert f"/affiches/ateliers/{session.pk}/" in html
    assert "http://127.0.0.1:8000/agenda/59212.ics" in html


def test_unknown_commune_is_404(client, db):
    assert client.get("/widget/99999/").status_code == 404
    assert client.get("/widget/99999/code/").status_code == 404


def test_odd_addresses_are_404_not_cache_errors(client, db):
    assert client.get("/widget/59%20212/").status_code == 404
    assert client.get("/agenda/59%20212.ics").status_code == 404
    assert client.get("/agenda.ics", {"territoire": "a b"}).status_code == 404
