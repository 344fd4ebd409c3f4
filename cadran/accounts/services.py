"""API tokens of staff members: create (shown once), revoke, authenticate."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cadran.core import audit, clock
from cadran.core.tokens import hash_token, new_token

from .models import ApiToken, User

MAX_ACTIVE_TOKENS = 10


@transaction.atomic
def create_api_token(*, user: User, name: str, token: str | None = None) -> tuple[ApiToken, str]:
    """A new token acting with ``user``'s scope. Returns the row and the clear token, which
    is never stored (only its hash) and must be shown once. ``token`` is for the demo only."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Donnez un nom au jeton, par exemple « Tableur »."]})
    if ApiToken.objects.filter(user=user).active().count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"Vous avez déjà {MAX_ACTIVE_TOKENS} jetons actifs. Révoquez-en un d'abord."
        )
    clear = token or new_token()
    row = ApiToken.objects.create(
        user=user, name=name[:100], token_hash=hash_token(clear), prefix=clear[:8]
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


def authenticate_api_token(clear: str) -> User | None:
    """The active member of staff a clear token belongs to, or None (unknown, revoked or
    account disabled). Notes when the token was last used (at most once a minute)."""
    if not clear:
        return None
    row = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(token_hash=hash_token(clear), user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = clock.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
