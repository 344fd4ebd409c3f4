"""The public agenda of workshops and a session's page: status, key strings, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f
from tests.workshops.factories import RegistrationFactory, SessionFactory

from .workshop_helpers import make_cycle, make_session, paris

pytestmark = pytest.mark.usefixtures("frozen_now")

AGENDA = reverse("public:agenda")


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def session(territory, estaires):
    return make_session(territory, estaires)


# --- The agenda ---------------------------------------------------------------------------


def test_agenda_lists_the_session_with_its_facts(client, session):
    response = client.get(AGENDA + "?debut=2026-12-01")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Ateliers collectifs : l'agenda</h1>" in page
    assert "Arnaques en ligne : les repérer" in page
    assert "Animation ouverte à tous · Niveau débutant" in page  # the kind, in plain words
    assert "<strong>Samedi 5 décembre 2026</strong>, de 10h à 12h" in page
    # The town once, with its postcode, after the street.
    assert (
        "Médiathèque de Estaires, Salle d&#x27;animation<br>12 rue de la Gare, 59940 Estaires"
        in page
    )
    assert "12 places libres" in page
    assert "Gratuit pour les habitants de la CCFL et les inscrits des médiathèques." in page
    assert reverse("public:session", args=[session.pk]) in page
    assert "Ateliers en décembre 2026" in page


def test_agenda_says_how_many_places_are_left_and_when_it_is_full(client, territory, estaires):
    one_left = make_session(territory, estaires, title="Un seul", capacity=3)
    RegistrationFactory.create_batch(2, session=one_left)
    full = make_session(territory, estaires, title="Plein", capacity=2, start=paris(2026, 12, 9))
    RegistrationFactory.create_batch(2, session=full)
    RegistrationFactory(session=full, waiting=True)
    page = html(client.get(AGENDA + "?debut=2026-12-01"))
    assert "1 place libre<" in page
    assert "Complet : liste d'attente" in page


def test_agenda_shows_a_cycle_once_with_all_its_dates(client, territory, estaires):
    make_cycle(
        territory,
        estaires,
        [paris(2026, 12, 5), paris(2026, 12, 12), paris(2026, 12, 19)],
        title="Débuter avec l'ordinateur",
    )
    page = html(client.get(AGENDA + "?debut=2026-12-01"))
    assert page.count("Débuter avec l&#x27;ordinateur</a></h3>") == 1
    assert "Cycle de 3 séances" in page
    for day in ("Samedi 5 décembre 2026", "Samedi 12 décembre 2026", "Samedi 19 décembre 2026"):
        assert day in page


def test_agenda_filters_by_commune(client, territory, estaires, merville, session):
    make_session(territory, merville, title="Tablette à Merville")
    page = html(client.get(AGENDA + "?debut=2026-12-01&commune=59400"))
    assert "Tablette à Merville" in page
    assert "Arnaques en ligne" not in page
    assert 'value="59400" selected' in page
    assert "à Merville" in page
    page = html(client.get(AGENDA + "?debut=2026-12-01"))
    assert "Tablette à Merville" in page and "Arnaques en ligne" in page


def test_agenda_ignores_an_unknown_commune(client, session):
    response = client.get(AGENDA + "?debut=2026-12-01&commune=%3Cscript%3E")
    assert response.status_code == 200
    assert "Arnaques en ligne" in html(response)


def test_agenda_navigates_by_month_and_by_week(client, session):
    page = html(client.get(AGENDA))
    assert "Ateliers en novembre 2026" in page
    assert "Arnaques en ligne" not in page  # 5 December is next month
    assert "Mois d'avant" not in page  # never before the current month
    assert "vue=mois&amp;debut=2026-12-01" in page
    page = html(client.get(AGENDA + "?vue=mois&debut=2026-12-01"))
    assert "Ateliers en décembre 2026" in page and "Arnaques en ligne" in page
    assert "vue=mois&amp;debut=2026-11-01" in page
    # Week by week: this week (23–29 November) has nothing, the next one has the session.
    page = html(client.get(AGENDA + "?vue=semaine"))
    assert "du vendredi 27 novembre au dimanche 29 novembre 2026" in page
    assert "Arnaques en ligne" not in page
    assert "vue=semaine&amp;debut=2026-11-30" in page
    page = html(client.get(AGENDA + "?vue=semaine&debut=2026-11-30"))
    assert "du lundi 30 novembre au dimanche 6 décembre 2026" in page
    assert "Arnaques en ligne" in page


def test_agenda_with_a_date_in_the_past_or_wrong_shows_the_current_month(client, session):
    for value in ("2020-01-01", "pas-une-date", "2026-02-30"):
        response = client.get(AGENDA + f"?debut={value}")
        assert response.status_code == 200
        assert "Ateliers en novembre 2026" in html(response)


def test_agenda_leaves_out_what_people_cannot_register_for(client, territory, estaires, session):
    make_session(territory, estaires, title="Annulé", cancelled=True, start=paris(2026, 12, 7))
    draft = make_session(territory, estaires, title="Brouillon", start=paris(2026, 12, 8))
    draft.workshop.status = "draft"
    draft.workshop.save(update_fields=["status"])
    elsewhere = f.TerritoryFactory(slug="voisine", name="Voisine", short_name="CCV")
    make_session(elsewhere, f.CommuneFactory(territory=elsewhere), title="Ailleurs")
    make_session(
        territory,
        estaires,
        title="Déjà commencé",
        start=paris(2026, 11, 27, 9),
        decision_at=paris(2026, 11, 25, 9),
    )
    # Two territories on the install's address: the agenda is asked for by its territory.
    page = html(client.get(AGENDA + "?territoire=ccfl&debut=2026-11-27"))
    assert "Déjà commencé" not in page
    page = html(client.get(AGENDA + "?territoire=ccfl&debut=2026-12-01"))
    assert "Arnaques en ligne" in page
    for title in ("Annulé</a>", "Brouillon", "Ailleurs"):
        assert title not in page


def test_agenda_of_another_territory_is_chosen_by_its_slug(client, session):
    elsewhere = f.TerritoryFactory(slug="voisine", name="Voisine", short_name="CCV")
    make_session(elsewhere, f.CommuneFactory(territory=elsewhere), title="Ailleurs")
    page = html(client.get(AGENDA + "?territoire=voisine&debut=2026-12-01"))
    assert "Ailleurs" in page and "Arnaques en ligne" not in page
    assert "Gratuit pour les habitants de la CCV" in page


def test_agenda_says_when_there_is_nothing(client, territory, estaires):
    page = html(client.get(AGENDA))
    assert "Pas d'atelier avec des inscriptions ouvertes en novembre 2026" in page


def test_agenda_escapes_hostile_text(client, territory, estaires):
    make_session(territory, estaires, title="<script>alert('x')</script>")
    page = html(client.get(AGENDA + "?debut=2026-12-01"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_agenda_queries_do_not_grow(client, django_assert_num_queries, territory, estaires):
    make_cycle(territory, estaires, [paris(2026, 12, 5), paris(2026, 12, 12)])
    url = AGENDA + "?debut=2026-12-01"
    # Territories, communes, sessions with their counts, the cycles' dates.
    with django_assert_num_queries(4):
        assert html(client.get(url)).count("Voir et s'inscrire") == 1
    workshop = make_session(territory, estaires, title="Autre").workshop
    for day in range(6, 30):
        session = SessionFactory(
            workshop=workshop, venue=f.VenueFactory(commune=estaires), start=paris(2026, 12, day)
        )
        RegistrationFactory(session=session)
    make_cycle(territory, estaires, [paris(2026, 12, 7, 14), paris(2026, 12, 14, 14)])
    with django_assert_num_queries(4):
        assert html(client.get(url)).count("Voir et s'inscrire") == 27


# --- A session's page ---------------------------------------------------------------------


def test_session_page_shows_description_dates_place_and_places_left(client, session):
    RegistrationFactory(session=session)
    response = client.get(reverse("public:session", args=[session.pk]))
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Arnaques en ligne : les repérer</h1>" in page
    assert "Apprendre à repérer les faux messages." in page
    assert "Samedi 5 décembre 2026</strong>, de 10h à 12h" in page
    assert "12 rue de la Gare" in page
    assert "11 places libres" in page
    assert reverse("public:session_register", args=[session.pk]) in page


def test_session_page_of_a_cycle_session_leads_to_the_cycle(client, territory, estaires):
    first, second = make_cycle(territory, estaires, [paris(2026, 12, 5), paris(2026, 12, 12)])
    response = client.get(reverse("public:session", args=[second.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("public:session", args=[first.pk])
    page = html(client.get(reverse("public:session", args=[first.pk])))
    assert "cycle de 2 séances" in page
    assert "Samedi 12 décembre 2026" in page


def test_session_page_when_full_offers_the_waiting_list(client, territory, estaires):
    session = make_session(territory, estaires, capacity=1)
    RegistrationFactory(session=session)
    page = html(client.get(reverse("public:session", args=[session.pk])))
    assert "Complet" in page and "S'inscrire sur la liste d'attente" in page
    assert page.count("liste d'attente") == 1  # said once: the button


def test_cancelled_session_page_is_gone_with_the_next_dates(client, territory, estaires):
    cancelled = make_session(territory, estaires, cancelled=True)
    later = SessionFactory(
        workshop=cancelled.workshop, venue=cancelled.venue, start=paris(2026, 12, 19)
    )
    response = client.get(reverse("public:session", args=[cancelled.pk]))
    assert response.status_code == 410
    page = html(response)
    assert "Cet atelier est annulé" in page
    assert "Samedi 19 décembre 2026" in page
    assert reverse("public:session", args=[later.pk]) in page


def test_past_session_page_is_gone(client, territory, estaires):
    past = make_session(
        territory, estaires, start=paris(2026, 11, 20), decision_at=paris(2026, 11, 18)
    )
    response = client.get(reverse("public:session", args=[past.pk]))
    assert response.status_code == 410
    assert "déjà eu lieu" in html(response)
    assert "Pas d'autre date prévue" in html(response)


def test_session_of_an_unpublished_workshop_or_unknown_is_not_found(client, session):
    session.workshop.status = "archived"
    session.workshop.save(update_fields=["status"])
    assert client.get(reverse("public:session", args=[session.pk])).status_code == 404
    assert client.get(reverse("public:session", args=[999999])).status_code == 404


def test_session_page_escapes_hostile_text(client, territory, estaires):
    session = make_session(territory, estaires, title="<img src=x onerror=alert(1)>")
    session.workshop.description = "<b>gras</b>"
    session.workshop.save(update_fields=["description"])
    page = html(client.get(reverse("public:session", args=[session.pk])))
    assert "<img src=x" not in page and "<b>gras</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_session_page_queries_are_fixed(client, django_assert_num_queries, session):
    with django_assert_num_queries(2):  # the session with its counts, the cycle's dates
        assert client.get(reverse("public:session", args=[session.pk])).status_code == 200
    RegistrationFactory.create_batch(5, session=session)
    with django_assert_num_queries(2):
        assert client.get(reverse("public:session", args=[session.pk])).status_code == 200


def test_home_links_to_the_agenda(client, territory):
    page = html(client.get(reverse("public:home")))
    assert "Ateliers collectifs : l'agenda" in page
    assert reverse("public:agenda") in page


def test_session_page_says_when_registrations_are_counted(client, territory, estaires):
    # The decision instant is the session's own (here three days before, at 18h), not a
    # fixed « two days before ».
    session = make_session(
        territory,
        estaires,
        start=paris(2026, 12, 5, 10),
        decision_at=paris(2026, 12, 2, 18),
        min_attendance=6,
    )
    page = html(client.get(reverse("public:session", args=[session.pk])))
    assert "S'il y a moins de 6 inscrits le mercredi 2 décembre à 18h" in page
    assert "deux jours avant" not in page
