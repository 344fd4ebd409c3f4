"""The La Coop client against the stand-in server built from La Coop's OpenAPI document."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cadran.activity.lacoop.client import LaCoopClient, LaCoopError, isoformat
from tests.activity.lacoop.standin import CLIENT_ID, CLIENT_SECRET, activite, structure


def client_for(standin, **kwargs) -> LaCoopClient:
    return LaCoopClient(standin.base_url, CLIENT_ID, CLIENT_SECRET, **kwargs)


def test_bearer_is_client_id_colon_secret(lacoop):
    lacoop.activities.append(activite())
    assert len(list(client_for(lacoop).activities())) == 1
    wrong = LaCoopClient(lacoop.base_url, CLIENT_ID, "autre-secret")
    with pytest.raises(LaCoopError, match="refuse les identifiants .erreur 401."):
        list(wrong.activities())


def test_follows_the_cursor_through_every_page(lacoop):
    lacoop.activities.extend(activite() for _ in range(7))
    got = list(client_for(lacoop, page_size=3).activities())
    assert sorted(a["id"] for a in got) == sorted(a["id"] for a in lacoop.activities)
    calls = lacoop.requests_to("/activites")
    assert len(calls) == 3
    assert "page[after]" not in calls[0]
    assert calls[1]["page[after]"] == got[2]["id"] and calls[2]["page[after]"] == got[5]["id"]
    assert all(c["page[size]"] == "3" for c in calls)


def test_page_size_is_capped_at_500(lacoop):
    list(client_for(lacoop, page_size=10_000).activities())
    assert lacoop.requests_to("/activites")[0]["page[size]"] == "500"


def test_incremental_filter_on_modification(lacoop):
    lacoop.activities.append(activite(modification="2026-11-01T08:00:00Z"))
    recent = activite(modification="2026-11-26T08:00:00Z")
    lacoop.activities.append(recent)
    since = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    got = list(client_for(lacoop).activities(modified_since=since))
    assert [a["id"] for a in got] == [recent["id"]]
    assert lacoop.requests_to("/activites")[0]["filter[modification][depuis]"] == isoformat(since)
    assert isoformat(since) == "2026-11-20T09:00:00Z"


def test_structures_by_batches_of_100_ids(lacoop):
    lacoop.items["/structures"].extend(structure("59212") for _ in range(150))
    ids = [s["id"] for s in lacoop.items["/structures"]]
    got = list(client_for(lacoop).structures(ids))
    assert len(got) == 150
    calls = lacoop.requests_to("/structures")
    assert sorted(len(c["ids"].split(",")) for c in calls) == [50, 100]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (403, "refuse l'accès"),
        (404, "introuvable"),
        (429, "limite le nombre"),
        (503, "momentanément indisponible .erreur 503."),
    ],
)
def test_http_errors_are_french(lacoop, status, message):
    lacoop.fail_with = status
    with pytest.raises(LaCoopError, match=message):
        list(client_for(lacoop).activities())


def test_unreachable_server_and_invalid_url():
    unreachable = LaCoopClient("http://127.0.0.1:9/api/v1", "a", "b", timeout=2)
    with pytest.raises(LaCoopError, match="Impossible de joindre La Coop"):
        list(unreachable.activities())
    with pytest.raises(LaCoopError, match="n'est pas valable"):
        LaCoopClient("ftp://exemple.fr", "a", "b")


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        threading.Event().wait(2)

    def log_message(self, *args):
        pass


def test_timeout_is_an_error_not_a_hang():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        slow = LaCoopClient(f"http://{host}:{port}/api/v1", "a", "b", timeout=0.3)
        with pytest.raises(LaCoopError, match="n'a pas répondu dans les 0.3 secondes"):
            list(slow.activities())
    finally:
        server.shutdown()
        server.server_close()


def test_next_link_to_another_server_is_refused(lacoop):
    client = client_for(lacoop)
    with pytest.raises(LaCoopError, match="autre serveur"):
        client.get_json("https://ailleurs.example.org/api/v1/activites")


def test_error_messages_never_contain_the_secret(lacoop):
    lacoop.fail_with = 500
    with pytest.raises(LaCoopError) as caught:
        list(client_for(lacoop).activities())
    assert CLIENT_SECRET not in str(caught.value)
