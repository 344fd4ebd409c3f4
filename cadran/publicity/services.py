"""The private calendar link of an adviser: create (shown once), revoke, read."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from cadran.accounts.enums import Role
from cadran.core import audit, clock
from cadran.core.tokens import hash_token, new_token

from .models import CalendarFeedToken

# The last reading is written at most this often (a calendar reads every hour or so).
LAST_USED_PRECISION = dt.timedelta(hours=1)


def may_have_feed(user) -> bool:
    """Advisers have a schedule of their own to follow in a calendar."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADVISER)


def _revoke_active(user, now: dt.datetime) -> int:
    return CalendarFeedToken.objects.filter(user=user).active().update(revoked_at=now)


@transaction.atomic
def create_feed_token(*, user) -> tuple[CalendarFeedToken, str]:
    """A new private link for ``user``; the previous one stops working. Returns the row and
    the clear secret, which is never stored (only its hash) and is shown once."""
    if not may_have_feed(user):
        raise PermissionDenied
    now = clock.now()
    replaced = _revoke_active(user, now)
    clear = new_token()
    row = CalendarFeedToken.objects.create(user=user, token_hash=hash_token(clear), created_at=now)
    audit.record(
        actor=user,
        obj=row,
        action="calendar_feed.created",
        description=(
            f"Nouveau lien d'agenda personnel pour {user}"
            + (" (l'ancien ne marche plus)." if replaced else ".")
        ),
        territory_id=user.territory_id,
    )
    return row, clear


@transaction.atomic
def revoke_feed_token(*, user) -> bool:
    """Stop ``user``'s private link at once. False when there was none."""
    active = CalendarFeedToken.objects.filter(user=user).active().first()
    if active is None:
        return False
    _revoke_active(user, clock.now())
    audit.record(
        actor=user,
        obj=active,
        action="calendar_feed.revoked",
        description=f"Lien d'agenda personnel de {user} révoqué.",
        territory_id=user.territory_id,
    )
    return True


def active_feed_token(user) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user).active().first()


def user_for_feed_token(token: str):
    """The adviser behind a private link, or None (unknown, revoked, or no longer allowed)."""
    if not token or len(token) > 100:
        return None
    row = (
        CalendarFeedToken.objects.active()
        .select_related("user")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if row is None or not may_have_feed(row.user):
        return None
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        CalendarFeedToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
