"""Every URL of the ``equipment`` namespace, checked for every kind of visitor.

The registry below must name every ``equipment:`` URL: adding a page without an entry
makes ``test_registry_covers_every_equipment_url`` fail. Objects belong to Estaires
(territory CCFL): a 3D printer, and a loan of it to the commune of Estaires. Visitors:
anonymous, each role of CCFL (the adviser, referent and librarian of Estaires), a
referent of Merville, and the Service Culture of another territory.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import get_resolver, reverse

from cadran.equipment.enums import LoanStatus
from tests import factories as f

from .factories import EquipmentFactory, LoanFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

VISITORS = (
    "anonymous",
    "culture",
    "coordinator",
    "adviser",
    "referent",
    "librarian",
    "merville_referent",
    "other_culture",
)
MANAGERS = ("culture", "coordinator")


@dataclass(frozen=True)
class Page:
    name: str
    args: str  # "", "item", "loan" or "insee"
    method: str
    # Expected status for each visitor (anonymous: the login page, 302).
    ok: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    ok_status: int = 200

    def expected(self, who: str) -> int:
        if who == "anonymous":
            return 302
        if who in self.ok:
            return self.ok_status
        if who in self.forbidden:
            return 403
        return 404


ALL_STAFF = tuple(v for v in VISITORS if v != "anonymous")
NOT_MANAGERS = ("adviser", "referent", "librarian", "merville_referent")
REGISTRY = [
    Page("list", "", "get", ok=ALL_STAFF),
    Page("detail", "item", "get", ok=MANAGERS + NOT_MANAGERS),
    Page("set_status", "item", "post", ok=MANAGERS, forbidden=NOT_MANAGERS, ok_status=302),
    Page("loan_list", "", "get", ok=ALL_STAFF),
    Page(
        "loan_request",
        "",
        "get",
        ok=(*MANAGERS, "referent", "librarian", "merville_referent", "other_culture"),
        forbidden=("adviser",),
    ),
    # The loan is the commune's: the librarian of Estaires sees it, may not cancel it.
    Page("loan_detail", "loan", "get", ok=(*MANAGERS, "adviser", "referent", "librarian")),
    Page("loan_approve", "loan", "post", ok=MANAGERS, forbidden=NOT_MANAGERS, ok_status=302),
    Page("loan_collect", "loan", "post", ok=MANAGERS, forbidden=NOT_MANAGERS, ok_status=302),
    Page("loan_return", "loan", "get", ok=MANAGERS, forbidden=NOT_MANAGERS),
    Page(
        "loan_cancel",
        "loan",
        "get",
        ok=(*MANAGERS, "referent"),
        forbidden=("adviser", "librarian"),
    ),
    Page("commune_history", "insee", "get", ok=(*MANAGERS, "adviser", "referent", "librarian")),
]


@pytest.fixture
def world(territory, estaires, merville, culture_user, coordinator, adviser, referent, librarian):
    other = f.TerritoryFactory(slug="autre")
    users = {
        "anonymous": None,
        "culture": culture_user,
        "coordinator": coordinator,
        "adviser": adviser,
        "referent": referent,
        "librarian": librarian,
        "merville_referent": f.UserFactory(referent=True, territory=territory, communes=[merville]),
        "other_culture": f.UserFactory(culture_service=True, territory=other),
    }
    item = EquipmentFactory(territory=territory, printer=True, name="Imprimante Estairoise")
    loan = LoanFactory(equipment=item, commune=estaires, requested_by=referent)
    return {"users": users, "item": item, "loan": loan, "insee": estaires.insee_code}


def url_for(page: Page, world) -> str:
    if not page.args:
        return reverse(f"equipment:{page.name}")
    key = page.args
    value = world[key] if key == "insee" else world[key].pk
    kwarg = "insee" if key == "insee" else "pk"
    return reverse(f"equipment:{page.name}", kwargs={kwarg: value})


def test_registry_covers_every_equipment_url():
    resolver = get_resolver()
    _, sub = resolver.namespace_dict["equipment"]
    names = {p.name for p in sub.url_patterns}
    assert names == {page.name for page in REGISTRY}


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize("page", REGISTRY, ids=lambda p: p.name)
def test_page_scope(client, world, page, who):
    user = world["users"][who]
    if user is not None:
        client.force_login(user)
    url = url_for(page, world)
    data = {"status": "available"} if page.name == "set_status" else {}
    response = getattr(client, page.method)(url, data)
    assert response.status_code == page.expected(who), (page.name, who)
    if who == "anonymous":
        assert "/compte/" in response["Location"]


@pytest.mark.parametrize("who", ["other_culture", "merville_referent"])
def test_lists_never_show_what_is_out_of_scope(client, world, who):
    client.force_login(world["users"][who])
    loans = client.get(reverse("equipment:loan_list")).content.decode()
    assert "Imprimante Estairoise" not in loans
    if who == "other_culture":
        items = client.get(reverse("equipment:list")).content.decode()
        assert "Imprimante Estairoise" not in items


@pytest.mark.parametrize("who", ["adviser", "referent", "librarian"])
def test_get_on_post_only_actions_is_refused_and_changes_nothing(client, world, who):
    client.force_login(world["users"][who])
    for name in ("loan_approve", "loan_collect"):
        response = client.get(reverse(f"equipment:{name}", kwargs={"pk": world["loan"].pk}))
        assert response.status_code == 405
    world["loan"].refresh_from_db()
    assert world["loan"].status == LoanStatus.REQUESTED
