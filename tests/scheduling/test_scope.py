"""Every staff URL, checked for every kind of visitor.

The registry below must name every URL of the ``staff`` namespace: adding a page without
an entry makes ``test_registry_covers_every_staff_url`` fail, so no page escapes these
checks. Objects belong to Estaires; outsiders are a referent of Merville, an adviser who
serves only Merville, and a librarian.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver, reverse

from cadran.core.clock import PARIS
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment, Closure
from tests import factories as f

pytestmark = pytest.mark.django_db

TERRITORY_STAFF = ("culture", "coordinator")
APPOINTMENT_STAFF = ("culture", "coordinator", "adviser")
OUTSIDERS = ("merville_referent", "merville_adviser", "librarian")
EVERYONE = (*APPOINTMENT_STAFF, "referent", *OUTSIDERS)

# Inhabitant's name: unusual enough never to appear by chance on a page.
FIRST_NAME, LAST_NAME = "Gertrude", "Zylberstein"


@dataclass
class World:
    users: dict
    permanence: object
    appointment: object
    past_appointment: object
    closure: object
    estaires: object


@dataclass(frozen=True)
class Entry:
    """How to call one URL, and who gets through.

    ``ok``: visitors who get ``ok_status``; every other logged-in visitor gets 403 or 404.
    """

    url: object  # World -> str
    ok: tuple[str, ...]
    method: str = "get"
    data: object = field(default=lambda w: {})
    ok_status: int = 200


def _slot_id(world: World, hour: int) -> str:
    return f"{world.permanence.pk}-20261202{hour:02d}00"


REGISTRY: dict[str, Entry] = {
    # Everyone's own page: what it lists is scoped (see test_home_lists_only_what_is_in_scope).
    "home": Entry(url=lambda w: reverse("staff:home"), ok=EVERYONE),
    "day_sheet": Entry(
        url=lambda w: reverse(
            "staff:day_sheet", kwargs={"pk": w.permanence.pk, "day": dt.date(2026, 12, 2)}
        ),
        ok=APPOINTMENT_STAFF,
    ),
    "book": Entry(
        url=lambda w: reverse("staff:book") + f"?creneau={_slot_id(w, 10)}",
        ok=APPOINTMENT_STAFF,
    ),
    # The directory of inhabitants is the territory's (Beneficiary.visible_to): an adviser
    # of Merville may find a person who once came to Estaires.
    "beneficiary_search": Entry(
        url=lambda w: reverse("staff:beneficiary_search") + f"?q={LAST_NAME}",
        ok=(*APPOINTMENT_STAFF, "merville_adviser"),
    ),
    "appointment": Entry(
        url=lambda w: reverse("staff:appointment", kwargs={"pk": w.appointment.pk}),
        ok=APPOINTMENT_STAFF,
    ),
    "appointment_cancel": Entry(
        url=lambda w: reverse("staff:appointment_cancel", kwargs={"pk": w.appointment.pk}),
        ok=APPOINTMENT_STAFF,
        method="post",
        data=lambda w: {"reason": "Test"},
        ok_status=302,
    ),
    "appointment_move": Entry(
        url=lambda w: reverse("staff:appointment_move", kwargs={"pk": w.appointment.pk}),
        ok=APPOINTMENT_STAFF,
        method="post",
        data=lambda w: {"slot": _slot_id(w, 11)},
        ok_status=302,
    ),
    "appointment_attendance": Entry(
        url=lambda w: reverse("staff:appointment_attendance", kwargs={"pk": w.past_appointment.pk}),
        ok=APPOINTMENT_STAFF,
        method="post",
        data=lambda w: {"status": "seen"},
        ok_status=302,
    ),
    # Each adviser has their own list (their absences, their communes).
    "closures": Entry(
        url=lambda w: reverse("staff:closures"), ok=(*APPOINTMENT_STAFF, "merville_adviser")
    ),
    "closure_delete": Entry(
        url=lambda w: reverse("staff:closure_delete", kwargs={"pk": w.closure.pk}),
        ok=APPOINTMENT_STAFF,
        method="post",
        ok_status=302,
    ),
    "commune_calendar": Entry(
        url=lambda w: reverse("staff:commune_calendar", kwargs={"insee": w.estaires.insee_code}),
        ok=(*APPOINTMENT_STAFF, "referent"),
    ),
    "audit_log": Entry(url=lambda w: reverse("staff:audit_log"), ok=TERRITORY_STAFF),
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Argon2 costs a second a user on a busy machine; these tests log in with force_login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    person = f.BeneficiaryFactory(territory=territory, first_name=FIRST_NAME, last_name=LAST_NAME)
    appointment = f.AppointmentFactory(
        permanence=permanence,
        beneficiary=person,
        start=dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS),
    )
    past = f.AppointmentFactory(
        permanence=permanence,
        beneficiary=f.BeneficiaryFactory(
            territory=territory, first_name="Hildegarde", last_name="Quenouille"
        ),
        start=dt.datetime(2026, 11, 25, 9, 0, tzinfo=PARIS),
    )
    closure = f.ClosureFactory(
        territory=territory,
        adviser=adviser,
        start=dt.datetime(2026, 12, 9, 0, 0, tzinfo=PARIS),
        end=dt.datetime(2026, 12, 10, 0, 0, tzinfo=PARIS),
        reason="Formation",
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
    return World(users, permanence, appointment, past, closure, estaires)


def _call(client, entry: Entry, world: World):
    method = getattr(client, entry.method)
    return method(entry.url(world), entry.data(world))


def test_registry_covers_every_staff_url():
    _prefix, resolver = get_resolver().namespace_dict["staff"]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name}
    assert names == set(REGISTRY), "Add every new staff: URL to REGISTRY, with who may open it."


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_anonymous_is_sent_to_login(client, world, name):
    entry = REGISTRY[name]
    response = _call(client, entry, world)
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
        else:
            assert response.status_code in (403, 404), who


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("name", ACTIONS)
def test_each_visitor_acts_or_is_refused(client, world, name, who):
    entry = REGISTRY[name]
    client.force_login(world.users[who])
    response = _call(client, entry, world)
    if who in entry.ok:
        assert response.status_code == entry.ok_status
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("name", ACTIONS)
def test_refused_actions_change_nothing(client, world, name):
    for who in (*OUTSIDERS, "referent"):
        client.force_login(world.users[who])
        _call(client, REGISTRY[name], world)
    world.appointment.refresh_from_db()
    world.past_appointment.refresh_from_db()
    assert world.appointment.status == AppointmentStatus.BOOKED
    assert world.appointment.start == dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)
    assert world.past_appointment.status == AppointmentStatus.BOOKED
    assert Closure.objects.filter(pk=world.closure.pk).exists()


def test_an_outsider_cannot_reach_estaires_by_typing_ids(client, world):
    """Merville's adviser types Estaires' ids: every object page answers 404."""
    client.force_login(world.users["merville_adviser"])
    for url in (
        REGISTRY["day_sheet"].url(world),
        REGISTRY["book"].url(world),
        REGISTRY["appointment"].url(world),
        REGISTRY["commune_calendar"].url(world),
    ):
        assert client.get(url).status_code == 404, url


def test_referent_never_sees_an_inhabitant(client, world):
    client.force_login(world.users["referent"])
    secrets = (FIRST_NAME, LAST_NAME, "Hildegarde", "Quenouille", world.appointment.reference)
    opened = []
    for name in GET_PAGES:
        response = _call(client, REGISTRY[name], world)
        if response.status_code != 200:
            continue
        opened.append(name)
        content = response.content.decode()
        for secret in (*secrets, world.appointment.beneficiary.phone):
            assert secret not in content, (name, secret)
    assert opened == ["commune_calendar", "home"]


def test_referent_calendar_counts_the_booked_slot(client, world):
    client.force_login(world.users["referent"])
    response = client.get(REGISTRY["commune_calendar"].url(world))
    assert response.status_code == 200
    assert "mercredi 2 décembre" in response.content.decode()
    # One booked slot on 2 December, none of the names.
    assert response.context["occurrences"][0].booked == 1


def test_home_lists_only_what_is_in_scope(client, world):
    day_sheet = REGISTRY["day_sheet"].url(world)
    client.force_login(world.users["adviser"])
    assert day_sheet in client.get(reverse("staff:home")).content.decode()
    client.force_login(world.users["merville_adviser"])
    content = client.get(reverse("staff:home")).content.decode()
    assert day_sheet not in content
    assert "Estaires" not in content
    client.force_login(world.users["merville_referent"])
    content = client.get(reverse("staff:home")).content.decode()
    assert "Merville" in content
    assert "Estaires" not in content


def test_outsider_search_finds_no_one_of_another_territory(client, world):
    other = f.UserFactory(adviser=True, communes=[f.CommuneFactory()])
    client.force_login(other)
    response = client.get(REGISTRY["beneficiary_search"].url(world))
    assert response.status_code == 200
    assert 'name="beneficiary"' not in response.content.decode()
    assert "Aucune personne trouvée" in response.content.decode()


def test_appointment_count_unchanged_by_outsider_booking(client, world):
    client.force_login(world.users["merville_adviser"])
    before = Appointment.objects.count()
    response = client.post(
        REGISTRY["book"].url(world),
        {
            "first_name": "Intrus",
            "last_name": "Test",
            "phone": "0612345678",
            "topics": ["email"],
            "channel": "phone",
        },
    )
    assert response.status_code == 404
    assert Appointment.objects.count() == before
