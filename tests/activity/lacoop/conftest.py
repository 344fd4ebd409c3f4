from __future__ import annotations

import pytest

from tests.activity.lacoop.standin import StandIn


@pytest.fixture
def lacoop():
    """La Coop's stand-in, running on 127.0.0.1 for the test; no invalid answer was sent."""
    standin = StandIn().start()
    yield standin
    standin.stop()
    assert not standin.errors, standin.errors


@pytest.fixture
def connection(lacoop, territory):
    from tests.activity.factories import LaCoopConnectionFactory

    return LaCoopConnectionFactory(territory=territory, base_url=lacoop.base_url)
