"""Every URL of the ``board`` namespace, checked for every kind of visitor.

The registry below must name every ``board:`` URL: adding a page without an entry makes
``test_registry_covers_every_board_url`` fail. The session belongs to Estaires (CCFL).
Visitors: anonymous, each role of CCFL, and the Service Culture of another territory.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import get_resolver, reverse

from tests import factories as f

pytestmark = pytest.mark.usefixtures("frozen_now")

VISITORS = (
    "anonymous",
    "culture",
    "coordinator",
    "adviser",
    "referent",
    "librarian",
    "other_culture",
    "other_adviser",
)
MANAGERS = ("culture", "coordinator")
FORBIDDEN_ROLES = ("referent", "librarian")


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    ok: tuple[str, ...]
    forbidden: tuple[str, ...]
    with_session: bool = False

    def expected(self, who: str) -> int:
        if who == "anonymous":
            return 302
        if who in self.ok:
            return 200
        if who in self.forbidden:
            return 403
        return 404


BOARD_READERS = (*MANAGERS, "adviser", "other_culture", "other_adviser")
REGISTRY = [
    Page("week", "get", ok=BOARD_READERS, forbidden=FORBIDDEN_ROLES),
    Page("month", "get", ok=BOARD_READERS, forbidden=FORBIDDEN_ROLES),
    Page("coverage", "get", ok=BOARD_READERS, forbidden=FORBIDDEN_ROLES),
    # Advisers read the board but move nothing; another territory's session is a 404.
    Page(
        "session_move",
        "get",
        ok=MANAGERS,
        forbidden=(*FORBIDDEN_ROLES, "adviser", "other_adviser"),
        with_session=True,
    ),
    Page(
        "session_move",
        "post",
        ok=MANAGERS,
        forbidden=(*FORBIDDEN_ROLES, "adviser", "other_adviser"),
        with_session=True,
    ),
]


@pytest.fixture
def world(territory, culture_user, coordinator, adviser, referent, librarian, session):
    other = f.TerritoryFactory(slug="autre")
    return {
        "users": {
            "anonymous": None,
            "culture": culture_user,
            "coordinator": coordinator,
            "adviser": adviser,
            "referent": referent,
            "librarian": librarian,
            "other_culture": f.UserFactory(culture_service=True, territory=other),
            "other_adviser": f.UserFactory(adviser=True, territory=other),
        },
        "session": session,
    }


def test_registry_covers_every_board_url():
    _, sub = get_resolver().namespace_dict["board"]
    assert {p.name for p in sub.url_patterns} == {page.name for page in REGISTRY}


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize("page", REGISTRY, ids=lambda p: f"{p.name}-{p.method}")
def test_page_scope(client, world, page, who):
    user = world["users"][who]
    if user is not None:
        client.force_login(user)
    kwargs = {"pk": world["session"].pk} if page.with_session else {}
    url = reverse(f"board:{page.name}", kwargs=kwargs)
    response = getattr(client, page.method)(url, {"step": "check"} if page.method == "post" else {})
    assert response.status_code == page.expected(who), (page.name, who)
    if who == "anonymous":
        assert "/compte/" in response["Location"]


def test_another_territory_sees_nothing_of_ccfl(client, world):
    client.force_login(world["users"]["other_culture"])
    page = client.get(reverse("board:week"), {"date": "2026-12-05"}).content.decode()
    assert "Arnaques en ligne" not in page
    assert "Estaires" not in page
    page = client.get(reverse("board:coverage")).content.decode()
    assert "Estaires" not in page
