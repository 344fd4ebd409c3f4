"""Home, commune page, privacy and accessibility pages: status, key strings, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.scheduling.slots import make_slot_id
from tests import factories as f

from .helpers import WED_9, book_url

pytestmark = pytest.mark.usefixtures("frozen_now")


def html(response) -> str:
    return response.content.decode()


# --- Home ------------------------------------------------------------------------------


def test_home_lists_communes_with_their_permanence_and_next_free_slot(client, permanence):
    response = client.get(reverse("public:home"))
    assert response.status_code == 200
    page = html(response)
    assert "Prendre rendez-vous avec un conseiller numérique" in page
    assert "Estaires" in page
    assert "Le mercredi de 9h à 12h" in page
    assert "Bureau du CCAS" in page and "Place du Général de Gaulle" in page
    assert "Prochain créneau libre : <strong>mercredi 2 décembre à 9h00</strong>" in page
    assert "Voir les créneaux" in page
    assert reverse("public:commune", args=["estaires"]) in page
    assert "03 28 00 00 00" in page


def test_home_next_free_slot_skips_booked_slots(client, permanence):
    f.AppointmentFactory(permanence=permanence, start=WED_9)
    page = html(client.get(reverse("public:home")))
    assert "mercredi 2 décembre à 10h00" in page
    assert "mercredi 2 décembre à 9h00" not in page


def test_home_permanence_with_phone_booking_only(client, estaires, adviser):
    f.PermanenceFactory(commune=estaires, adviser=adviser, online_booking=False)
    page = html(client.get(reverse("public:home")))
    assert "Rendez-vous par téléphone seulement." in page
    assert "Prochain créneau libre" not in page


def test_home_of_a_shared_address_asks_which_territory(client, permanence, territory):
    other = f.TerritoryFactory(slug="autre", name="Communauté de communes Voisine")
    f.PermanenceFactory(commune=f.CommuneFactory(territory=other, name="Bailleul", slug="bailleul"))
    page = html(client.get(reverse("public:home")))
    assert "Choisissez votre territoire" in page
    assert territory.name in page and "Communauté de communes Voisine" in page
    # The other is under its prefix on the install's address; the first keeps that address.
    assert f'href="{settings.CADRAN_SITE_URL}/territoire/autre/"' in page
    assert f'href="{settings.CADRAN_SITE_URL}/"' in page
    assert "Estaires" not in page and "Bailleul" not in page
    autre = html(client.get("/territoire/autre/"))
    assert "Bailleul" in autre and "Estaires" not in autre


# --- Commune page ----------------------------------------------------------------------


def test_commune_page_groups_free_slots_by_day(client, permanence):
    response = client.get(reverse("public:commune", args=["estaires"]))
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Prendre rendez-vous à Estaires</h1>" in page
    assert "Mercredi 2 décembre" in page
    assert "Mercredi 16 décembre" in page
    for hour in (9, 10, 11):
        assert book_url(permanence, WED_9.replace(hour=hour)) in page
    assert "vous pouvez parler en privé" in page
    assert "accessible en fauteuil roulant" in page
    assert "?semaine=2026-12-21" in page  # later dates


def test_commune_page_hides_booked_and_closed_slots(client, permanence, territory):
    f.AppointmentFactory(permanence=permanence, start=WED_9)
    f.ClosureFactory(
        territory=territory,
        start=dt.datetime(2026, 12, 9, 0, 0, tzinfo=PARIS),
        end=dt.datetime(2026, 12, 10, 0, 0, tzinfo=PARIS),
    )
    page = html(client.get(reverse("public:commune", args=["estaires"])))
    assert book_url(permanence, WED_9) not in page
    assert book_url(permanence, WED_9.replace(hour=10)) in page
    assert "Mercredi 9 décembre" not in page


def test_commune_page_later_weeks(client, permanence):
    url = reverse("public:commune", args=["estaires"])
    page = html(client.get(url, {"semaine": "2027-01-06"}))
    assert "Mercredi 6 janvier" in page
    assert "Mercredi 2 décembre" not in page
    assert "Dates plus proches" in page
    assert "?semaine=2026-12-07" in page  # four weeks back from Monday 4 January


@pytest.mark.parametrize("value", ["hier", "2026-13-45", "2020-01-01", "0001-01-01"])
def test_commune_page_wrong_or_past_week_shows_this_week(client, permanence, value):
    response = client.get(reverse("public:commune", args=["estaires"]), {"semaine": value})
    assert response.status_code == 200
    assert "Mercredi 2 décembre" in html(response)
    assert "Dates plus proches" not in html(response)


def test_commune_page_without_free_slot_gives_the_phone(client, permanence, territory):
    f.ClosureFactory(
        territory=territory,
        start=dt.datetime(2026, 11, 1, tzinfo=PARIS),
        end=dt.datetime(2027, 6, 1, tzinfo=PARIS),
    )
    page = html(client.get(reverse("public:commune", args=["estaires"])))
    assert "Tous les créneaux sont pris pour le moment." in page
    assert "Appelez le" in page and "03 28 00 00 00" in page
    assert "/creneaux/" not in page


def test_commune_page_points_to_the_next_free_slot_after_the_window(client, permanence, territory):
    f.ClosureFactory(
        territory=territory,
        start=dt.datetime(2026, 11, 27, tzinfo=PARIS),
        end=dt.datetime(2026, 12, 21, tzinfo=PARIS),
    )
    page = html(client.get(reverse("public:commune", args=["estaires"])))
    assert "Pas de créneau libre sur ces dates" in page
    assert "<strong>mercredi 23 décembre à 9h00</strong>" in page
    assert "?semaine=2026-12-21" in page


def test_unknown_commune_is_404(client, permanence):
    assert client.get(reverse("public:commune", args=["nulle-part"])).status_code == 404


# --- Query counts ----------------------------------------------------------------------


def _many_communes_with_appointments(territory, adviser, permanence):
    """Seven more communes with their permanence; 200 appointments spread over the eight."""
    permanences = [permanence] + [
        f.PermanenceFactory(commune=f.CommuneFactory(territory=territory), adviser=adviser)
        for _ in range(7)
    ]
    count = 0
    for perm in permanences:
        for week in range(9):
            for hour in (9, 10, 11):
                if count < 25 * (permanences.index(perm) + 1):
                    start = WED_9.replace(hour=hour) + dt.timedelta(weeks=week)
                    f.AppointmentFactory(permanence=perm, start=start)
                    count += 1
    assert count == 200
    return permanences


def test_home_query_count_does_not_grow(
    client, django_assert_num_queries, territory, adviser, permanence
):
    # Communes with their territory, permanences with their venue, closures, appointments.
    with django_assert_num_queries(4):
        assert client.get(reverse("public:home")).status_code == 200
    _many_communes_with_appointments(territory, adviser, permanence)
    with django_assert_num_queries(4):
        response = client.get(reverse("public:home"))
    assert response.content.decode().count("Voir les créneaux") == 8


def test_commune_page_query_count_does_not_grow(
    client, django_assert_num_queries, territory, adviser, permanence
):
    url = reverse("public:commune", args=["estaires"])
    # Commune with its territory, permanences with their venue, closures, appointments.
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
    _many_communes_with_appointments(territory, adviser, permanence)
    f.PermanenceFactory(commune=permanence.commune, adviser=adviser, weekday=4)
    with django_assert_num_queries(4):
        response = client.get(url)
    page = response.content.decode()
    assert "Vendredi 4 décembre" in page
    # Estaires's 25 appointments fill its first eight Wednesdays and one slot of the ninth.
    assert make_slot_id(permanence.pk, WED_9) not in page


# --- Privacy and accessibility ---------------------------------------------------------


def test_privacy_page_holds_the_notice_and_the_retention_table(client, territory):
    response = client.get(reverse("public:privacy"))
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Vos données personnelles</h1>" in page
    assert "Communauté de communes Flandre Lys" in page
    assert "mission d&#x27;intérêt public" in page or "mission d'intérêt public" in page
    assert "article 6, paragraphe 1, point e" in page
    assert "12 mois après votre dernier rendez-vous" in page
    assert '<th scope="row">' in page
    assert "culture@example.org" in page


def test_accessibility_page(client, territory):
    response = client.get(reverse("public:accessibility"))
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Déclaration d'accessibilité</h1>" in page
    assert "axe-core" in page
    assert "mailto:culture@example.org" in page and "03 28 00 00 00" in page
    # The statement itself is tested in test_accessibility_statement.py.


@pytest.mark.parametrize("value", ["9999-12-31", "2100-01-01", "2027-06-07"])
def test_commune_page_beyond_the_booking_window(client, permanence, value):
    response = client.get(reverse("public:commune", args=["estaires"]), {"semaine": value})
    assert response.status_code == 200
    page = html(response)
    assert "Ces dates ne sont pas encore ouvertes" in page
    assert "samedi 27 février 2027" in page  # 92 days after Friday 27 November 2026
    assert "/creneaux/" not in page


def test_every_page_has_the_favicon(client, permanence):
    from django.contrib.staticfiles import finders

    page = html(client.get(reverse("public:home")))
    assert '<link rel="icon" href="/static/cadran/favicon.svg" type="image/svg+xml">' in page
    from pathlib import Path

    found = finders.find("cadran/favicon.svg")
    assert found and Path(str(found)).read_text(encoding="utf-8").startswith("<svg")
