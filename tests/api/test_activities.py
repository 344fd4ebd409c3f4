"""``GET /api/v1/activities``: staff token (Bearer), owner's scope, Coop vocabulary."""

from __future__ import annotations

import pytest

from cadran.accounts.services import create_api_token, revoke_api_token
from cadran.activity.models import ActivityParticipant, ActivityRecord
from tests import factories as f
from tests.activity.factories import ActivityRecordFactory

pytestmark = pytest.mark.usefixtures("frozen_now")
URL = "/api/v1/activities"


def get(client, token: str | None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(URL, params, headers=headers)


@pytest.fixture
def data(adviser, territory):
    other = f.UserFactory(adviser=True, territory=territory)
    mine = ActivityRecordFactory(adviser=adviser, participants=[{"genre": "feminin"}])
    workshop = ActivityRecordFactory(adviser=adviser, collective=True)
    theirs = ActivityRecordFactory(adviser=other)
    stranger = ActivityRecordFactory()  # another territory
    return mine, workshop, theirs, stranger


def test_adviser_token_reads_own_records_in_coop_vocabulary(client, adviser, data):
    mine, workshop, _theirs, _stranger = data
    _row, token = create_api_token(user=adviser, name="Outil")
    response = get(client, token, **{"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200
    body = response.json()
    assert {r["id"] for r in body} == {mine.pk, workshop.pk}
    record = next(r for r in body if r["id"] == mine.pk)
    assert record["type"] == "individuel" and record["type_lieu"] == "lieu_activite"
    assert record["duree"] == 60 and record["date"] == "2026-11-25"
    assert record["thematiques"] == ["aide_aux_demarches_administratives"]
    assert record["materiel"] == ["ordinateur"]
    assert record["autonomie"] == "partiellement_autonome"
    assert record["oriente_vers_structure"] is False
    assert record["lieu_code_insee"] == mine.place_insee
    assert record["genres"] == {"feminin": 1}
    collective = next(r for r in body if r["id"] == workshop.pk)
    assert collective["accompagnements"] == 3
    assert collective["genres"] == {"feminin": 2, "masculin": 1}
    assert collective["tranches_age"] == {"soixante_dix_plus": 3}
    assert collective["statuts"] == {"retraite": 3}


def test_territory_token_reads_the_territory(client, culture_user, data):
    _row, token = create_api_token(user=culture_user, name="Tableau")
    body = get(client, token, **{"from": "2026-11-01", "to": "2026-11-30"}).json()
    mine, workshop, theirs, stranger = data
    assert {r["id"] for r in body} == {mine.pk, workshop.pk, theirs.pk}
    territory_records = ActivityRecord.objects.filter(territory=culture_user.territory)
    people = ActivityParticipant.objects.filter(record__in=territory_records).count() + sum(
        territory_records.values_list("anon_total", flat=True)
    )
    assert sum(r["accompagnements"] for r in body) == people


@pytest.mark.parametrize("role", ["referent", "librarian"])
def test_other_roles_are_forbidden(client, request, role, data):
    user = request.getfixturevalue(role)
    _row, token = create_api_token(user=user, name="Outil")
    response = get(client, token)
    assert response.status_code == 403
    assert "ne donne pas accès" in response.json()["detail"]


def test_missing_wrong_and_revoked_tokens(client, adviser, data):
    response = get(client, None)
    assert response.status_code == 401 and "Jeton d'API manquant" in response.json()["detail"]
    response = get(client, "pas-un-vrai-jeton")
    assert response.status_code == 401 and "inconnu ou révoqué" in response.json()["detail"]
    response = client.get(URL, headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    row, token = create_api_token(user=adviser, name="Outil")
    assert get(client, token).status_code == 200
    revoke_api_token(token=row, by=adviser)
    response = get(client, token)
    assert response.status_code == 401 and "inconnu ou révoqué" in response.json()["detail"]


def test_default_period_and_bad_period(client, adviser, data):
    _row, token = create_api_token(user=adviser, name="Outil")
    assert len(get(client, token).json()) == 2  # last 31 days by default
    response = get(client, token, **{"from": "2026-11-30", "to": "2026-11-01"})
    assert response.status_code == 422
    assert get(client, token, **{"from": "2025-01-01", "to": "2026-11-30"}).status_code == 422


def test_queries_do_not_grow(client, adviser, django_assert_num_queries):
    ActivityRecordFactory(adviser=adviser)
    _row, token = create_api_token(user=adviser, name="Outil")
    get(client, token)  # last_used_at written once
    with django_assert_num_queries(6):
        assert len(get(client, token).json()) == 1
    ActivityRecordFactory.create_batch(20, adviser=adviser)
    with django_assert_num_queries(6):
        assert len(get(client, token).json()) == 21


def test_openapi_documents_the_bearer_scheme(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/activities" in schema["paths"]
    assert any(
        s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values()
    )


@pytest.mark.parametrize("value", ["0", "1735689600", "2026-1-5", "1999-12-31", "3000-01-01"])
def test_activities_refuse_what_is_not_a_day_of_the_schema(client, db, value):
    # Issue 15: ``to=0`` was read as 1970-01-01 by pydantic; the schema says AAAA-MM-JJ.
    from cadran.accounts.services import create_api_token
    from tests import factories as f

    user = f.UserFactory(culture_service=True)
    _row, clear = create_api_token(user=user, name="Outil")
    response = client.get("/api/v1/activities", {"to": value}, HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["to"]
