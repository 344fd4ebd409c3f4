"""``{% load french %}``: ``{{ commune|de }}`` writes « d'Arbourg », « de Bourg-Fictif »,
« du Bourg-Neuf » (cadran.core.french)."""

from __future__ import annotations

from django import template

from cadran.core.french import de as _de

register = template.Library()


@register.filter
def de(value) -> str:
    """« de » before a name, elided or contracted as French writes it."""
    return _de(value)
