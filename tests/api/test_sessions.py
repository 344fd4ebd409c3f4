"""API v1: the agenda of workshop sessions and registering to one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cadran.workshops.enums import EligibilityBasis, RegistrationStatus, SessionStatus
from cadran.workshops.models import Registration
from cadran.workshops.selectors import get_registration_by_token
from tests import factories as f
from tests.public.workshop_helpers import make_cycle, make_session, paris
from tests.workshops.factories import RegistrationFactory, SessionFactory

from .conftest import post_json

pytestmark = pytest.mark.usefixtures("frozen_now")

SESSIONS_URL = "/api/v1/sessions"


def registrations_url(session_or_id) -> str:
    pk = getattr(session_or_id, "pk", session_or_id)
    return f"/api/v1/sessions/{pk}/registrations"


@pytest.fixture
def session(territory, estaires):
    return make_session(territory, estaires)


@pytest.fixture
def person() -> dict:
    return {
        "first_name": "Josiane",
        "last_name": "Vandewalle",
        "phone": "06 12 34 56 78",
        "commune_insee": "59212",
        "consent": True,
    }


# --- GET /sessions --------------------------------------------------------------------------


def test_sessions_lists_what_people_can_register_for(client, session):
    RegistrationFactory.create_batch(3, session=session)
    response = client.get(SESSIONS_URL, {"from": "2026-12-01", "to": "2026-12-31"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": session.pk,
            "title": "Arnaques en ligne : les repérer",
            "format": "Atelier",
            "level": "debutant",
            "start": "2026-12-05T10:00:00+01:00",
            "end": "2026-12-05T12:00:00+01:00",
            "sessions": [
                {"start": "2026-12-05T10:00:00+01:00", "end": "2026-12-05T12:00:00+01:00"}
            ],
            "venue": {"name": "Médiathèque de Estaires", "address": "12 rue de la Gare"},
            "place": {
                "name": "Médiathèque de Estaires",
                "address": "12 rue de la Gare",
                "commune": "Estaires",
                "access": None,
                "off_site": False,
            },
            "places_left": 9,
            "status": "scheduled",
        }
    ]


def test_sessions_default_to_the_next_30_days(client, territory, estaires, session):
    make_session(territory, estaires, title="Trop loin", start=paris(2027, 1, 9))
    titles = [s["title"] for s in client.get(SESSIONS_URL).json()]
    assert titles == ["Arnaques en ligne : les repérer"]


def test_sessions_show_a_cycle_once_with_every_date(client, territory, estaires):
    make_cycle(territory, estaires, [paris(2026, 12, 5), paris(2026, 12, 12)])
    [row] = client.get(SESSIONS_URL).json()
    assert [s["start"] for s in row["sessions"]] == [
        "2026-12-05T10:00:00+01:00",
        "2026-12-12T10:00:00+01:00",
    ]


def test_sessions_filter_by_commune_and_leave_out_closed_ones(
    client, territory, estaires, merville, session
):
    make_session(territory, merville, title="À Merville", start=paris(2026, 12, 6))
    make_session(territory, estaires, title="Annulé", cancelled=True, start=paris(2026, 12, 7))
    full = make_session(territory, estaires, title="Complet", capacity=1, start=paris(2026, 12, 8))
    RegistrationFactory(session=full)
    rows = client.get(SESSIONS_URL).json()
    assert [(r["title"], r["places_left"]) for r in rows] == [
        ("Arnaques en ligne : les repérer", 12),
        ("À Merville", 12),
        ("Complet", 0),
    ]
    rows = client.get(SESSIONS_URL, {"commune": "59400"}).json()
    assert [r["title"] for r in rows] == ["À Merville"]


def test_sessions_of_every_territory(client, session):
    elsewhere = f.TerritoryFactory(slug="voisine", name="Voisine")
    make_session(elsewhere, f.CommuneFactory(territory=elsewhere), title="Ailleurs")
    assert len(client.get(SESSIONS_URL).json()) == 2


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "2026-13-01"}, 422, "from"),
        ({"from": "2026-12-10", "to": "2026-12-01"}, 422, "to"),
        ({"from": "2026-12-01", "to": "2027-03-15"}, 422, "to"),
        ({"commune": "99999"}, 404, None),
    ],
)
def test_sessions_refuse_bad_questions_in_french(client, session, params, status, field):
    response = client.get(SESSIONS_URL, params)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"detail", "errors"}
    if field:
        assert field in body["errors"]
    else:
        assert body["detail"] == "Commune inconnue."


def test_sessions_queries_do_not_grow(client, django_assert_num_queries, territory, estaires):
    make_cycle(territory, estaires, [paris(2026, 12, 5), paris(2026, 12, 12)])
    # Territories, then the sessions with their counts and the cycles' dates.
    with django_assert_num_queries(3):
        assert len(client.get(SESSIONS_URL).json()) == 1
    workshop = make_session(territory, estaires, title="Autre").workshop
    for day in range(6, 26):
        s = SessionFactory(
            workshop=workshop, venue=f.VenueFactory(commune=estaires), start=paris(2026, 12, day)
        )
        RegistrationFactory(session=s)
    with django_assert_num_queries(3):
        assert len(client.get(SESSIONS_URL).json()) == 22


# --- POST /sessions/{id}/registrations ------------------------------------------------------


def test_registering_gives_a_reference_a_status_and_the_private_link(client, session, person):
    response = post_json(client, registrations_url(session), person)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["waiting_position"] is None
    registration = Registration.objects.get()
    assert body["reference"] == registration.reference
    assert registration.eligibility_basis == EligibilityBasis.RESIDENT
    prefix = "http://testserver/ateliers/inscription/"
    assert body["manage_url"].startswith(prefix)
    token = body["manage_url"][len(prefix) :].rstrip("/")
    assert get_registration_by_token(token) == registration
    page = client.get(reverse("public:workshop_registration", kwargs={"token": token}))
    assert "Votre inscription est confirmée" in page.content.decode()


def test_registering_when_full_puts_the_person_on_the_waiting_list(
    client, territory, estaires, person
):
    session = make_session(territory, estaires, capacity=1)
    RegistrationFactory(session=session)
    body = post_json(client, registrations_url(session), person).json()
    assert body["status"] == "waiting"
    assert body["waiting_position"] == 1
    assert Registration.objects.get(last_name="Vandewalle").status == RegistrationStatus.WAITING


def test_a_library_card_makes_someone_from_elsewhere_eligible(client, session, person):
    person.update(commune_insee="75056", library_card="0012-3456", notify_sms=False)
    response = post_json(client, registrations_url(session), person)
    assert response.status_code == 201
    registration = Registration.objects.get()
    assert registration.eligibility_basis == EligibilityBasis.LIBRARY_MEMBER
    assert registration.notify_sms is False


def test_ineligible_person_gets_the_reason_under_the_field(client, session, person):
    person["commune_insee"] = "75056"
    response = post_json(client, registrations_url(session), person)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Cette personne ne peut pas s'inscrire à cet atelier."
    [message] = body["errors"]["commune_insee"]
    assert "réservés aux habitants des communes du territoire" in message
    assert "Service Culture, 03 28 00 00 00 ou culture@example.org" in message
    assert Registration.objects.count() == 0


def test_a_wrong_card_is_explained_under_library_card(client, session, person):
    person.update(commune_insee="", library_card="ABC")
    body = post_json(client, registrations_url(session), person).json()
    assert "format du réseau des médiathèques" in body["errors"]["library_card"][0]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"consent": False}, "consent", "Pour s'inscrire, la personne doit accepter"),
        ({"consent": None}, "consent", "Pour s'inscrire, la personne doit accepter"),
        ({"consent": "oui"}, "consent", "Pour s'inscrire, la personne doit accepter"),
        ({"phone": None}, "phone", "Indiquez un numéro de téléphone ou une adresse e-mail"),
        ({"email": "pas-une-adresse"}, "email", "Cette adresse e-mail n'est pas valide"),
        ({"commune_insee": "5921"}, "commune_insee", "Le code INSEE"),
        ({"first_name": "x" * 101}, "first_name", "trop long"),
        ({"surprise": 1}, "surprise", "Ce champ n'est pas attendu."),
    ],
)
def test_invalid_registrations_are_refused_in_french(
    client, session, person, change, field, message
):
    for key, value in change.items():
        if value is None:
            person.pop(key, None)
        else:
            person[key] = value
    response = post_json(client, registrations_url(session), person)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert any(message in m for m in body["errors"][field]), body
    assert Registration.objects.count() == 0


def test_malformed_json_is_a_422(client, session):
    response = post_json(client, registrations_url(session), "{pas du json")
    assert response.status_code == 422
    assert response.json()["detail"] == "Le contenu envoyé n'est pas du JSON valide."


def test_registering_twice_is_a_422_with_the_reason(client, session, person):
    assert post_json(client, registrations_url(session), person).status_code == 201
    response = post_json(client, registrations_url(session), person)
    assert response.status_code == 422
    assert "déjà inscrit" in response.json()["detail"]


def test_cancelled_session_is_a_409(client, territory, estaires, person):
    session = make_session(territory, estaires, cancelled=True)
    response = post_json(client, registrations_url(session), person)
    assert response.status_code == 409
    assert response.json()["detail"] == "Cet atelier est annulé : on ne peut plus s'y inscrire."
    assert Registration.objects.count() == 0


def test_session_that_has_begun_is_a_409(client, territory, estaires, person):
    session = make_session(
        territory, estaires, start=paris(2026, 11, 27, 9), decision_at=paris(2026, 11, 25)
    )
    response = post_json(client, registrations_url(session), person)
    assert response.status_code == 409
    assert "déjà commencé" in response.json()["detail"]


def test_held_session_is_a_409(client, territory, estaires, person):
    session = make_session(territory, estaires, status=SessionStatus.HELD)
    assert post_json(client, registrations_url(session), person).status_code == 409


def test_unknown_or_unpublished_session_is_a_404(client, session, person):
    response = post_json(client, registrations_url(999999), person)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Atelier introuvable")
    session.workshop.status = "draft"
    session.workshop.save(update_fields=["status"])
    assert post_json(client, registrations_url(session), person).status_code == 404


def test_openapi_lists_the_workshop_endpoints(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    sessions = paths["/api/v1/sessions"]["get"]
    assert {p["name"] for p in sessions["parameters"]} == {"from", "to", "commune"}
    assert set(sessions["responses"]) == {"200", "404", "422"}
    post = paths["/api/v1/sessions/{session_id}/registrations"]["post"]
    assert set(post["responses"]) == {"201", "401", "403", "404", "409", "422", "429"}
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(body["required"]) == {"first_name", "last_name", "consent"}
    assert "default" not in body["properties"]["consent"]
    assert body["properties"]["consent"]["const"] is True
    assert "ateliers collectifs" in schema["info"]["description"]


def test_off_site_session_gives_its_own_place_never_the_venue(client, territory, estaires):
    session = make_session(territory, estaires, off_site=True)
    [row] = client.get(SESSIONS_URL, {"from": "2026-12-01", "to": "2026-12-31"}).json()
    assert row["id"] == session.pk
    assert row["venue"] == {"name": "Marché hebdomadaire", "address": "Place du Marché"}
    assert row["place"] == {
        "name": "Marché hebdomadaire",
        "address": "Place du Marché",
        "commune": "Estaires",
        "access": "Stand sous la halle, à côté de la fontaine.",
        "off_site": True,
    }
    assert "Médiathèque" not in str(row)
