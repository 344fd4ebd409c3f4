"""Second factor: TOTP codes (an authenticator app) and single-use recovery codes.

Who must use it: the roles that see inhabitants' personal data, when
``CADRAN_REQUIRE_2FA`` is on (production). Anyone who has turned it on is asked for a
code at every login too. A session is "verified" once a code was accepted after the
password; the middleware (cadran.core.middleware) keeps unverified sessions out of the
staff pages.
"""

from __future__ import annotations

import hmac
import secrets

import pyotp
import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from cadran.core import audit, clock
from cadran.core.tokens import hash_token

from .models import RecoveryCode, User

SESSION_VERIFIED = "cadran_2fa_verified"
SESSION_PENDING_SECRET = "cadran_2fa_pending_secret"  # noqa: S105 — a session key name
RECOVERY_CODE_COUNT = 10
# Codes of the previous and next 30-second step are accepted: phones' clocks drift.
VALID_WINDOW = 1
# Easy to read aloud and type: no 0/O, 1/I/L.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"

WRONG_CODE = (
    "Ce code ne marche pas. Tapez le code à 6 chiffres affiché maintenant par l'application."
)


def must_use_second_factor(user) -> bool:
    """The account may not open staff pages without a second factor."""
    return bool(settings.CADRAN_REQUIRE_2FA and user.is_authenticated and user.sees_personal_data)


def needs_verification(user) -> bool:
    """This login must be confirmed by a code (required, or turned on by the user)."""
    return user.is_authenticated and (must_use_second_factor(user) or user.has_second_factor)


def is_verified(request) -> bool:
    return request.session.get(SESSION_VERIFIED) == request.user.pk


def mark_verified(request) -> None:
    request.session[SESSION_VERIFIED] = request.user.pk
    # A new session key once the second step is passed, as after the password.
    request.session.cycle_key()


def forget_verification(session) -> None:
    session.pop(SESSION_VERIFIED, None)


# --- Enrolment ---------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=settings.CADRAN_TOTP_ISSUER
    )


def qr_code_svg(uri: str) -> str:
    """The QR code as an inline <svg> with a title (no style attribute, no script)."""
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(
        scale=5, light="#fff", title="Code QR à scanner avec l'application d'authentification"
    )
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def format_secret(secret: str) -> str:
    """The secret in groups of four letters, easier to copy by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _check_totp(secret: str, code: str, *, last_step: int | None) -> int | None:
    """The time step the code belongs to, or None. A step already used is refused."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now()
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = current + offset
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


@transaction.atomic
def confirm_enrolment(*, user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on once the app shows the right code. Returns the recovery
    codes (to show once)."""
    step = _check_totp(secret, code, last_step=None)
    if step is None:
        raise ValidationError({"code": [WRONG_CODE]})
    user.totp_secret = secret
    user.totp_confirmed_at = clock.now()
    user.totp_last_step = step
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    codes = _replace_recovery_codes(user)
    audit.record(
        actor=user,
        obj=user,
        action="account.2fa_enabled",
        description=f"Double authentification activée pour {user}.",
        territory_id=user.territory_id,
    )
    return codes


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=hash_token(_normalise_recovery_code(c))) for c in codes
    )
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    if not user.has_second_factor:
        raise ValidationError("Activez d'abord la double authentification.")
    codes = _replace_recovery_codes(user)
    audit.record(
        actor=user,
        obj=user,
        action="account.recovery_codes_renewed",
        description=f"Nouveaux codes de secours pour {user}.",
        territory_id=user.territory_id,
    )
    return codes


@transaction.atomic
def disable_second_factor(*, user: User, by: User) -> None:
    """Used by the Service Culture (admin) when someone lost their phone and their codes."""
    user.totp_secret = ""
    user.totp_confirmed_at = None
    user.totp_last_step = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    RecoveryCode.objects.filter(user=user).delete()
    audit.record(
        actor=by,
        obj=user,
        action="account.2fa_reset",
        description=f"Double authentification de {user} remise à zéro par {by}.",
        territory_id=user.territory_id,
    )


# --- Login ----------------------------------------------------------------------------------


@transaction.atomic
def verify_code(*, user: User, code: str) -> str:
    """Accept a TOTP code or an unused recovery code. Returns "totp" or "recovery";
    raises ValidationError (French) otherwise."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.has_second_factor:
        raise ValidationError("La double authentification n'est pas activée sur ce compte.")
    step = _check_totp(locked.totp_secret, code, last_step=locked.totp_last_step)
    if step is not None:
        User.objects.filter(pk=locked.pk).update(totp_last_step=step)
        user.totp_last_step = step
        return "totp"
    normalised = _normalise_recovery_code(code)
    if len(normalised) == 10:
        used = RecoveryCode.objects.filter(
            user=locked, code_hash=hash_token(normalised), used_at__isnull=True
        ).update(used_at=clock.now())
        if used:
            left = RecoveryCode.objects.filter(user=locked, used_at__isnull=True).count()
            audit.record(
                actor=locked,
                obj=locked,
                action="account.recovery_code_used",
                description=f"Code de secours utilisé par {locked} ({left} restants).",
                territory_id=locked.territory_id,
            )
            return "recovery"
    raise ValidationError({"code": [WRONG_CODE]})


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
