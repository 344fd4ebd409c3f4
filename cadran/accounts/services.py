"""API tokens of staff members: create (shown once), extend, revoke, authenticate."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction

from cadran.core import audit, clock
from cadran.core.tokens import hash_token, new_token

from .models import ApiScope, ApiToken, User, all_api_scopes, one_year_after

MAX_ACTIVE_TOKENS = 10

REFUSED_UNKNOWN = (
    "Jeton d'API inconnu ou révoqué. Créez-en un nouveau sur la page « Mes jetons d'API »."
)
REFUSED_EXPIRED = (
    "Ce jeton d'API a expiré le {date}. Prolongez-le d'un an sur la page « Mes jetons d'API »."
)
REFUSED_SCOPE = (
    "Ce jeton d'API ne permet pas de {action}. Créez un jeton avec le droit "
    "« {label} » sur la page « Mes jetons d'API »."
)
SCOPE_ACTIONS = {
    ApiScope.READ_ACTIVITIES: "lire les comptes rendus d'activité",
    ApiScope.READ_REPORTS: "lire les rapports de fréquentation",
    ApiScope.BOOK: "prendre rendez-vous pour une personne",
}


class ApiTokenRefused(Exception):
    """A token that cannot be used here: ``status`` 401 (unknown, revoked, expired) or 403
    (it lacks the right for this endpoint); ``message`` is the French sentence to return."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@transaction.atomic
def create_api_token(
    *,
    user: User,
    name: str,
    scopes: Collection[str] | None = None,
    token: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token acting with ``user``'s scope, limited to ``scopes`` (all of them when
    None: the demo and scripts), valid one year. Returns the row and the clear token, which
    is never stored (only its hash) and must be shown once. ``token`` is for the demo only."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Donnez un nom au jeton, par exemple « Tableur »."]})
    chosen = all_api_scopes() if scopes is None else [str(s) for s in scopes]
    if not chosen:
        raise ValidationError({"scopes": ["Cochez au moins un droit pour ce jeton."]})
    if any(scope not in ApiScope.values for scope in chosen):
        raise ValidationError({"scopes": ["Droit inconnu."]})
    chosen = [value for value in ApiScope.values if value in chosen]
    if ApiToken.objects.filter(user=user).active().count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"Vous avez déjà {MAX_ACTIVE_TOKENS} jetons actifs. Révoquez-en un d'abord."
        )
    clear = token or new_token()
    now = clock.now()
    row = ApiToken.objects.create(
        user=user,
        name=name[:100],
        token_hash=hash_token(clear),
        prefix=clear[:8],
        scopes=chosen,
        created_at=now,
        expires_at=one_year_after(now),
    )
    audit.record(
        actor=user,
        obj=row,
        action="api_token.created",
        description=f"Jeton d'API « {row.name} » créé pour {user}.",
        territory_id=user.territory_id,
    )
    return row, clear


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User) -> ApiToken:
    if token.user_id != by.pk:
        raise ValidationError("Ce jeton n'est pas à vous.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=by,
            obj=token,
            action="api_token.revoked",
            description=f"Jeton d'API « {token.name} » révoqué.",
            territory_id=by.territory_id,
        )
    return token


@transaction.atomic
def extend_api_token(*, token: ApiToken, by: User) -> ApiToken:
    """« Prolonger d'un an »: the token is valid until one year from now (an expired token
    too; a revoked one never again)."""
    if token.user_id != by.pk:
        raise ValidationError("Ce jeton n'est pas à vous.")
    if token.revoked_at is not None:
        raise ValidationError("Ce jeton est révoqué : il ne peut plus être prolongé.")
    token.expires_at = max(token.expires_at, one_year_after(clock.now()))
    token.save(update_fields=["expires_at"])
    audit.record(
        actor=by,
        obj=token,
        action="api_token.extended",
        description=f"Jeton d'API « {token.name} » prolongé jusqu'au "
        f"{clock.paris(token.expires_at):%d/%m/%Y}.",
        territory_id=by.territory_id,
    )
    return token


def use_api_token(clear: str, *, scope: str | None = None) -> ApiToken:
    """The token a program sends, checked for ``scope``; raises ``ApiTokenRefused`` (401:
    unknown, revoked, account disabled or expired; 403: without this right). Notes when
    the token was last used (at most once a minute)."""
    row = None
    if clear:
        row = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(token_hash=hash_token(clear), user__is_active=True)
            .first()
        )
    if row is None:
        raise ApiTokenRefused(401, REFUSED_UNKNOWN)
    now = clock.now()
    if row.is_expired(now):
        date = clock.paris(row.expires_at)
        raise ApiTokenRefused(401, REFUSED_EXPIRED.format(date=f"{date:%d/%m/%Y à %H:%M}"))
    if scope is not None and not row.has_scope(scope):
        label = ApiScope(scope).label
        action = SCOPE_ACTIONS[ApiScope(scope)]
        raise ApiTokenRefused(403, REFUSED_SCOPE.format(action=action, label=label))
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def authenticate_api_token(clear: str) -> User | None:
    """The active member of staff a valid clear token belongs to, or None (unknown,
    revoked, expired or account disabled)."""
    try:
        return use_api_token(clear).user
    except ApiTokenRefused:
        return None
