"""The national list of communes (data/communes.csv, see data/SOURCE.md): find a commune
of anywhere in France by its name or its postcode, for the people who live outside the
territory. Read once, on first use; nothing goes to the network."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "communes.csv"
# More prefix matches than this: ask for the whole name or the postcode instead of a list.
MAX_MATCHES = 15

_POSTCODE = re.compile(r"^\d{5}$")
_DEPARTMENT = re.compile(r"^(\d{2,3}|2[ab])$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


@dataclass(frozen=True)
class FrenchCommune:
    insee: str
    name: str
    postcodes: tuple[str, ...]
    department: str

    @property
    def label(self) -> str:
        """« Merville (59660) », the name with what tells two homonyms apart."""
        codes = ", ".join(self.postcodes[:3]) + (", …" if len(self.postcodes) > 3 else "")
        return f"{self.name} ({codes or self.department})"


class CommuneNotFound(Exception):
    """Nothing matches; ``str()`` is the French message shown to the adviser."""


def normalize(text: str) -> str:
    """Lower case, no accents, words separated by one space, « St » read « Saint »."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


@cache
def _communes() -> tuple[tuple[FrenchCommune, str], ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(
            (
                FrenchCommune(
                    insee=row["insee"],
                    name=row["nom"],
                    postcodes=tuple(row["codes_postaux"].split()),
                    department=row["departement"],
                ),
                normalize(row["nom"]),
            )
            for row in csv.DictReader(fh)
        )


@cache
def _by_insee() -> dict[str, FrenchCommune]:
    return {c.insee: c for c, _ in _communes()}


def get(insee: str) -> FrenchCommune | None:
    """The commune of this INSEE code, or None."""
    return _by_insee().get((insee or "").strip().upper())


def search(text: str) -> list[FrenchCommune]:
    """The communes ``text`` designates: a postcode (or INSEE code) gives the communes
    that have it; a name gives the communes of exactly that name, or else those whose
    name starts with it. « Merville 59 » or « Merville 59660 » narrows by department or
    postcode. Sorted by name then code. Raises ``CommuneNotFound`` (French message) when
    there is nothing, or too much, to choose from."""
    query = normalize(text)
    if not query:
        raise CommuneNotFound("Écrivez le nom de la commune ou son code postal.")
    words = query.split()
    if len(words) == 1 and _POSTCODE.match(words[0]):
        code = words[0]
        found = [c for c, _ in _communes() if code in c.postcodes or c.insee == code]
        if not found:
            raise CommuneNotFound(
                f"Aucune commune n'a le code postal {code}. Vérifiez les chiffres."
            )
        return sorted(found, key=lambda c: (c.name, c.insee))
    narrow = None
    if len(words) > 1 and (_POSTCODE.match(words[-1]) or _DEPARTMENT.match(words[-1])):
        narrow = words.pop()
        query = " ".join(words)

    def kept(commune: FrenchCommune) -> bool:
        if narrow is None:
            return True
        if len(narrow) == 5:
            return narrow in commune.postcodes
        return commune.department.lower() == narrow.lstrip("0").zfill(2)

    exact = [c for c, name in _communes() if name == query and kept(c)]
    found = exact or [c for c, name in _communes() if name.startswith(query) and kept(c)]
    if not found:
        raise CommuneNotFound(
            f"Aucune commune ne s'appelle « {text.strip()} ». "
            "Vérifiez l'orthographe ou écrivez son code postal."
        )
    if len(found) > MAX_MATCHES:
        raise CommuneNotFound(
            f"Beaucoup de communes commencent par « {text.strip()} » : "
            "écrivez le nom en entier ou le code postal."
        )
    return sorted(found, key=lambda c: (c.name, c.insee))
