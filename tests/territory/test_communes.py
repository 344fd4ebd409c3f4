"""Which communes each role sees."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from cadran.territory.models import Commune, Venue
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def communes(territory, estaires, merville):
    la_gorgue = f.CommuneFactory(territory=territory, name="La Gorgue", insee_code="59268")
    elsewhere = f.CommuneFactory(territory=f.TerritoryFactory(), name="Ailleurs")
    return {"estaires": estaires, "merville": merville, "la_gorgue": la_gorgue, "other": elsewhere}


def names(qs) -> list[str]:
    return sorted(qs.values_list("name", flat=True))


@pytest.mark.parametrize("role", ["culture_user", "coordinator"])
def test_territory_managers_see_every_commune_of_their_territory(request, communes, role):
    user = request.getfixturevalue(role)
    assert names(Commune.objects.visible_to(user)) == ["Estaires", "La Gorgue", "Merville"]


def test_adviser_sees_the_communes_they_serve(communes, territory):
    adviser = f.UserFactory(
        adviser=True, territory=territory, communes=[communes["estaires"], communes["la_gorgue"]]
    )
    assert names(Commune.objects.visible_to(adviser)) == ["Estaires", "La Gorgue"]


def test_referent_sees_their_commune_only(communes, referent):
    assert names(Commune.objects.visible_to(referent)) == ["Estaires"]


def test_librarian_sees_their_library_commune(communes, librarian):
    assert names(Commune.objects.visible_to(librarian)) == ["Estaires"]
    librarian.library = None
    assert names(Commune.objects.visible_to(librarian)) == []


def test_staff_of_another_territory_sees_nothing_of_ours(communes):
    other_territory = communes["other"].territory
    manager = f.UserFactory(culture_service=True, territory=other_territory)
    assert names(Commune.objects.visible_to(manager)) == ["Ailleurs"]
    lonely_adviser = f.UserFactory(adviser=True, territory=other_territory)
    assert names(Commune.objects.visible_to(lonely_adviser)) == []


def test_anonymous_sees_nothing_superuser_sees_all(communes):
    assert names(Commune.objects.visible_to(AnonymousUser())) == []
    admin = f.UserFactory(is_superuser=True, territory=None)
    assert len(names(Commune.objects.visible_to(admin))) == 4


def test_venues_follow_their_commune(communes, referent):
    f.VenueFactory(commune=communes["estaires"])
    f.VenueFactory(commune=communes["merville"])
    assert [v.commune.name for v in Venue.objects.visible_to(referent)] == ["Estaires"]
