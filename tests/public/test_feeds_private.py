"""An adviser's own calendar feed, behind a private, revocable link (issue 7)."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.publicity import services
from cadran.publicity.models import CalendarFeedToken
from tests import factories as f

from .helpers import book_url, form_data
from .pubface_helpers import clear_public_cache, rfc5545_problems
from .workshop_helpers import make_session

PAGE = "/espace/agenda-personnel/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_public_cache()
    yield
    clear_public_cache()


def _link_of(client) -> str:
    """Create a link through the page, as an adviser does; return its path."""
    response = client.post(PAGE, {"action": "create"})
    assert response.status_code == 302
    page = client.get(PAGE).content.decode()
    start = page.index("http://127.0.0.1:8000/agenda/conseiller/")
    link = page[start : page.index('"', start)]
    return link.removeprefix("http://127.0.0.1:8000")


def test_page_address_is_the_one_documented():
    assert reverse("calendar_feed:token") == PAGE


def test_adviser_gets_a_link_shown_once(client, adviser):
    client.force_login(adviser)
    link = _link_of(client)
    token = link.split("/")[-1].removesuffix(".ics")
    row = CalendarFeedToken.objects.get(user=adviser)
    assert row.token_hash != token and len(row.token_hash) == 64
    again = client.get(PAGE).content.decode()
    assert token not in again
    assert "Vous avez un lien actif" in again
    assert AuditLog.objects.filter(action="calendar_feed.created").count() == 1


def test_feed_shows_the_adviser_schedule_without_people(
    client, frozen_now, permanence, adviser, territory, estaires
):
    booked = client.post(book_url(permanence), form_data())
    assert booked.status_code == 302
    session = make_session(territory, estaires, advisers=[adviser])
    f.ClosureFactory(
        territory=territory,
        adviser=adviser,
        start=dt.datetime(2026, 12, 14, 0, tzinfo=PARIS),
        end=dt.datetime(2026, 12, 15, 0, tzinfo=PARIS),
        reason="Formation",
    )
    client.force_login(adviser)
    link = _link_of(client)
    client.logout()  # a calendar program has no session

    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    assert rfc5545_problems(response.content) == []
    body = response.content.decode()
    assert "Jeanne" not in body and "Lefebvre" not in body and "06 12 34 56 78" not in body
    assert "sante" not in body.lower()
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    summaries = {str(e["SUMMARY"]) for e in events}
    assert "Rendez-vous (réservé)" in summaries
    assert f"Permanence {estaires.name}" in summaries
    assert f"Atelier : {session.workshop.title}" in summaries
    assert "Fermeture : Formation" in summaries
    (rdv,) = [e for e in events if str(e["SUMMARY"]) == "Rendez-vous (réservé)"]
    assert rdv.decoded("DTSTART") == dt.datetime(2026, 12, 2, 9, tzinfo=PARIS)


def test_a_new_booking_shows_on_the_next_reading(client, frozen_now, permanence, adviser):
    client.force_login(adviser)
    link = _link_of(client)
    client.logout()
    before = client.get(link).content.decode()
    assert "Rendez-vous (réservé)" not in before
    assert client.post(book_url(permanence), form_data()).status_code == 302
    assert "Rendez-vous (réservé)" in client.get(link).content.decode()


def test_new_link_stops_the_old_one_and_revoking_stops_it(client, adviser):
    client.force_login(adviser)
    old = _link_of(client)
    new = _link_of(client)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    response = client.post(PAGE, {"action": "revoke"})
    assert response.status_code == 302
    assert client.get(new).status_code == 404
    assert CalendarFeedToken.objects.filter(user=adviser).active().count() == 0
    assert "Vous n'avez pas de lien actif" in client.get(PAGE).content.decode()


def test_link_stops_when_the_account_is_disabled(client, adviser):
    _row, clear = services.create_feed_token(user=adviser)
    link = reverse("publicity:adviser_feed", args=[clear])
    assert client.get(link).status_code == 200
    adviser.is_active = False
    adviser.save(update_fields=["is_active"])
    assert client.get(link).status_code == 404


def test_wrong_link_is_404(client, db):
    response = client.get(reverse("publicity:adviser_feed", args=["pas-un-vrai-secret"]))
    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_only_advisers_have_a_personal_feed(client, culture_user, referent):
    assert client.get(PAGE).status_code == 302  # to the login page
    for user in (culture_user, referent):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"action": "create"}).status_code == 403
    assert CalendarFeedToken.objects.count() == 0


def test_adviser_feed_queries_do_not_grow(
    client, frozen_now, permanence, adviser, territory, estaires, django_assert_num_queries
):
    _row, clear = services.create_feed_token(user=adviser)
    link = reverse("publicity:adviser_feed", args=[clear])
    client.get(link)  # writes the last reading once
    clear_public_cache()
    with django_assert_num_queries(7):
        client.get(link)
    clear_public_cache()
    for hour in (8, 9, 10):
        for day in (2, 9, 16):
            f.AppointmentFactory(
                permanence=permanence, start=dt.datetime(2026, 12, day, hour, tzinfo=dt.UTC)
            )
    make_session(territory, estaires, advisers=[adviser])
    f.ClosureFactory(territory=territory, adviser=adviser)
    with django_assert_num_queries(7):
        client.get(link)


def test_staff_home_of_an_adviser_links_to_the_page(client, adviser):
    client.force_login(adviser)
    assert f'href="{PAGE}"' in client.get("/espace/").content.decode()
