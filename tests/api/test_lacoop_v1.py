"""``GET /api/v1/activites``: La Coop's API v1 shape, checked against La Coop's own document.

Every answer body is validated with ``jsonschema`` against the response schema of
``GET /activites`` in La Coop's published OpenAPI document (``fixtures/lacoop-v1.openapi.json``,
see ``fixtures/README.md``), its ``$ref`` resolved by ``referencing``. Two mechanical
adaptations of OpenAPI 3.0 to JSON Schema, nothing more: ``nullable: true`` becomes « or
null », and the formats ``date-time`` and ``uri`` get checkers (jsonschema has none built in
for them without extra packages). The one known difference with the document — links sent
as JSON:API link objects ``{"href": …}``, as La Coop's route does, where the document says
strings — is accepted explicitly and only at ``links.*``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import zlib
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import rfc3986
import rfc3986.exceptions
import rfc3986.validators
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from cadran.accounts.services import create_api_token
from cadran.api.lacoop_routes import (
    CURSOR_MESSAGE,
    PAGE_SIZE_MESSAGE,
    encode_cursor,
    stable_uuid,
)
from cadran.core.clock import PARIS
from tests import factories as f
from tests.activity.factories import RECORDED_AT, ActivityRecordFactory

pytestmark = pytest.mark.usefixtures("frozen_now")
URL = "/api/v1/activites"
DOCUMENT = Path(__file__).parent / "fixtures" / "lacoop-v1.openapi.json"
DOCUMENT_URI = "urn:lacoop:v1.openapi.json"
RESPONSE_POINTER = "#/paths/~1activites/get/responses/200/content/application~1json/schema"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- La Coop's document as a validator ----------------------------------------------------


def _nullable_to_json_schema(node):
    """OpenAPI 3.0's ``nullable: true`` is JSON Schema's « or null » (also past an ``enum``)."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        return {"anyOf": [{"type": "null"}, node]}
    return node


FORMATS = FormatChecker()
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.I)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


URI_VALIDATOR = (
    rfc3986.validators.Validator()
    .require_presence_of("scheme", "host")
    .check_validity_of("scheme", "host", "port", "path", "query")
)


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        URI_VALIDATOR.validate(rfc3986.uri_reference(value))
    except rfc3986.exceptions.ValidationError:
        return False
    return True


@cache
def lacoop_validator() -> Draft4Validator:
    document = _nullable_to_json_schema(json.loads(DOCUMENT.read_text()))
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource(contents=document, specification=DRAFT4)
    )
    return Draft4Validator(
        {"$ref": f"{DOCUMENT_URI}{RESPONSE_POINTER}"}, registry=registry, format_checker=FORMATS
    )


def assert_lacoop_shape(body: dict) -> None:
    """Valid against La Coop's document, except links sent as ``{"href": uri}`` objects."""
    unexpected = []
    for error in lacoop_validator().iter_errors(body):
        path = list(error.absolute_path)
        link_object = (
            len(path) == 2
            and path[0] == "links"
            and error.validator == "type"
            and error.validator_value == "string"
        )
        if not link_object:
            unexpected.append(f"{'/'.join(map(str, path))}: {error.message}")
    assert not unexpected, "\n".join(unexpected)
    for name, link in body["links"].items():
        assert name in {"self", "next", "prev"}
        assert set(link) == {"href"} and _is_uri(link["href"]), link


def test_the_copied_document_is_la_coops_and_describes_the_endpoint():
    document = json.loads(DOCUMENT.read_text())
    assert document["info"]["title"] == "La coop - API"
    operation = document["paths"]["/activites"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "page[size]",
        "page[after]",
        "page[before]",
        "filter[creation][depuis]",
        "filter[modification][depuis]",
    }
    # The validator really bites: an empty object or a wrong type is refused.
    assert list(lacoop_validator().iter_errors({}))
    bad = {"data": [{"type": "activity", "id": "1", "attributes": {}}], "links": {}, "meta": {}}
    messages = [e.message for e in lacoop_validator().iter_errors(bad)]
    assert any("'activity' is not one of ['activite']" in m for m in messages)
    assert any("is not a 'uuid'" in m for m in messages)


