"""schemathesis against Cadran's own OpenAPI schema, on a live server: for every operation,
a bounded number of generated requests (valid and invalid); no answer may be a server
error, and every answer must match the schema the API publishes (status, content type,
body).

(schemathesis' pytest loader ``from_fixture`` does not run under pytest 9, so the test
walks the operations itself and runs each one's hypothesis strategy.)
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import caches
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .world import API_TOKEN, build_world

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def live_api(live_server, transactional_db, settings):
    # The fuzzer sends hundreds of POSTs from one address: this test is not about limits.
    settings.CADRAN_RATELIMIT_PER_CLIENT = 10**6
    settings.CADRAN_RATELIMIT_PER_TARGET = 10**6
    build_world()
    yield live_server.url
    caches["ratelimit"].clear()


def test_the_api_keeps_its_own_contract(live_api):
    schema = schemathesis.openapi.from_url(f"{live_api}/api/v1/openapi.json")
    failures: list[str] = []
    operations = 0
    sent: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            sent.append(case.operation.label)
            case.call_and_validate(
                base_url=live_api,
                headers={"Authorization": f"Bearer {API_TOKEN}"},
                checks=CHECKS,
            )

        try:
            run()
        except Exception as exc:  # noqa: BLE001 — every operation is tried, all are reported
            failures.append(f"{operation.method.upper()} {operation.path}:\n{exc}")
    assert operations >= 8
    # Bounded, but not trivial: each operation got several generated requests.
    assert len(sent) >= operations * 5, len(sent)
    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sessions?from=0001-01-01&to=0001-01-01&commune=59212",
        "/api/v1/sessions?from=9999-12-31&to=9999-12-31",
        "/api/v1/communes/59212/slots?from=0001-01-01&to=0001-01-02",
        "/api/v1/communes/59212/slots?from=9999-12-30&to=9999-12-31",
        "/api/v1/activities?from=0001-01-01&to=0001-01-01",
        "/api/v1/activities?from=9999-12-31&to=9999-12-31",
        "/api/v1/reports/attendance?from=0001-01-01&to=0001-01-01",
        "/api/v1/reports/attendance?from=9999-12-31&to=9999-12-31",
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_not_server_errors(client, frozen_now, url):
    """Found by the fuzzer: the first and last dates Python knows (year 1, year 9999)."""
    build_world()
    response = client.get(url, headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code < 500, (url, response.status_code)
