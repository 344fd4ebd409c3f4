"""« Mes jetons d'API »: created by staff for themselves, shown once, stored hashed, revocable."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cadran.accounts.models import ApiToken
from cadran.accounts.services import authenticate_api_token, create_api_token, revoke_api_token
from cadran.core.models import AuditLog
from cadran.core.tokens import hash_token

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_token_is_shown_once_and_stored_hashed(client, culture_user):
    client.force_login(culture_user)
    url = reverse("accounts:api_tokens")
    response = client.post(url, {"name": "Tableur"})
    assert response.status_code == 200
    clear = re.search(r'id="nouveau-jeton"[^>]*value="([^"]+)"', response.content.decode()).group(1)
    row = ApiToken.objects.get()
    assert row.user == culture_user and row.token_hash == hash_token(clear) != clear
    assert clear not in str(ApiToken.objects.values_list())
    again = client.get(url).content.decode()
    assert clear not in again and "Tableur" in again and row.prefix in again
    assert authenticate_api_token(clear) == culture_user
    assert AuditLog.objects.filter(action="api_token.created").count() == 1


def test_name_is_required(client, adviser):
    client.force_login(adviser)
    response = client.post(reverse("accounts:api_tokens"), {"name": ""})
    assert "Donnez un nom au jeton." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke(client, adviser):
    row, clear = create_api_token(user=adviser, name="Outil")
    client.force_login(adviser)
    response = client.post(reverse("accounts:api_token_revoke", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert authenticate_api_token(clear) is None


def test_nobody_sees_or_revokes_another_persons_token(client, adviser, coordinator):
    row, clear = create_api_token(user=adviser, name="Outil")
    client.force_login(coordinator)
    assert "Outil" not in client.get(reverse("accounts:api_tokens")).content.decode()
    assert client.post(reverse("accounts:api_token_revoke", args=[row.pk])).status_code == 404
    assert authenticate_api_token(clear) == adviser
    with pytest.raises(Exception, match="pas à vous"):
        revoke_api_token(token=row, by=coordinator)


def test_disabled_account_token_stops_working(adviser):
    _row, clear = create_api_token(user=adviser, name="Outil")
    adviser.is_active = False
    adviser.save()
    assert authenticate_api_token(clear) is None


def test_login_required(client):
    response = client.get(reverse("accounts:api_tokens"))
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_referent_may_have_tokens(client, referent):
    # A token carries its owner's scope: a referent's reads only the referent's commune.
    client.force_login(referent)
    assert client.post(reverse("accounts:api_tokens"), {"name": "Rapport"}).status_code == 200
    assert ApiToken.objects.get().user == referent


def test_revoke_requires_post(client, adviser):
    row, _ = create_api_token(user=adviser, name="Outil")
    client.force_login(adviser)
    assert client.get(reverse("accounts:api_token_revoke", args=[row.pk])).status_code == 405
