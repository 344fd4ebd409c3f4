"""A stand-in for La Coop's API v1, for the tests only (a thread of the test process).

Its answers are built from La Coop's OpenAPI document (tests/api/fixtures/
lacoop-v1.openapi.json, see the README there) and validated against it with ``jsonschema``
before they are sent: an item starts as the document's own example of its schema, the test
overrides some attributes, and a response that the document would not allow fails the test.
As the document says, the bearer token is ``client_id:client_secret``, a page holds at most
``page[size]`` ≤ 500 items and the next one is reached with the ``page[after]`` cursor of
``links.next``; ``filter[modification][depuis]`` keeps what changed since that moment.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema

# Shared with the API tests; its source, commit and licence: tests/api/fixtures/README.md.
DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "api" / "fixtures" / "lacoop-v1.openapi.json"
DOCUMENT: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))

CLIENT_ID = "cadran-ccfl"
CLIENT_SECRET = "secret-de-test-0123456789"


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: ``$ref`` inlined, ``nullable`` as ``null``."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return to_json_schema(target)
    out = {k: to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def example_of(schema: dict[str, Any]) -> Any:
    """The document's example of a (converted or not) schema, built from its parts."""
    schema = to_json_schema(schema) if "$ref" in schema else schema
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        return {name: example_of(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return []
    if schema.get("nullable"):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("format") == "date-time":
        return "2024-01-01T00:00:00Z"
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return {"string": "", "integer": 0, "number": 0, "boolean": False}.get(kind)


def _raw_schema(name: str) -> dict[str, Any]:
    return DOCUMENT["components"]["schemas"][name]


def _response_schema(path: str) -> dict[str, Any]:
    response = DOCUMENT["paths"][path]["get"]["responses"]["200"]
    return to_json_schema(response["content"]["application/json"]["schema"])


def _parameters(path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in DOCUMENT["paths"][path]["get"].get("parameters", [])}


def make_item(schema_name: str, item_id: str | None = None, **attributes) -> dict[str, Any]:
    """An item of the document's schema (``Activite``, ``Utilisateur``, ``Structure``)."""
    item = example_of(_raw_schema(schema_name))
    item["id"] = item_id or str(uuid.uuid4())
    for key, value in attributes.items():
        if isinstance(value, dict) and isinstance(item["attributes"].get(key), dict):
            item["attributes"][key].update(value)
        else:
            item["attributes"][key] = value
    jsonschema.validate(item, to_json_schema(_raw_schema(schema_name)))
    return item


def activite(**attributes) -> dict[str, Any]:
    item_id = attributes.pop("id", None)
    return make_item("Activite", item_id, **attributes)


def utilisateur(email: str, mediateur_id: str, **attributes) -> dict[str, Any]:
    return make_item(
        "Utilisateur",
        attributes.pop("id", None),
        email=email,
        mediateur={"id": mediateur_id, "en_activite": [], "coordinations": []},
        **attributes,
    )


def structure(code_insee: str | None, **attributes) -> dict[str, Any]:
    return make_item("Structure", attributes.pop("id", None), code_insee=code_insee, **attributes)


def _parse_moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class StandIn:
    """The data the stand-in serves and what it was asked (``requests``)."""

    paths = ("/activites", "/utilisateurs", "/structures")

    def __init__(self) -> None:
        self.items: dict[str, list[dict[str, Any]]] = {p: [] for p in self.paths}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.errors: list[str] = []
        self.token = f"{CLIENT_ID}:{CLIENT_SECRET}"
        self.fail_with: int | None = None
        self.fail_after_cursor = False  # fail_with only for the pages after the first
        self._server: ThreadingHTTPServer | None = None

    @property
    def activities(self) -> list[dict[str, Any]]:
        return self.items["/activites"]

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v1"

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [params for p, params in self.requests if p == path]

    # --- answers, as the document describes them ------------------------------------------

    def answer(self, path: str, query: dict[str, str], authorization: str | None):
        if self.fail_with and (not self.fail_after_cursor or "page[after]" in query):
            return self.fail_with, {"error": "panne simulée"}
        if authorization != f"Bearer {self.token}":
            return 401, {"error": "Unauthorized"}
        if path not in self.paths:
            return 404, {"error": "Not found"}
        known = _parameters(path)
        for name, value in query.items():
            if name not in known:
                return 400, {"error": f"paramètre inconnu {name}"}
            try:
                jsonschema.validate(
                    int(value) if known[name]["schema"].get("type") == "integer" else value,
                    to_json_schema(known[name]["schema"]),
                )
            except (ValueError, jsonschema.ValidationError) as exc:
                return 400, {"error": f"paramètre {name} invalide : {exc}"}
        items = self._ordered(path, self.items[path])
        if "filter[modification][depuis]" in query:
            since = _parse_moment(query["filter[modification][depuis]"])
            items = [i for i in items if self._modified(i) >= since]
        if "ids" in query:
            wanted = set(query["ids"].split(","))
            if len(wanted) > 100:
                return 400, {"error": "100 ids au plus"}
            items = [i for i in items if i["id"] in wanted]
        size = int(query.get("page[size]", "500"))
        start = 0
        if "page[after]" in query:
            ids = [i["id"] for i in items]
            if query["page[after]"] not in ids:
                return 400, {"error": "curseur inconnu"}
            start = ids.index(query["page[after]"]) + 1
        page = items[start : start + size]
        has_next = start + size < len(items)
        self_url = f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"
        links = {"self": self_url}
        if has_next:
            after = {k: v for k, v in query.items() if k != "page[after]"}
            after["page[after]"] = page[-1]["id"]
            links["next"] = f"{self.base_url}{path}?{urllib.parse.urlencode(after)}"
        body = {
            "data": page,
            "links": links,
            "meta": {
                "total_count": len(items),
                "items_per_page": size,
                "total_pages": max(1, -(-len(items) // size)),
                "has_next_page": has_next,
                "has_prev_page": start > 0,
            },
        }
        try:
            jsonschema.validate(
                body, _response_schema(path), format_checker=jsonschema.FormatChecker()
            )
        except jsonschema.ValidationError as exc:
            self.errors.append(f"{path}: {exc.message}")
            return 500, {"error": "réponse hors du document"}
        return 200, body

    @staticmethod
    def _modified(item: dict[str, Any]) -> dt.datetime:
        attrs = item["attributes"]
        return _parse_moment(attrs.get("modification") or attrs["creation"])

    def _ordered(self, path: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Activities: latest modification first; users and structures: latest creation first.
        if path == "/activites":
            return sorted(items, key=lambda i: (self._modified(i), i["id"]), reverse=True)
        return sorted(items, key=lambda i: (i["attributes"]["creation"], i["id"]), reverse=True)

    # --- the server ------------------------------------------------------------------------

    def start(self) -> StandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                url = urllib.parse.urlsplit(self.path)
                path = url.path.removeprefix("/api/v1")
                query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                standin.requests.append((path, query))
                status, body = standin.answer(path, query, self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
