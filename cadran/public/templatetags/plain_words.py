"""Plain words for the national vocabulary on the inhabitants' pages (docs/activite.md).

``{{ topic.thematique|public_thematique }}`` and ``{{ workshop.format|public_format }}``:
the codes and official labels stay in the database and on staff pages.
"""

from __future__ import annotations

from django import template

from cadran.scheduling.enums import Thematique
from cadran.workshops.enums import public_format_name

register = template.Library()


@register.filter
def public_thematique(code: str) -> str:
    """The public label of a thématique code (the code itself if it is unknown)."""
    try:
        return Thematique(code).public_label
    except ValueError:
        return code


@register.filter
def public_format(workshop_format) -> str:
    """The public name of a workshop format (see ``public_format_name``)."""
    if workshop_format is None:
        return ""
    return public_format_name(workshop_format)
