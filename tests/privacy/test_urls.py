"""Every ``privacy:`` URL (read from the resolver, so a new one must be added here) with
every role: only the Service Culture and a superuser get in."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def privacy_url_names() -> set[str]:
    resolver = get_resolver()
    namespace = resolver.namespace_dict["privacy"][1]
    return {name for name in namespace.reverse_dict if isinstance(name, str)}


def urls_for(person) -> dict[str, str]:
    b, r = person["beneficiary"].pk, person["registration"].pk
    return {
        "policy": reverse("privacy:policy"),
        "register": reverse("privacy:register"),
        "search": reverse("privacy:search"),
        "person": f"{reverse('privacy:person')}?b={b}&r={r}",
        "person_export": f"{reverse('privacy:person_export', args=['json'])}?b={b}",
        "erase": f"{reverse('privacy:erase')}?b={b}&r={r}",
        "correct_beneficiary": reverse("privacy:correct_beneficiary", args=[b]),
        "correct_registration": reverse("privacy:correct_registration", args=[r]),
    }


def test_every_privacy_url_is_in_the_matrix(person):
    assert privacy_url_names() == set(urls_for(person))


ROLES = {
    "anonymous": None,
    "culture_service": {"culture_service": True},
    "superuser": {"is_superuser": True, "is_staff": True, "role": "culture_service"},
    "coordinator": {"coordinator": True},
    "adviser": {"adviser": True},
    "commune_referent": {"referent": True},
    "librarian": {"librarian": True},
}
ALLOWED = {"culture_service", "superuser"}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_who_may_open_each_privacy_url(client, person, territory, estaires, role):
    if ROLES[role] is not None:
        extra = {"communes": [estaires]} if role in ("adviser", "commune_referent") else {}
        client.force_login(f.UserFactory(territory=territory, **ROLES[role], **extra))
    for name, url in urls_for(person).items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("accounts:login")), name
        elif role in ALLOWED:
            assert response.status_code == 200, (name, response.status_code)
        else:
            assert response.status_code == 403, (name, role)
