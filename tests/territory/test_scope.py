"""Every URL of the ``territory`` namespace (the venue pages), checked for every visitor.

The registry must name every ``territory:`` URL: a page added without an entry makes
``test_registry_covers_every_territory_url`` fail. The venue change belongs to Estaires;
outsiders are a referent and an adviser of Merville, and a librarian.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver, reverse

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.territory.models import VenueChange, VenueChangeStatus
from cadran.territory.services import declare_venue_change
from tests import factories as f

pytestmark = pytest.mark.django_db

TERRITORY_STAFF = ("culture", "coordinator")
OUTSIDERS = ("merville_referent", "merville_adviser", "librarian")
EVERYONE = (*TERRITORY_STAFF, "adviser", "referent", *OUTSIDERS)


@dataclass
class World:
    users: dict
    change: VenueChange
    estaires: object
    mairie: object
    salle: object


@dataclass(frozen=True)
class Entry:
    """``ok``: visitors who get ``ok_status``; every other logged-in visitor gets 403 or 404."""

    url: object  # World -> str
    ok: tuple[str, ...]
    method: str = "get"
    data: object = field(default=lambda w: {})
    ok_status: int = 200


REGISTRY: dict[str, Entry] = {
    # Each referent has their own page (their communes); the territory's staff see all.
    "index": Entry(
        url=lambda w: reverse("territory:index"),
        ok=(*TERRITORY_STAFF, "referent", "merville_referent"),
    ),
    "declare": Entry(
        url=lambda w: reverse("territory:declare"),
        ok=(*TERRITORY_STAFF, "referent", "merville_referent"),
    ),
    "change_detail": Entry(
        url=lambda w: reverse("territory:change_detail", kwargs={"pk": w.change.pk}),
        ok=(*TERRITORY_STAFF, "referent"),
    ),
    "change_confirm": Entry(
        url=lambda w: reverse("territory:change_confirm", kwargs={"pk": w.change.pk}),
        ok=TERRITORY_STAFF,
        method="post",
        ok_status=302,
    ),
    "change_refuse": Entry(
        url=lambda w: reverse("territory:change_refuse", kwargs={"pk": w.change.pk}),
        ok=TERRITORY_STAFF,
        method="post",
        data=lambda w: {"reason": "Salle indisponible."},
        ok_status=302,
    ),
}


@pytest.fixture
def world(
    frozen_now,
    territory,
    estaires,
    merville,
    adviser,
    permanence,
    culture_user,
    coordinator,
    referent,
    librarian,
) -> World:
    f.AppointmentFactory(
        permanence=permanence,
        beneficiary=f.BeneficiaryFactory(
            territory=territory, first_name="Gertrude", last_name="Zylberstein"
        ),
        start=dt.datetime(2026, 12, 9, 9, 0, tzinfo=PARIS),
    )
    salle = f.VenueFactory(commune=estaires, name="Salle Jean Moulin")
    change = declare_venue_change(
        commune=estaires,
        old_venue=permanence.venue,
        new_venue=salle,
        effective_date=dt.date(2026, 12, 9),
        by=referent,
    )
    users = {
        "culture": culture_user,
        "coordinator": coordinator,
        "adviser": adviser,
        "referent": referent,
        "merville_referent": f.UserFactory(referent=True, territory=territory, communes=[merville]),
        "merville_adviser": f.UserFactory(adviser=True, territory=territory, communes=[merville]),
        "librarian": librarian,
    }
    return World(users, change, estaires, permanence.venue, salle)


def _call(client, entry: Entry, world: World):
    return getattr(client, entry.method)(entry.url(world), entry.data(world))


def test_registry_covers_every_territory_url():
    _prefix, resolver = get_resolver().namespace_dict["territory"]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name}
    assert names == set(REGISTRY), "Add every new territory: URL to REGISTRY, with who may open it."


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_anonymous_is_sent_to_login(client, world, name):
    response = _call(client, REGISTRY[name], world)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


GET_PAGES = sorted(n for n, e in REGISTRY.items() if e.method == "get")
ACTIONS = sorted(n for n, e in REGISTRY.items() if e.method != "get")


@pytest.mark.parametrize("name", GET_PAGES)
def test_each_visitor_opens_the_page_or_is_refused(client, world, name):
    entry = REGISTRY[name]
    for who in EVERYONE:
        client.force_login(world.users[who])
        response = _call(client, entry, world)
        if who in entry.ok:
            assert response.status_code == entry.ok_status, (who, response.content[:300])
            assert "Zylberstein" not in response.text or who in TERRITORY_STAFF, who
        else:
            assert response.status_code in (403, 404), who


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("name", ACTIONS)
def test_each_visitor_acts_or_is_refused(client, world, name, who):
    entry = REGISTRY[name]
    client.force_login(world.users[who])
    response = _call(client, entry, world)
    world.change.refresh_from_db()
    if who in entry.ok:
        assert response.status_code == entry.ok_status
        assert world.change.status != VenueChangeStatus.PENDING
    else:
        assert response.status_code in (403, 404)
        assert world.change.status == VenueChangeStatus.PENDING


@pytest.mark.parametrize("name", ACTIONS)
def test_refused_actions_change_nothing(client, world, name):
    audit_before, messages_before = AuditLog.objects.count(), Message.objects.count()
    for who in EVERYONE:
        if who in REGISTRY[name].ok:
            continue
        client.force_login(world.users[who])
        _call(client, REGISTRY[name], world)
    world.change.refresh_from_db()
    assert world.change.status == VenueChangeStatus.PENDING
    assert world.mairie.permanences.count() == 1
    assert not world.salle.permanences.exists()
    assert (AuditLog.objects.count(), Message.objects.count()) == (audit_before, messages_before)


def test_a_referent_of_another_commune_cannot_declare_for_estaires(client, world):
    client.force_login(world.users["merville_referent"])
    response = client.post(
        reverse("territory:declare"),
        {
            "commune": world.estaires.pk,
            "old_venue": world.salle.pk,
            "new_choice": str(world.mairie.pk),
            "effective_date": "2026-12-16",
        },
    )
    assert response.status_code == 200  # the form refuses the choice
    assert VenueChange.objects.count() == 1
