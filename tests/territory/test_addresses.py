"""A venue's address says its postcode and town once (Venue.postal_address)."""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune():
    return f.CommuneFactory(name="Bourg-Fictif", postcode="00100")


@pytest.mark.parametrize(
    ("address", "street", "postal"),
    [
        ("1 place du Marché", "1 place du Marché", "1 place du Marché, 00100 Bourg-Fictif"),
        (
            "1 place du Marché, 00100 Bourg-Fictif",
            "1 place du Marché",
            "1 place du Marché, 00100 Bourg-Fictif",
        ),
        ("1 place du Marché 00100", "1 place du Marché", "1 place du Marché, 00100 Bourg-Fictif"),
        (
            "Mairie, 00100 BOURG-FICTIF (entrée rue de l'Église)",
            "Mairie (entrée rue de l'Église)",
            "Mairie (entrée rue de l'Église), 00100 Bourg-Fictif",
        ),
        ("", "", "00100 Bourg-Fictif"),
    ],
)
def test_postal_address_never_repeats_the_town(commune, address, street, postal):
    venue = f.VenueFactory(commune=commune, address=address)
    assert venue.street_address == street
    assert venue.postal_address == postal
    assert venue.postal_address.count("00100") == 1
