"""Demo travel times between the eight communes of the CCFL (minutes by car).

Estimates from the map, not measured: every row is marked « estimation » so the Service
Culture knows to check them (admin, « Temps de trajet »). Called by ``manage.py seed_demo``
once the communes exist: ``load_demo_board(territory)``. Running it again changes nothing.
"""

from __future__ import annotations

from cadran.territory.models import Commune, Territory

from .models import TravelTime

# INSEE pairs → minutes. Estaires 59212, Haverskerque 59293, La Gorgue 59268,
# Merville 59400, Fleurbaix 62338, Laventie 62491, Lestrem 62502, Sailly-sur-la-Lys 62736.
DEMO_MINUTES: dict[tuple[str, str], int] = {
    ("59212", "59268"): 5,
    ("59212", "59400"): 12,
    ("59212", "59293"): 20,
    ("59212", "62338"): 20,
    ("59212", "62491"): 12,
    ("59212", "62502"): 10,
    ("59212", "62736"): 12,
    ("59268", "59400"): 12,
    ("59268", "59293"): 20,
    ("59268", "62338"): 20,
    ("59268", "62491"): 12,
    ("59268", "62502"): 8,
    ("59268", "62736"): 15,
    ("59400", "59293"): 10,
    ("59400", "62338"): 25,
    ("59400", "62491"): 20,
    ("59400", "62502"): 15,
    ("59400", "62736"): 20,
    ("59293", "62338"): 30,
    ("59293", "62491"): 28,
    ("59293", "62502"): 25,
    ("59293", "62736"): 28,
    ("62338", "62491"): 10,
    ("62338", "62502"): 20,
    ("62338", "62736"): 10,
    ("62491", "62502"): 12,
    ("62491", "62736"): 8,
    ("62502", "62736"): 15,
}


def load_demo_board(territory: Territory) -> int:
    """Store the demo travel times of the territory's communes; returns how many rows were
    added (0 the second time)."""
    communes = {c.insee_code: c for c in Commune.objects.filter(territory=territory)}
    added = 0
    for (a, b), minutes in DEMO_MINUTES.items():
        if a not in communes or b not in communes:
            continue
        _, created = TravelTime.objects.get_or_create(
            territory=territory,
            from_commune=communes[a],
            to_commune=communes[b],
            defaults={"minutes": minutes, "is_estimate": True},
        )
        added += int(created)
    return added
