"""What a venue must offer for a format (the hosting conditions of the agreements with the
communes, docs/ateliers.md), as pure functions.

The commune provides « des lieux salubres, chauffés, connectés (WIFI) » and, for collective
interventions, « des tables, des chaises et dans la limite du possible, un écran » and a
video projector. A 3D printer is lent with the adviser (equipment loans), so the venue is
not asked for one here.
"""

from __future__ import annotations


def venue_shortfalls(fmt, venue) -> list[str]:
    """What the venue lacks for this format, in plain French (empty: it is fine)."""
    missing: list[str] = []
    if not venue.heated:
        missing.append("le lieu n'est pas chauffé")
    if fmt.needs_wifi and not venue.wifi:
        missing.append("il n'y a pas de wifi")
    if fmt.needs_tables_chairs and not venue.has_tables_chairs:
        missing.append("il n'y a pas de tables et de chaises")
    if fmt.needs_projector and not venue.has_projector:
        missing.append("il n'y a pas de vidéoprojecteur")
    if fmt.needs_screen and not venue.has_screen:
        missing.append("il n'y a pas d'écran")
    if fmt.needs_pc and not venue.has_pc:
        missing.append("il n'y a pas d'ordinateur")
    return missing


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end
