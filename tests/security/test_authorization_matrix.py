"""The authorization matrix: every URL pattern of the project (from the URL resolver, so a
new view is walked automatically), with each role of territory A, a Service Culture user of
territory B and an anonymous visitor.

* nobody ever gets a server error;
* an anonymous visitor never gets a staff page (/espace/, /admin/, /compte/jetons/);
* territory B's user never reaches an object of territory A, and never sees A's data
  (its commune's name, an inhabitant's name) on any page;
* the commune referent and the librarian never see an inhabitant's name;
* each role gets the answer EXPECTED says (allowed or refused), URL by URL.

GET for everyone; POST (empty form) too, inside a transaction rolled back, so that a POST
that is allowed changes nothing for the next URLs.
"""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from django.test import Client

from cadran.core.middleware import is_staff_path

from .expected import EXPECTED
from .urls_walk import build_url, params_for, walk
from .world import COMMUNE_MARKER, PERSON_MARKER, REGISTRANT_MARKER, ROLES, World, build_world

pytestmark = pytest.mark.django_db

# Query strings some pages need to show something.
QUERY = {
    "staff:book": lambda w: f"?creneau={w.objects['free_slot']}",
    # A part of the name: the page repeats the query, not the marker itself.
    "staff:beneficiary_search": lambda w: f"?q={PERSON_MARKER[:7]}",
    "privacy:person": lambda w: f"?b={w.objects['beneficiary'].pk}",
    "privacy:person_export": lambda w: f"?b={w.objects['beneficiary'].pk}",
}


ROLE_LETTERS = {
    "culture": "c",
    "coordinator": "o",
    "adviser": "a",
    "referent": "r",
    "librarian": "l",
    "culture_b": "B",
    "anonymous": "*",
}


def classify(response, method: str) -> str:
    """ok: served (2xx, or a redirect that is not to the login page); login: sent to the
    login page; no: 401/403/404; method: 405; bad: 400; error: 5xx."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        if "/compte/connexion/" in location or "/admin/login/" in location:
            return "login"
        if location.rstrip("/").endswith("/admin"):
            return "no"  # the admin's answer for an object out of the user's scope
        if location.endswith("/change/") and location.startswith(response.request["PATH_INFO"]):
            return "alias"  # the admin's old object URL, sent on to its change page
        return "ok"
    if status in (401, 403, 404):
        return "no"
    if status == 405:
        return "method"
    if status == 400:
        return "bad"
    if status == 409 or status == 422 or status == 429:
        return "ok"  # the API handled it (conflict, invalid data)
    return "ok"


# Path parameters that are not objects of territory A.
NEUTRAL_PARAMS = {"fmt", "step", "app_label", "url"}
# Pages under a staff prefix that anyone may open: they show no data.
OPEN_STAFF_PAGES = {"admin:login", "admin:logout"}
# Views that end the session: walked with GET only (a POST would log the client out).
LOGOUT_VIEWS = {"accounts:logout", "admin:logout"}
# Private links: the token is the credential, the person's own page shows their name.
PRIVATE_LINKS = {
    "public:appointment",
    "public:cancel",
    "public:workshop_registration",
    "public:workshop_registration_cancel",
}


def client_for(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def run_matrix(world: World, role: str) -> dict[str, dict]:
    client = client_for(world, role)
    results = {}
    missing = []
    for route in walk():
        try:
            values = params_for(route, world)
        except LookupError as exc:
            missing.append(str(exc))
            continue
        url = build_url(route, values)
        if route.view_name in QUERY:
            url += QUERY[route.view_name](world)
        entry = {"url": url, "uses_a_object": bool(set(values) - NEUTRAL_PARAMS)}
        response = client.get(url)
        entry["get"] = classify(response, "GET")
        entry["get_status"] = response.status_code
        entry["get_body"] = _text(response)
        if not url.startswith("/admin/") and route.view_name not in LOGOUT_VIEWS:
            with transaction.atomic():
                response = client.post(url, {})
                transaction.set_rollback(True)
            entry["post"] = classify(response, "POST")
            entry["post_status"] = response.status_code
            entry["post_body"] = _text(response)
        else:
            entry["post"] = entry["post_status"] = None
            entry["post_body"] = ""
        results[route.view_name] = entry
    assert not missing, "\n".join(missing)
    return results


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    content_type = response.get("Content-Type", "")
    if content_type.startswith(("text/", "application/json")):
        return response.content.decode(errors="replace")
    return ""


def allowed(entry) -> bool:
    return entry["get"] == "ok" or entry["post"] == "ok"


@pytest.fixture
def world(frozen_now, settings):
    settings.CADRAN_RATELIMIT_PER_CLIENT = 100_000
    settings.CADRAN_RATELIMIT_PER_TARGET = 100_000
    return build_world()


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(world, role):
    results = run_matrix(world, role)
    problems = []
    for name, entry in results.items():
        url = entry["url"]
        for method in ("get", "post"):
            if entry[method] == "error":
                problems.append(
                    f"{method.upper()} {url} ({name}) : erreur {entry[method + '_status']}"
                )
        if role == "anonymous" and is_staff_path(url) and name not in OPEN_STAFF_PAGES:
            for method in ("get", "post"):
                if entry[method] == "ok":
                    problems.append(f"anonyme : {method.upper()} {url} ({name}) servi")
        if role == "culture_b":
            if is_staff_path(url) and entry["uses_a_object"] and allowed(entry):
                problems.append(f"territoire B : {url} ({name}) atteint un objet de A")
            for marker in (COMMUNE_MARKER, PERSON_MARKER, REGISTRANT_MARKER):
                for method in ("get", "post"):
                    if is_staff_path(url) and marker in entry[method + "_body"]:
                        problems.append(
                            f"territoire B : « {marker} » visible sur {method.upper()} {url} ({name})"
                        )
        if (
            role in ("referent", "librarian", "culture_b", "anonymous")
            and name not in PRIVATE_LINKS
        ):
            for method in ("get", "post"):
                if PERSON_MARKER in entry[method + "_body"]:
                    problems.append(
                        f"{role} : nom d'un habitant visible sur {method.upper()} {url} ({name})"
                    )
    letter = ROLE_LETTERS[role]
    for name, entry in results.items():
        expected = EXPECTED.get(name)
        if expected is None:
            problems.append(f"{name} ({entry['url']}) : absent de tests/security/expected.py")
            continue
        want = letter in expected
        if allowed(entry) != want:
            problems.append(
                f"{role} : {entry['url']} ({name}) "
                f"{'servi' if allowed(entry) else 'refusé'} ({entry['get_status']}/"
                f"{entry['post_status']}), attendu : {'servi' if want else 'refusé'}"
            )
    if os.environ.get("CADRAN_MATRIX_PRINT"):
        for name, entry in results.items():
            print(
                f"MATRIX {role} {name} {entry['get_status']} {entry['post_status']} {'OK' if allowed(entry) else '--'}"
            )
    assert not problems, "\n".join(problems)
