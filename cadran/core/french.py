"""French typography that templates and messages share: « de » before a name.

« de » is elided before a vowel or a mute h (« d'Arbourg », « d'Hermonville »), contracted
with the article of a name (« du Bourg-Neuf », « des Mureaux ») and kept before an aspirated h,
which spelling cannot tell: a commune whose name starts with one says so
(``Commune.h_aspire``), and ``de(commune)`` follows it.
"""

from __future__ import annotations

import unicodedata

# Before these letters « de » becomes « d' » (y as in « d'Yvetot », « d'Ypres »).
_ELIDING = frozenset("aeiouyh")
APOSTROPHE = "\u2019"  # ’, the French typographic apostrophe


def _initial(word: str) -> str:
    """The first letter without its accent or case (« É » → « e », « Œ » → « o »)."""
    decomposed = unicodedata.normalize("NFD", word[:1].lower())
    return {"œ": "o", "æ": "a"}.get(decomposed[:1], decomposed[:1])


def de(name: object, *, h_aspire: bool | None = None, apostrophe: str = "'") -> str:
    """« de » and ``name`` as French writes them.

    ``name``: a string, or an object with a ``name`` (a commune, a library), whose
    ``h_aspire`` is used unless given.
    """
    if h_aspire is None:
        h_aspire = bool(getattr(name, "h_aspire", False))
    text = str(getattr(name, "name", name) or "").strip()
    if not text:
        return "de"
    first, _, rest = text.partition(" ")
    if rest and first in ("Le", "le"):
        return f"du {rest}"
    if rest and first in ("Les", "les"):
        return f"des {rest}"
    initial = _initial(text)
    if initial in _ELIDING and not (initial == "h" and h_aspire):
        return f"d{apostrophe}{text}"
    return f"de {text}"
