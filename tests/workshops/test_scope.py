"""Every URL of the ``workshops`` namespace, checked for every kind of visitor.

The registry below must name every ``workshops:`` URL: adding a page without an entry
makes ``test_registry_covers_every_workshops_url`` fail, so no page escapes these checks.
Objects belong to Estaires (territory CCFL). Outsiders: an adviser who serves only
Merville, the librarian of Merville's library, the Service Culture of another territory,
and the commune referent (who has no workshop page: 403, see docs/ateliers.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver, reverse

from cadran.core.clock import PARIS
from cadran.workshops.enums import RequestStatus, SessionStatus, WorkshopStatus
from cadran.workshops.models import InterventionRequest, Registration, Session, Workshop
from tests import factories as f

from .factories import (
    InterventionRequestFactory,
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db

# Inhabitant's name: unusual enough never to appear by chance on a page.
FIRST_NAME, LAST_NAME = "Gertrude", "Zylberstein"

TERRITORY_STAFF = ("culture", "coordinator")
FIELD_STAFF = ("culture", "coordinator", "adviser")
EVERYONE = (
    "culture",
    "coordinator",
    "adviser",
    "librarian",
    "referent",
    "merville_adviser",
    "merville_librarian",
    "other_culture",
)
# Pages that list what is in the visitor's scope (their own list, maybe empty).
LIST_ROLES = tuple(who for who in EVERYONE if who != "referent")
SAT_12 = dt.datetime(2026, 12, 12, 10, 0, tzinfo=PARIS)


@dataclass
class World:
    users: dict
    workshop: Workshop
    draft: Workshop
    session: Session
    past_session: Session
    registration: Registration
    request: InterventionRequest
    off_site_request: InterventionRequest
    venue: object


@dataclass(frozen=True)
class Entry:
    """How to call one URL, and who gets through.

    ``ok``: visitors who get ``ok_status``; every other logged-in visitor gets 403 or 404
    (``not_found``: visitors for whom the object is out of scope, who must get 404).
    """

    url: object  # World -> str
    ok: tuple[str, ...]
    method: str = "get"
    data: object = field(default=lambda w: {})
    ok_status: int = 200
    not_found: tuple[str, ...] = ()


def _accept_data(w: World) -> dict:
    return {
        "accept-venue": w.venue.pk,
        "accept-start_1": "2026-12-12T10:00",
        "accept-advisers": [w.users["adviser"].pk],
    }


REGISTRY: dict[str, Entry] = {
    "programme": Entry(url=lambda w: reverse("workshops:programme"), ok=LIST_ROLES),
    "workshop_new": Entry(
        url=lambda w: reverse("workshops:workshop_new"), ok=("culture", "other_culture")
    ),
    "workshop_detail": Entry(
        url=lambda w: reverse("workshops:workshop_detail", kwargs={"pk": w.workshop.pk}),
        ok=tuple(who for who in LIST_ROLES if who != "other_culture"),
        not_found=("other_culture",),
    ),
    "workshop_edit": Entry(
        url=lambda w: reverse("workshops:workshop_edit", kwargs={"pk": w.draft.pk}),
        ok=("culture",),
        not_found=("other_culture",),
    ),
    "workshop_step": Entry(
        url=lambda w: reverse(
            "workshops:workshop_step", kwargs={"pk": w.draft.pk, "step": "proposer"}
        ),
        ok=("culture",),
        method="post",
        data=lambda w: {"propose-meeting_date": "2026-11-20", "propose-remarks": ""},
        ok_status=302,
        not_found=("other_culture",),
    ),
    "request_list": Entry(
        url=lambda w: reverse("workshops:request_list"),
        ok=(*TERRITORY_STAFF, "librarian", "merville_librarian", "other_culture"),
    ),
    "request_new": Entry(
        url=lambda w: reverse("workshops:request_new"), ok=("librarian", "merville_librarian")
    ),
    "request_detail": Entry(
        url=lambda w: reverse("workshops:request_detail", kwargs={"pk": w.request.pk}),
        ok=(*TERRITORY_STAFF, "librarian"),
        not_found=("merville_librarian", "other_culture"),
    ),
    "request_examine": Entry(
        url=lambda w: reverse("workshops:request_examine", kwargs={"pk": w.off_site_request.pk}),
        ok=("culture",),
        method="post",
        ok_status=302,
        not_found=("other_culture",),
    ),
    "request_accept": Entry(
        url=lambda w: reverse("workshops:request_accept", kwargs={"pk": w.request.pk}),
        ok=("culture",),
        method="post",
        data=_accept_data,
        ok_status=302,
        not_found=("other_culture",),
    ),
    "request_refuse": Entry(
        url=lambda w: reverse("workshops:request_refuse", kwargs={"pk": w.request.pk}),
        ok=("culture",),
        method="post",
        data=lambda w: {"refuse-reason": "Pas de conseiller disponible."},
        ok_status=302,
        not_found=("other_culture",),
    ),
    "request_withdraw": Entry(
        url=lambda w: reverse("workshops:request_withdraw", kwargs={"pk": w.request.pk}),
        ok=("librarian",),
        method="post",
        ok_status=302,
        not_found=("merville_librarian",),
    ),
    "session_list": Entry(url=lambda w: reverse("workshops:session_list"), ok=LIST_ROLES),
    "session_detail": Entry(
        url=lambda w: reverse("workshops:session_detail", kwargs={"pk": w.session.pk}),
        ok=(*FIELD_STAFF, "librarian"),
        not_found=("merville_adviser", "merville_librarian", "other_culture"),
    ),
    "session_register": Entry(
        url=lambda w: reverse("workshops:session_register", kwargs={"pk": w.session.pk}),
        ok=FIELD_STAFF,
        method="post",
        data=lambda w: {
            "register-first_name": "Marcel",
            "register-last_name": "Appelant",
            "register-phone": "0612345678",
            "register-commune_insee": "59212",
        },
        ok_status=302,
        not_found=("merville_adviser", "other_culture"),
    ),
    "registration_cancel": Entry(
        url=lambda w: reverse(
            "workshops:registration_cancel",
            kwargs={"pk": w.session.pk, "registration_pk": w.registration.pk},
        ),
        ok=FIELD_STAFF,
        method="post",
        ok_status=302,
        not_found=("merville_adviser", "other_culture"),
    ),
    "session_cancel": Entry(
        url=lambda w: reverse("workshops:session_cancel", kwargs={"pk": w.session.pk}),
        ok=TERRITORY_STAFF,
        method="post",
        data=lambda w: {"cancel-reason": "Conseiller malade."},
        ok_status=302,
        not_found=("other_culture",),
    ),
    "session_override": Entry(
        url=lambda w: reverse("workshops:session_override", kwargs={"pk": w.session.pk}),
        ok=TERRITORY_STAFF,
        method="post",
        data=lambda w: {"override-decision": "confirm", "override-reason": "Groupe motivé."},
        ok_status=302,
        not_found=("other_culture",),
    ),
    "session_edit": Entry(
        url=lambda w: reverse("workshops:session_edit", kwargs={"pk": w.session.pk}),
        ok=TERRITORY_STAFF,
        method="post",
        data=lambda w: {
            "edit-capacity": "15",
            "edit-min_attendance": "4",
            "edit-decision_at": "2026-12-03T10:00",
        },
        ok_status=302,
        not_found=("other_culture",),
    ),
    "attendance": Entry(
        url=lambda w: reverse("workshops:attendance", kwargs={"pk": w.past_session.pk}),
        ok=FIELD_STAFF,
        not_found=("merville_adviser", "other_culture"),
    ),
    # Sessions at risk: each visitor sees those of their own territory (maybe none).
    "sessions_at_risk": Entry(
        url=lambda w: reverse("workshops:sessions_at_risk"), ok=(*TERRITORY_STAFF, "other_culture")
    ),
    "session_announce": Entry(
        url=lambda w: reverse("workshops:session_announce", kwargs={"pk": w.session.pk}),
        ok=TERRITORY_STAFF,
        not_found=("other_culture",),
    ),
}


@pytest.fixture
def world(
    frozen_now,
    territory,
    estaires,
    merville,
    adviser,
    culture_user,
    coordinator,
    referent,
    librarian,
    fmt,
    library_venue,
) -> World:
    workshop = WorkshopFactory(territory=territory, format=fmt, title="Arnaques en ligne")
    draft = WorkshopFactory(territory=territory, format=fmt, draft=True, title="Brouillon")
    session = SessionFactory(workshop=workshop, venue=library_venue, advisers=[adviser])
    registration = RegistrationFactory(
        session=session, first_name=FIRST_NAME, last_name=LAST_NAME, phone="0699887766"
    )
    past = SessionFactory(
        workshop=workshop,
        venue=library_venue,
        advisers=[adviser],
        start=dt.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS),
        status=SessionStatus.CONFIRMED,
    )
    RegistrationFactory(session=past, first_name="Hildegarde", last_name="Quenouille")
    request = InterventionRequestFactory(
        workshop=workshop, library=librarian.library, requested_by=librarian
    )
    off_site = InterventionRequestFactory(
        workshop=workshop, library=librarian.library, requested_by=librarian, off_site_market=True
    )
    merville_library = f.LibraryFactory(commune=merville)
    other_territory = f.TerritoryFactory(slug="autre")
    users = {
        "culture": culture_user,
        "coordinator": coordinator,
        "adviser": adviser,
        "librarian": librarian,
        "referent": referent,
        "merville_adviser": f.UserFactory(adviser=True, territory=territory, communes=[merville]),
        "merville_librarian": f.UserFactory(
            librarian=True, territory=territory, library=merville_library
        ),
        "other_culture": f.UserFactory(culture_service=True, territory=other_territory),
    }
    return World(
        users, workshop, draft, session, past, registration, request, off_site, library_venue
    )


def _call(client, entry: Entry, world: World):
    method = getattr(client, entry.method)
    return method(entry.url(world), entry.data(world))


def test_registry_covers_every_workshops_url():
    _prefix, resolver = get_resolver().namespace_dict["workshops"]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name}
    assert names == set(REGISTRY), "Add every new workshops: URL to REGISTRY, with who may open it."


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_anonymous_is_sent_to_login(client, world, name):
    response = _call(client, REGISTRY[name], world)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


GET_PAGES = sorted(n for n, e in REGISTRY.items() if e.method == "get")
ACTIONS = sorted(n for n, e in REGISTRY.items() if e.method != "get")


def _check(response, entry: Entry, who: str) -> None:
    if who in entry.ok:
        assert response.status_code == entry.ok_status, (who, response.content[:400])
    elif who in entry.not_found:
        assert response.status_code == 404, who
    else:
        assert response.status_code in (403, 404), who


@pytest.mark.parametrize("name", GET_PAGES)
def test_each_visitor_opens_the_page_or_is_refused(client, world, name):
    entry = REGISTRY[name]
    for who in EVERYONE:
        client.force_login(world.users[who])
        _check(_call(client, entry, world), entry, who)


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("name", ACTIONS)
def test_each_visitor_acts_or_is_refused(client, world, name, who):
    entry = REGISTRY[name]
    client.force_login(world.users[who])
    _check(_call(client, entry, world), entry, who)


@pytest.mark.parametrize("name", ACTIONS)
def test_refused_actions_change_nothing(client, world, name):
    entry = REGISTRY[name]
    for who in EVERYONE:
        if who in entry.ok:
            continue
        client.force_login(world.users[who])
        _call(client, entry, world)
    for obj in (world.draft, world.session, world.registration, world.request):
        obj.refresh_from_db()
    world.off_site_request.refresh_from_db()
    assert world.draft.status == WorkshopStatus.DRAFT
    assert world.session.status == SessionStatus.SCHEDULED
    assert world.session.capacity == 12
    assert world.registration.status == "confirmed"
    assert world.request.status == RequestStatus.REQUESTED
    assert world.off_site_request.status == RequestStatus.REQUESTED
    assert Registration.objects.filter(last_name="Appelant").count() == 0
    assert Session.objects.count() == 2


def test_names_are_shown_only_to_those_who_may_see_them(client, world):
    for who in EVERYONE:
        client.force_login(world.users[who])
        for name in GET_PAGES:
            response = _call(client, REGISTRY[name], world)
            if response.status_code != 200:
                continue
            content = response.content.decode().lower()
            shown = LAST_NAME.lower() in content or "quenouille" in content
            if who in FIELD_STAFF and name in ("session_detail", "attendance"):
                assert shown, (who, name)
            else:
                assert not shown, (who, name)


def test_librarian_sees_counts_of_her_library_session(client, world):
    client.force_login(world.users["librarian"])
    response = client.get(REGISTRY["session_detail"].url(world))
    content = response.content.decode()
    assert "1 personne inscrite" in content
    assert "Inscrire une personne" not in content
    assert "Faire l'appel" not in content


def test_librarian_catalogue_lists_only_published_workshops(client, world):
    client.force_login(world.users["librarian"])
    content = client.get(reverse("workshops:programme")).content.decode()
    assert "Arnaques en ligne" in content
    assert "Brouillon" not in content
    assert "Catalogue des ateliers" in content


def test_other_territory_sees_nothing_of_ccfl(client, world):
    client.force_login(world.users["other_culture"])
    for name in ("programme", "request_list", "session_list"):
        content = client.get(REGISTRY[name].url(world)).content.decode()
        assert "Arnaques en ligne" not in content, name
        assert "Brouillon" not in content, name


def test_adviser_who_does_not_run_the_session_cannot_take_attendance(client, world, territory):
    """An adviser of Estaires sees the session (their commune) but does not run it: 403."""
    estaires_colleague = f.UserFactory(
        adviser=True, territory=territory, communes=[world.venue.commune]
    )
    client.force_login(estaires_colleague)
    assert client.get(REGISTRY["session_detail"].url(world)).status_code == 200
    assert client.get(REGISTRY["attendance"].url(world)).status_code == 403


def test_nav_link_shown_to_the_roles_that_use_it(client, world):
    link = f'href="{reverse("workshops:programme")}"'
    for who in EVERYONE:
        client.force_login(world.users[who])
        content = client.get(reverse("staff:home")).content.decode()
        assert (link in content) == (who != "referent"), who
