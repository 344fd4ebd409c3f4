"""Who may register: the workshops are free for the inhabitants of the territory's communes
and for the members of its library network (docs/ateliers.md, « Les inscriptions »).

Pure functions: no database, so hypothesis checks them. The service loads the territory's
INSEE codes and card format, then calls :func:`check_eligibility`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from .enums import EligibilityBasis

DEFAULT_CARD_PATTERN = r"^[0-9]{6,10}$"


class Ineligible(ValueError):
    """The person is neither a resident nor a member of the library network.

    ``field`` names the input the reason is about (``commune_insee`` or ``library_card``).
    """

    def __init__(self, message: str, field: str = "commune_insee") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Eligibility:
    basis: str  # EligibilityBasis value
    commune_insee: str = ""
    library_card: str = ""


def normalize_insee(code: str) -> str:
    return (code or "").strip().upper()


def normalize_card(card: str) -> str:
    """Spaces and dashes people type between groups of digits are dropped."""
    return re.sub(r"[\s\-]", "", card or "").upper()


def card_matches(card: str, pattern: str) -> bool:
    """Whether a (normalized) card number has the territory's format. A broken pattern in
    the configuration never lets anything through."""
    if not card:
        return False
    try:
        return re.fullmatch(pattern or DEFAULT_CARD_PATTERN, card) is not None
    except re.error:
        return False


def check_eligibility(
    *,
    territory_insee_codes: Collection[str],
    card_pattern: str,
    commune_insee: str = "",
    library_card: str = "",
) -> Eligibility:
    """Resident of a commune of the territory, or holder of a valid library card.

    Residence is checked first: a resident need not give a card. Raises :class:`Ineligible`
    with the reason, in plain French (the caller adds the Service Culture's contact).
    """
    insee = normalize_insee(commune_insee)
    card = normalize_card(library_card)
    if insee and insee in territory_insee_codes:
        return Eligibility(EligibilityBasis.RESIDENT, commune_insee=insee)
    if card and card_matches(card, card_pattern):
        return Eligibility(EligibilityBasis.LIBRARY_MEMBER, commune_insee=insee, library_card=card)
    if card:
        raise Ineligible(
            "Ce numéro de carte de bibliothèque ne correspond pas au format du réseau des "
            "médiathèques. Vérifiez-le sur votre carte.",
            field="library_card",
        )
    if insee:
        raise Ineligible(
            "Les ateliers sont réservés aux habitants des communes du territoire et aux "
            "inscrits du réseau des médiathèques. Votre commune n'en fait pas partie : "
            "si vous avez une carte de bibliothèque du réseau, indiquez son numéro."
        )
    raise Ineligible(
        "Indiquez votre commune ou votre numéro de carte de bibliothèque : les ateliers "
        "sont réservés aux habitants du territoire et aux inscrits du réseau des médiathèques."
    )
