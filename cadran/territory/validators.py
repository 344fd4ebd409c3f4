"""Checks of the national identifiers a territory or a venue gives (SIREN, SIRET) and of a
venue's coordinates, with their refusals in plain French."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError

# La Poste's establishments share one SIREN whose SIRETs follow another rule (sum of the
# digits a multiple of 5) instead of the Luhn key of every other SIRET (Insee).
LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    """14 digits with a valid key (Insee's Luhn rule, La Poste's own for its SIRETs)."""
    digits = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"\d{14}", digits):
        raise ValidationError("Un SIRET a 14 chiffres (annuaire-entreprises.data.gouv.fr).")
    if digits.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in digits) % 5 != 0:
            raise ValidationError("Ce SIRET de La Poste n'est pas valide : vérifiez les chiffres.")
    elif not luhn_ok(digits):
        raise ValidationError("Ce SIRET n'est pas valide : vérifiez les chiffres.")


def validate_latitude(value: Decimal | float | None) -> None:
    if value is not None and not -90 <= value <= 90:
        raise ValidationError("Une latitude est entre -90 et 90 (par exemple 50.6486).")


def validate_longitude(value: Decimal | float | None) -> None:
    if value is not None and not -180 <= value <= 180:
        raise ValidationError("Une longitude est entre -180 et 180 (par exemple 2.7165).")