# --- helpers ------------------------------------------------------------------------------


def get(client, token: str | None, path: str = URL, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, params, headers=headers)


def follow(client, token: str, href: str):
    """A link of a previous answer, as a La Coop client follows it (absolute URL)."""
    assert href.startswith(settings.CADRAN_SITE_URL), href
    parts = urlsplit(href)
    return client.get(f"{parts.path}?{parts.query}", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def token(culture_user) -> str:
    return create_api_token(user=culture_user, name="Outil La Coop")[1]


@pytest.fixture
def venue(estaires):
    return f.VenueFactory(commune=estaires, name="Mairie d'Estaires")


# --- envelope and attributes --------------------------------------------------------------


def test_envelope_and_the_attributes_of_one_record(client, token, adviser, venue):
    record = ActivityRecordFactory(
        adviser=adviser,
        venue=venue,
        thematiques=["aide_aux_demarches_administratives", "email"],
        demarches=["argent_impots", "logement"],
        materiels=["ordinateur", "telephone"],
        participants=[{"genre": "feminin", "birth_year": 1950, "statut_social": "retraite"}],
        precisions_demarche="Déclaration de revenus",
        oriented=True,
        structure_redirection="administration",
        duration_minutes=45,
        updated_at=RECORDED_AT + dt.timedelta(hours=2, microseconds=123_456),
    )
    response = get(client, token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert_lacoop_shape(body)
    assert set(body) == {"data", "links", "meta"}
    assert body["links"] == {"self": {"href": f"{settings.CADRAN_SITE_URL}{URL}"}}
    assert body["meta"] == {
        "total_count": 1,
        "items_per_page": 500,
        "total_pages": 1,
        "has_next_page": False,
        "has_prev_page": False,
    }
    [resource] = body["data"]
    assert resource["type"] == "activite" and UUID_RE.match(resource["id"])
    attributes = resource["attributes"]
    for key in ("mediateur_id", "user_id", "structure_id"):
        assert UUID_RE.match(attributes.pop(key)), key
    assert attributes == {
        "type": "individuel",
        "accompagnements": 1,
        "date": "2026-11-25",
        "duree": 45,
        "type_lieu": "lieu_activite",
        "lieu_code_postal": "59940",
        "lieu_commune": "Estaires",
        "lieu_code_insee": "59212",
        # 10:00 in Paris (winter) is 09:00 UTC; JavaScript's toISOString(), milliseconds.
        "creation": "2026-11-27T09:00:00.000Z",
        "modification": "2026-11-27T11:00:00.123Z",
        "suppression": None,
        "autonomie": "partiellement_autonome",
        "oriente_vers_structure": True,
        "structure_de_redirection": "administration",
        "materiel": ["ordinateur", "telephone"],
        "thematiques": ["aide_aux_demarches_administratives", "email", "argent_impots", "logement"],
        "tags": [],
        "precisions_demarche": "Déclaration de revenus",
        "titre_atelier": None,
        "niveau_atelier": None,
        "beneficiaires": {
            "total": 1,
            "genres": {"masculin": 0, "feminin": 1, "non_communique": 0},
            "tranches_age": {
                "moins_de_douze": 0,
                "douze_dix_huit": 0,
                "dix_huit_vingt_quatre": 0,
                "vingt_cinq_trente_neuf": 0,
                "quarante_cinquante_neuf": 0,
                "soixante_soixante_neuf": 0,
                "soixante_dix_plus": 1,
                "non_communique": 0,
            },
            "statuts": {
                "scolarise": 0,
                "sans_emploi": 0,
                "en_emploi": 0,
                "retraite": 1,
                "non_communique": 0,
            },
        },
    }
    # Stable identifiers derived from Cadran's keys: the same record, adviser, venue.
    assert resource["id"] == stable_uuid("activite", record.pk)
    again = get(client, token).json()["data"][0]
    assert again["id"] == resource["id"]
    assert again["attributes"]["structure_id"] == stable_uuid("structure", venue.pk)
    assert again["attributes"]["user_id"] == stable_uuid("user", adviser.pk)


def test_a_workshop_nested_counts_zero_filled_and_level(client, token, adviser, venue):
    ActivityRecordFactory(adviser=adviser, venue=venue, collective=True, thematiques=["email"])
    ActivityRecordFactory(adviser=adviser, remote=True, participants=[])
    body = get(client, token).json()
    assert_lacoop_shape(body)
    workshop = next(r for r in body["data"] if r["attributes"]["type"] == "collectif")
    attributes = workshop["attributes"]
    assert attributes["niveau_atelier"] == "debutant"
    assert attributes["titre_atelier"] == "Découvrir la tablette"
    assert attributes["autonomie"] is None and attributes["oriente_vers_structure"] is None
    assert attributes["accompagnements"] == 3
    beneficiaires = attributes["beneficiaires"]
    assert beneficiaires["total"] == 3
    assert beneficiaires["genres"] == {"masculin": 1, "feminin": 2, "non_communique": 0}
    assert beneficiaires["tranches_age"]["soixante_dix_plus"] == 3
    assert sum(beneficiaires["tranches_age"].values()) == 3
    assert beneficiaires["statuts"] == {
        "scolarise": 0,
        "sans_emploi": 0,
        "en_emploi": 0,
        "retraite": 3,
        "non_communique": 0,
    }
    remote = next(r for r in body["data"] if r["attributes"]["type_lieu"] == "a_distance")
    attributes = remote["attributes"]
    assert attributes["structure_id"] is None and attributes["lieu_code_insee"] == "59212"
    assert attributes["accompagnements"] == 0
    assert attributes["beneficiaires"]["total"] == 0
    assert set(attributes["beneficiaires"]["genres"].values()) == {0}


# --- pagination ---------------------------------------------------------------------------


@pytest.fixture
def twenty_five(adviser, venue):
    """25 records, three by three with the same modification time (ties broken by id)."""
    return [
        ActivityRecordFactory(
            adviser=adviser, venue=venue, updated_at=RECORDED_AT + dt.timedelta(minutes=i // 3)
        )
        for i in range(25)
    ]


def test_cursor_pagination_walks_every_record_exactly_once(client, token, twenty_five):
    response = get(client, token, **{"page[size]": "10"})
    pages = []
    while True:
        assert response.status_code == 200
        body = response.json()
        assert_lacoop_shape(body)
        pages.append(body)
        if "next" not in body["links"]:
            break
        response = follow(client, token, body["links"]["next"]["href"])
    assert [len(p["data"]) for p in pages] == [10, 10, 5]
    ids = [r["id"] for p in pages for r in p["data"]]
    assert len(ids) == len(set(ids)) == 25
    stamps = [r["attributes"]["modification"] for p in pages for r in p["data"]]
    assert stamps == sorted(stamps, reverse=True)
    for index, page in enumerate(pages):
        assert page["meta"] == {
            "total_count": 25,
            "items_per_page": 10,
            "total_pages": 3,
            "has_next_page": index < 2,
            "has_prev_page": index > 0,
        }
        assert "page%5Bsize%5D=10" in page["links"]["self"]["href"]
    assert "prev" not in pages[0]["links"]

    # Back from the last page with links.prev: the same pages, in the same order.
    backwards = [pages[-1]]
    while "prev" in backwards[-1]["links"]:
        body = follow(client, token, backwards[-1]["links"]["prev"]["href"]).json()
        assert_lacoop_shape(body)
        backwards.append(body)
    assert [[r["id"] for r in p["data"]] for p in reversed(backwards)] == [
        [r["id"] for r in p["data"]] for p in pages
    ]


def test_a_cursor_is_la_coops_encoding_of_modification_and_id(client, token, twenty_five):
    """superjson + deflate + URL-safe base64 of ``<modification>###<id>``, as La Coop's."""
    body = get(client, token, **{"page[size]": "1"}).json()
    href = body["links"]["next"]["href"]
    encoded = re.search(r"page%5Bafter%5D=([A-Za-z0-9_-]+)", href).group(1)
    decoded = zlib.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    stamp, _, key = json.loads(decoded)["json"].partition("###")
    newest = max(twenty_five, key=lambda r: (r.updated_at, r.pk))
    assert int(key) == newest.pk
    assert dt.datetime.fromisoformat(stamp) == newest.updated_at


@pytest.mark.parametrize("size", ["1", "500"])
def test_page_size_limits_are_la_coops(client, token, twenty_five, size):
    body = get(client, token, **{"page[size]": size}).json()
    assert_lacoop_shape(body)
    assert body["meta"]["items_per_page"] == int(size)
    assert len(body["data"]) == min(int(size), 25)


@pytest.mark.parametrize("size", ["0", "501", "-1", "dix", "", "1.5"])
def test_a_page_size_out_of_limits_is_a_french_422(client, token, twenty_five, size):
    response = get(client, token, **{"page[size]": size})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Certaines informations sont à corriger."
    assert body["errors"] == {"page[size]": [PAGE_SIZE_MESSAGE]}


def _deflated(text: str) -> str:
    return base64.urlsafe_b64encode(zlib.compress(text.encode())).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "pas-un-curseur",
        "%%%",
        base64.urlsafe_b64encode(b"not zlib").decode(),
        _deflated("not json"),
        _deflated(json.dumps({"json": "2026-11-27T09:00:00+00:00"})),  # no ###id
        _deflated(json.dumps({"json": "hier###12"})),
        _deflated(json.dumps({"json": "2026-11-27T09:00:00###12"})),  # no time zone
        _deflated(json.dumps({"json": "2026-11-27T09:00:00+00:00###-3"})),
        _deflated(json.dumps({"json": 12})),
        _deflated(json.dumps({"json": "x" * 100_000})),  # inflates too big
        "A" * 600,
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_bad_cursor_is_a_french_422(client, token, twenty_five, cursor, direction):
    response = get(client, token, **{f"page[{direction}]": cursor})
    assert response.status_code == 422
    assert response.json()["errors"] == {f"page[{direction}]": [CURSOR_MESSAGE]}


def test_both_cursors_unknown_parameters_and_bad_filters_are_french_422(client, token, twenty_five):
    cursor = encode_cursor(RECORDED_AT, 1)
    response = get(client, token, **{"page[after]": cursor, "page[before]": cursor})
    assert response.status_code == 422
    assert "pas les deux" in json.dumps(response.json(), ensure_ascii=False)
    response = get(client, token, page_size="10")
    assert response.status_code == 422
    assert "n'est pas attendu" in response.json()["errors"]["page_size"][0]
    for value in ("hier", "2026-09-01T00:00:00", "9999-12-31T23:59:59-23:00"):
        response = get(client, token, **{"filter[modification][depuis]": value})
        assert response.status_code == 422, value
        assert "ISO 8601" in response.json()["errors"]["filter[modification][depuis]"][0]


def test_creation_and_modification_filters(client, token, twenty_five):
    since = (RECORDED_AT + dt.timedelta(minutes=7)).astimezone(dt.UTC)
    params = {"filter[modification][depuis]": since.isoformat().replace("+00:00", "Z")}
    body = get(client, token, **params, **{"page[size]": "2"}).json()
    assert_lacoop_shape(body)
    expected = [r for r in twenty_five if r.updated_at >= since]
    assert body["meta"]["total_count"] == len(expected) == 4
    assert "filter%5Bmodification%5D%5Bdepuis%5D=" in body["links"]["next"]["href"]
    second = follow(client, token, body["links"]["next"]["href"]).json()
    assert len(body["data"]) + len(second["data"]) == 4 and "next" not in second["links"]
    creation = {"filter[creation][depuis]": "2026-11-27T10:00:00+01:00"}
    assert get(client, token, **creation).json()["meta"]["total_count"] == 25
    creation = {"filter[creation][depuis]": "2026-11-27T10:00:00.001+01:00"}
    assert get(client, token, **creation).json()["meta"]["total_count"] == 0


# --- scope and authentication -------------------------------------------------------------


def test_a_token_of_another_territory_sees_none_of_them(client, twenty_five):
    elsewhere = f.UserFactory(culture_service=True)  # its own, other territory
    assert elsewhere.territory_id != twenty_five[0].territory_id
    ActivityRecordFactory(adviser=f.UserFactory(adviser=True, territory=elsewhere.territory))
    token = create_api_token(user=elsewhere, name="Autre territoire")[1]
    body = get(client, token).json()
    assert_lacoop_shape(body)
    assert len(body["data"]) == 1 and body["meta"]["total_count"] == 1
    ours = {r.pk for r in twenty_five}
    mine = {r["id"] for r in get(client, token).json()["data"]}
    assert not mine & {str(pk) for pk in ours}
    # Nor with a cursor made from one of our records.
    cursor = encode_cursor(twenty_five[0].updated_at + dt.timedelta(days=1), 10**9)
    body = get(client, token, **{"page[after]": cursor}).json()
    assert all(r["id"] in mine for r in body["data"])


def test_an_adviser_token_sees_only_their_own_records(client, adviser, twenty_five, territory):
    colleague = f.UserFactory(adviser=True, territory=territory)
    ActivityRecordFactory(adviser=colleague)
    token = create_api_token(user=colleague, name="Outil")[1]
    body = get(client, token).json()
    assert body["meta"]["total_count"] == 1


def test_la_coop_client_credentials_missing_and_refused_tokens(
    client, token, referent, twenty_five
):
    # La Coop's tools send « client-id:client-secret »: the secret is Cadran's token.
    body = get(client, f"mon-outil:{token}", **{"page[size]": "1"}).json()
    assert body["meta"]["total_count"] == 25
    response = get(client, None)
    assert response.status_code == 401 and "Jeton d'API manquant" in response.json()["detail"]
    for wrong in ("pas-un-jeton", f"mon-outil:{token}x", f"{token}:", "a:b:c"):
        response = get(client, wrong)
        assert response.status_code == 401, wrong
        assert "inconnu ou révoqué" in response.json()["detail"]
    referent_token = create_api_token(user=referent, name="Outil")[1]
    response = get(client, referent_token)
    assert response.status_code == 403 and "ne donne pas accès" in response.json()["detail"]


def test_the_documented_endpoints_both_remain(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/activities" in paths and "/api/v1/activites" in paths
    operation = paths["/api/v1/activites"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "page[size]",
        "page[after]",
        "page[before]",
        "filter[creation][depuis]",
        "filter[modification][depuis]",
    }
    assert set(operation["responses"]) == {"200", "401", "403", "422"}


# --- queries ------------------------------------------------------------------------------


def _records(adviser, venue, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        ActivityRecordFactory(
            adviser=adviser,
            venue=venue,
            collective=bool(i % 2),
            thematiques=["aide_aux_demarches_administratives", "email"],
            demarches=["logement"],
            materiels=["ordinateur", "tablette"],
            participants=[{"genre": "feminin"}, {"genre": "masculin"}],
            updated_at=RECORDED_AT + dt.timedelta(seconds=i),
        )


def test_query_count_is_constant_as_records_grow(
    client, token, adviser, venue, django_assert_num_queries
):
    _records(adviser, venue, 2)
    get(client, token)  # the token's « last used » is written once, before counting
    with CaptureQueriesContext(connection) as few:
        assert len(get(client, token).json()["data"]) == 2
    _records(adviser, venue, 28, start=2)
    with django_assert_num_queries(len(few.captured_queries)):
        body = get(client, token).json()
    assert len(body["data"]) == 30
    with django_assert_num_queries(len(few.captured_queries)):
        body = get(client, token, **{"page[size]": "10"}).json()
    with django_assert_num_queries(len(few.captured_queries)):
        follow(client, token, body["links"]["next"]["href"])
    # Token, count, records, and one query per child table (thématiques, démarches…).
    assert len(few.captured_queries) <= 7


def test_times_are_utc_whatever_the_season(client, token, adviser, venue):
    summer = dt.datetime(2026, 7, 1, 12, 0, tzinfo=PARIS)
    ActivityRecordFactory(adviser=adviser, venue=venue, created_at=summer, updated_at=summer)
    attributes = get(client, token).json()["data"][0]["attributes"]
    assert attributes["creation"] == attributes["modification"] == "2026-07-01T10:00:00.000Z"
