"""Hostile input never gives a 500: a body nested thousands deep, a NUL character in a path,
a query, a form or a cookie, dates at the ends of the calendar. Found on PostgreSQL (which
refuses NUL in text) and with deep bodies; `.ci/run` runs this file on both databases."""

from __future__ import annotations

import json

import pytest

from cadran.accounts.services import create_api_token
from cadran.core.input_guard import MAX_NESTING
from cadran.scheduling.models import Appointment, Beneficiary

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

DEEP = "[" * 10_000
DEEP_OBJECT = '{"slot": ' * 5_000 + "1" + "}" * 5_000


def assert_french_api_refusal(response) -> None:
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["detail"] and body["errors"]["__all__"] == [body["detail"]]
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/appointments", "/api/v1/appointments/cancel"])
@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/octet-stream", ""]
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_body_on_the_api_is_refused_in_french(
    client, permanence, path, content_type, body
):
    before = (Appointment.objects.count(), Beneficiary.objects.count())
    response = client.post(path, data=body, content_type=content_type)
    assert_french_api_refusal(response)
    assert "imbriqué" in response.json()["detail"]
    assert (Appointment.objects.count(), Beneficiary.objects.count()) == before


def test_nesting_just_under_the_limit_reaches_the_api(client, permanence):
    """The guard refuses only what is too deep: MAX_NESTING levels is a normal, if useless,
    body that the API itself answers (here: the fields are missing)."""
    body = "[" * MAX_NESTING + "]" * MAX_NESTING
    response = client.post("/api/v1/appointments", data=body, content_type="application/json")
    assert response.status_code == 422
    assert "imbriqué" not in response.json()["detail"]
    deeper = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    response = client.post("/api/v1/appointments", data=deeper, content_type="application/json")
    assert "imbriqué" in response.json()["detail"]


def test_deeply_nested_body_on_a_public_form_gets_the_french_400_page(client, permanence):
    response = client.post("/communes/estaires/creneaux/x/", data=DEEP, content_type="text/plain")
    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Demande incorrecte</h1>" in page
    assert "Retour à l'accueil" in page and 'class="site-header"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/communes/a%00b/slots",
        "/api/v1/communes/59212/slots?from=2026-12-01%00",
        "/api/v1/sessions?commune=a%00b",
        "/api/v1/appointments/a%00b",
    ],
)
def test_nul_in_api_path_or_query_is_refused(client, permanence, path):
    assert_french_api_refusal(client.get(path))


def test_nul_in_staff_report_query_is_refused(client, culture_user):
    _row, token = create_api_token(user=culture_user, name="Outil")
    response = client.get(
        "/api/v1/reports/attendance?commune=a%00b", headers={"Authorization": f"Bearer {token}"}
    )
    assert_french_api_refusal(response)


@pytest.mark.parametrize(
    "path",
    ["/communes/a%00b/", "/rendez-vous/a%00b/", "/ateliers/?commune=a%00b", "/widget/59%0012/"],
)
def test_nul_in_a_page_address_gets_the_french_400_page(client, permanence, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()


def test_nul_in_a_json_string_is_refused(client, permanence):
    body = json.dumps({"slot": "x", "first_name": "Jean\x00ne", "consent": True})
    assert "\\u0000" in body
    response = client.post("/api/v1/appointments", data=body, content_type="application/json")
    assert_french_api_refusal(response)


def test_nul_in_a_form_field_gets_the_fields_french_error(client, territory):
    """Forms are left to their fields, which refuse NUL beside the field and keep the rest."""
    response = client.post("/compte/connexion/", {"username": "a\x00b@c.fr", "password": "x"})
    assert response.status_code == 200
    assert "Le caractère nul n’est pas autorisé." in response.content.decode()


def test_nul_in_the_session_cookie_is_refused(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get("/espace/")
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_activities_at_the_ends_of_the_calendar(client, culture_user, value):
    _row, token = create_api_token(user=culture_user, name="Outil")
    for name in ("to", "from"):
        response = client.get(
            "/api/v1/activities", {name: value}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 422, (name, response.content[:300])
        assert response.json()["errors"][name]


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_attendance_report_at_the_ends_of_the_calendar(client, culture_user, estaires, value):
    _row, token = create_api_token(user=culture_user, name="Outil")
    response = client.get(
        "/api/v1/reports/attendance",
        {"commune": "59212", "from": value, "to": value},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.json()["errors"]["from"]


def test_activities_default_period_still_works_at_the_earliest_date(client, culture_user):
    """``to`` = the first accepted day: the default ``from`` (30 days before) is clamped."""
    _row, token = create_api_token(user=culture_user, name="Outil")
    response = client.get(
        "/api/v1/activities", {"to": "2000-01-01"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json() == []
