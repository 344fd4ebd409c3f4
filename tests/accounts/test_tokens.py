"""« Mes jetons d'API »: created by staff for themselves, shown once, stored hashed, revocable."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.accounts.models import ApiScope, ApiToken, one_year_after
from cadran.accounts.services import (
    ApiTokenRefused,
    authenticate_api_token,
    create_api_token,
    extend_api_token,
    revoke_api_token,
    use_api_token,
)
from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.core.tokens import hash_token

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_token_is_shown_once_and_stored_hashed(client, culture_user):
    client.force_login(culture_user)
    url = reverse("accounts:api_tokens")
    response = client.post(url, {"name": "Tableur", "scopes": ["reports:read"]})
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
    assert (
        client.post(
            reverse("accounts:api_tokens"), {"name": "Rapport", "scopes": ["reports:read"]}
        ).status_code
        == 200
    )
    assert ApiToken.objects.get().user == referent


def test_revoke_requires_post(client, adviser):
    row, _ = create_api_token(user=adviser, name="Outil")
    client.force_login(adviser)
    assert client.get(reverse("accounts:api_token_revoke", args=[row.pk])).status_code == 405


# --- Expiry, rights (scopes), last use (issue 15) ---


def test_created_token_has_the_chosen_rights_and_expires_a_year_later(client, culture_user):
    client.force_login(culture_user)
    response = client.post(
        reverse("accounts:api_tokens"),
        {"name": "Tableur", "scopes": ["reports:read", "activities:read"]},
    )
    row = ApiToken.objects.get()
    # Stored in the order of the list, whatever the order of the boxes.
    assert row.scopes == ["activities:read", "reports:read"]
    assert row.expires_at == one_year_after(row.created_at)
    page = response.content.decode()
    assert f"{row.expires_at.astimezone(PARIS):%d/%m/%Y}" in page
    assert "Lire les rapports de fréquentation" in page and "Prolonger d'un an" in page


def test_at_least_one_right_is_required(client, adviser):
    client.force_login(adviser)
    response = client.post(reverse("accounts:api_tokens"), {"name": "Outil"})
    assert "Cochez au moins un droit pour ce jeton." in response.content.decode()
    assert not ApiToken.objects.exists()
    with pytest.raises(ValidationError, match="au moins un droit"):
        create_api_token(user=adviser, name="Outil", scopes=[])
    with pytest.raises(ValidationError, match="Droit inconnu"):
        create_api_token(user=adviser, name="Outil", scopes=["admin"])


def test_demo_and_scripts_get_every_right_by_default(adviser):
    row, _ = create_api_token(user=adviser, name="Outil")
    assert row.scopes == ApiScope.values


def test_token_works_until_the_second_before_it_expires(adviser):
    row, clear = create_api_token(user=adviser, name="Outil")
    noon = dt.datetime(2027, 3, 1, 12, 0, 0, tzinfo=PARIS)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=noon)
    with time_machine.travel(noon - dt.timedelta(seconds=1), tick=False):
        assert use_api_token(clear).pk == row.pk
    with time_machine.travel(noon, tick=False):
        with pytest.raises(ApiTokenRefused) as refused:
            use_api_token(clear)
        assert refused.value.status == 401
        assert "a expiré le 01/03/2027 à 12:00" in refused.value.message
        assert authenticate_api_token(clear) is None


def test_token_without_the_right_is_refused_with_403(adviser):
    _row, clear = create_api_token(user=adviser, name="Outil", scopes=["activities:read"])
    assert use_api_token(clear, scope=ApiScope.READ_ACTIVITIES).user == adviser
    with pytest.raises(ApiTokenRefused) as refused:
        use_api_token(clear, scope=ApiScope.READ_REPORTS)
    assert refused.value.status == 403
    assert "Lire les rapports de fréquentation" in refused.value.message


def test_extend_gives_a_year_from_today_even_once_expired(client, adviser):
    row, clear = create_api_token(user=adviser, name="Outil")
    later = row.expires_at + dt.timedelta(days=3)
    with time_machine.travel(later, tick=False):
        assert authenticate_api_token(clear) is None
        client.force_login(adviser)
        page = client.get(reverse("accounts:api_tokens")).content.decode()
        assert "Expiré" in page
        response = client.post(reverse("accounts:api_token_extend", args=[row.pk]), follow=True)
        row.refresh_from_db()
        assert row.expires_at == one_year_after(later)
        assert "est prolongé" in response.content.decode()
        assert authenticate_api_token(clear) == adviser
    assert AuditLog.objects.filter(action="api_token.extended").count() == 1


def test_revoked_token_cannot_be_extended_nor_others_tokens(client, adviser, coordinator):
    row, clear = create_api_token(user=adviser, name="Outil")
    with pytest.raises(ValidationError, match="pas à vous"):
        extend_api_token(token=row, by=coordinator)
    client.force_login(coordinator)
    assert client.post(reverse("accounts:api_token_extend", args=[row.pk])).status_code == 404
    revoke_api_token(token=row, by=adviser)
    before = row.expires_at
    with pytest.raises(ValidationError, match="révoqué"):
        extend_api_token(token=row, by=adviser)
    row.refresh_from_db()
    assert row.expires_at == before and authenticate_api_token(clear) is None


def test_last_use_is_noted_at_most_once_a_minute_and_shown(client, adviser):
    row, clear = create_api_token(user=adviser, name="Outil")
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False):
        use_api_token(clear)
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        use_api_token(clear)
    row.refresh_from_db()
    assert row.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        use_api_token(clear)
    row.refresh_from_db()
    assert row.last_used_at == start + dt.timedelta(seconds=61)
    client.force_login(adviser)
    assert "01/12/2026 09:01" in client.get(reverse("accounts:api_tokens")).content.decode()


def test_a_refused_use_is_not_noted(adviser):
    row, clear = create_api_token(user=adviser, name="Outil", scopes=["activities:read"])
    with pytest.raises(ApiTokenRefused):
        use_api_token(clear, scope=ApiScope.READ_REPORTS)
    row.refresh_from_db()
    assert row.last_used_at is None
