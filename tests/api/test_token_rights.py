"""Token rights and expiry on the staff endpoints (issue 15): 401/403 with French bodies."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cadran.accounts.models import ApiToken
from cadran.accounts.services import create_api_token
from cadran.core.clock import PARIS

pytestmark = pytest.mark.usefixtures("frozen_now")

REPORTS = "/api/v1/reports/attendance"
ACTIVITIES = "/api/v1/activities"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_without_reports_right_is_refused_on_reports(client, culture_user, estaires):
    _row, clear = create_api_token(user=culture_user, name="Outil", scopes=["activities:read"])
    response = client.get(REPORTS, {"commune": estaires.insee_code}, **bearer(clear))
    assert response.status_code == 403
    body = response.json()
    assert "Lire les rapports de fréquentation" in body["detail"] and body["errors"] == {}
    assert client.get(ACTIVITIES, **bearer(clear)).status_code == 200


def test_token_with_reports_right_reads_reports(client, culture_user, estaires):
    _row, clear = create_api_token(user=culture_user, name="Outil", scopes=["reports:read"])
    response = client.get(REPORTS, {"commune": estaires.insee_code}, **bearer(clear))
    assert response.status_code == 200
    assert client.get(ACTIVITIES, **bearer(clear)).status_code == 403


def test_expired_token_gets_401_at_the_exact_second(client, culture_user, estaires):
    row, clear = create_api_token(user=culture_user, name="Outil")
    noon = dt.datetime(2027, 3, 1, 12, 0, 0, tzinfo=PARIS)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=noon)
    params = {"commune": estaires.insee_code, "from": "2026-01-01", "to": "2026-12-31"}
    with time_machine.travel(noon - dt.timedelta(seconds=1), tick=False):
        assert client.get(REPORTS, params, **bearer(clear)).status_code == 200
    with time_machine.travel(noon, tick=False):
        response = client.get(REPORTS, params, **bearer(clear))
    assert response.status_code == 401
    assert "a expiré le 01/03/2027 à 12:00" in response.json()["detail"]


def test_reports_without_token_is_a_documented_401(client):
    assert client.get(REPORTS, {"commune": "59212"}).status_code == 401
    schema = client.get("/api/v1/openapi.json").json()
    responses = schema["paths"][REPORTS]["get"]["responses"]
    assert {"401", "403"} <= set(responses)
