from __future__ import annotations

import pytest

from cadran.accounts.services import create_api_token
from tests.reporting.conftest import NOVEMBER, SECRET_NAMES, history, sql_appointments  # noqa: F401, F811

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("history")]
URL = "/api/v1/reports/attendance"


def get(client, user, **params):
    _row, token = create_api_token(user=user, name="Tableur")
    return client.get(URL, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_culture_service_reads_exact_figures(client, culture_user, estaires):
    response = get(
        client, culture_user, commune="59212", **{"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["appointments"]["seen"] == sql_appointments(estaires.pk, NOVEMBER, "seen") == 5
    assert data["appointments"]["noshow"] == 1
    assert data["hours"] == {"offered": 9.0, "used": 5.0}


def test_referent_own_commune_masked_other_404(client, referent):
    response = get(client, referent, commune="59212", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200
    body = response.content.decode()
    assert response.json()["appointments"]["noshow"] == "< 3"
    assert not any(name in body for name in SECRET_NAMES)
    assert "Merville" not in body
    assert get(client, referent, commune="59400").status_code == 404


def test_adviser_forbidden_and_no_token_401(client, adviser):
    assert get(client, adviser, commune="59212").status_code == 403
    assert client.get(URL, {"commune": "59212"}).status_code == 401
