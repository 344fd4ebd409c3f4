"""The OpenAPI document says every rule the server checks (issue 15), fuzzed by schemathesis.

Every operation of ``/api/v1/openapi.json`` is called with generated data, valid and
invalid, and each answer goes through **all** of schemathesis' checks (status code,
content type and response body conformance, no server error, invalid data refused, valid
data accepted, ...). Twice: without a token (a public site), and with a staff token holding
every right (a staff tool). Bounded and reproducible: ``MAX_EXAMPLES`` generated examples
per operation and phase, a fixed seed, deterministic generation (docs/api.md).

The data looks like the demo: a territory with two communes, a permanence open online, a
published workshop session and an off-site one, an activity record. The rate limits are
raised for these tests only (``CADRAN_RATELIMIT_*``): otherwise most POSTs would stop at
429 after ten attempts and nothing behind the limit would be fuzzed. That 429 is declared
on every limited operation is checked on its own (``test_limited_operations_declare_429``).
"""

from __future__ import annotations

import pytest
import schemathesis
import schemathesis.engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.openapi.checks import RejectedPositiveData

from cadran.accounts.services import create_api_token
from cadran.api import activity_routes, lacoop_routes, periods, report_routes, workshop_routes
from cadran.core.ratelimit import LIMITED
from cadran.scheduling.services import SLOT_UNAVAILABLE
from tests.activity.factories import ActivityRecordFactory
from tests.public.workshop_helpers import make_session
from tests.workshops.factories import SessionFactory

MAX_EXAMPLES = 25
SEED = 15

CONFIG = {
    "seed": SEED,
    # No U+0000 in generated text: every request carrying one is refused (422) before any
    # endpoint (cadran/core/input_guard.py), a rule the API description states once for all
    # fields rather than in each field's pattern.
    "generation": {
        "mode": "all",
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "allow-x00": False,
    },
    "checks": {"enabled": True},
    "phases": {"stateful": {"enabled": False}},
}

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def demo_like(settings, territory, estaires, merville, permanence, adviser):
    settings.CADRAN_RATELIMIT_PER_CLIENT = 1_000_000
    settings.CADRAN_RATELIMIT_PER_TARGET = 1_000_000
    make_session(territory, estaires)
    SessionFactory(workshop__territory=territory, venue__commune=merville, off_site=True)
    ActivityRecordFactory(adviser=adviser, commune=estaires)
    return territory


# Refusals the schema cannot say, because they depend on the data or on two fields at
# once: a schema-valid request may get them (422), each documented in docs/api.md and in
# the operation's description. Any other 422 to a schema-valid request is a failure.
BUSINESS_REFUSALS = {
    # (field of ``errors``, message); the period rules of the list endpoints:
    ("to", periods.DATE_ORDER),
    ("__detail__", periods.TOO_LONG_DETAIL),
    ("__detail__", activity_routes.BAD_PERIOD),
    ("__detail__", f"Demandez au plus {activity_routes.MAX_SPAN_DAYS} jours à la fois."),
    ("__detail__", report_routes.BAD_PERIOD),
    ("__detail__", report_routes.TOO_LONG),
    # a slot id that no permanence has, or that is no longer offered:
    ("slot", "Ce créneau n'existe pas."),
    ("slot", SLOT_UNAVAILABLE),
    # a person who may not come to a workshop, or is already registered:
    ("__detail__", workshop_routes.INELIGIBLE),
    ("__all__", "Vous êtes déjà inscrit(e) à cet atelier."),
    # a cursor that was not given by a previous page:
    ("page[after]", lacoop_routes.CURSOR_MESSAGE),
    ("page[before]", lacoop_routes.CURSOR_MESSAGE),
}


def is_business_refusal(failure, response) -> bool:
    if response.status_code != 422 or not isinstance(failure, RejectedPositiveData):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    said = {("__detail__", body.get("detail"))}
    said |= {(name, m) for name, messages in body.get("errors", {}).items() for m in messages}
    return any(
        name == known_name and message.startswith(known)
        for name, message in said
        if isinstance(message, str)
        for known_name, known in BUSINESS_REFUSALS
    )


def run_schemathesis(base_url: str, headers: dict[str, str] | None = None) -> list[str]:
    """Every failure found, one line each (operation, check, status, what was sent)."""
    config = SchemathesisConfig.from_dict({**CONFIG, "headers": headers or {}})
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config)

    @schema.hook
    def filter_failure(context, failure, case, response) -> bool:
        return not is_business_refusal(failure, response)

    failures: list[str] = []
    errors: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(f"{getattr(event, 'label', '')}: {event.info.format()}")
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is None:
                    continue
                interaction = recorder.interactions.get(case_id)
                response = interaction.response if interaction else None
                status = response.status_code if response else "-"
                body = response.content[:300] if response else b""
                failures.append(
                    f"{recorder.label} {check.name} -> {status}: "
                    f"{check.failure_info.failure.title} | {check.failure_info.code_sample} "
                    f"| {body!r}"
                )
    return sorted(set(failures)) + errors


def test_api_without_token(demo_like, live_server):
    failures = run_schemathesis(live_server.url)
    assert not failures, "\n".join(failures)


def test_api_with_a_staff_token(demo_like, live_server, culture_user):
    _row, clear = create_api_token(user=culture_user, name="Fuzz")
    failures = run_schemathesis(live_server.url, {"Authorization": f"Bearer {clear}"})
    assert not failures, "\n".join(failures)


def test_limited_operations_declare_429(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]: op for item in schema["paths"].values() for op in item.values()
    }
    limited = [name.split(":", 1)[1] for name in LIMITED if name.startswith("api:")]
    assert limited
    for name in limited:
        op = next(o for key, o in operations.items() if key.endswith(name))
        assert "429" in op["responses"], name
