from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings

from cadran.core.clock import PARIS
from tests import factories as f

# hypothesis: at most 200 examples a test, no deadline (shared, slow CI machines).
hypothesis_settings.register_profile("cadran", max_examples=200, deadline=None)
hypothesis_settings.load_profile("cadran")

# Friday 27 November 2026, 10:00 in Paris: the tests' "now".
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)


@pytest.fixture(scope="session", autouse=True)
def _today_moved():
    """``CADRAN_TEST_TODAY=2028-02-29`` runs the whole suite as if that were today (the clock
    still ticks): no test may depend on the real date (``.ci/run`` moves it years ahead)."""
    today = os.environ.get("CADRAN_TEST_TODAY")
    if not today:
        yield
        return
    moved = dt.datetime.combine(dt.date.fromisoformat(today), dt.time(9, 30), tzinfo=PARIS)
    with time_machine.travel(moved, tick=True):
        yield


@pytest.fixture
def real_clock():
    """The real time, even under ``CADRAN_TEST_TODAY``: for tests that start another process
    (a worker), whose clock is the machine's."""
    if not time_machine.escape_hatch.is_travelling():
        yield
        return
    real = time_machine.escape_hatch.time.time()
    with time_machine.travel(real, tick=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _static_root_exists():
    """WhiteNoise warns (an error here) when STATIC_ROOT is missing, as on a fresh clone."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def frozen_now():
    """Freeze time at NOW (it still ticks, so ordering by creation works)."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture(autouse=True)
def _fresh_territory_identities(settings):
    """Each test starts without cached territory identities (the database rolled back under
    the last ones), kept as long as the test lasts, whatever time it travels to."""
    from cadran.territory import identity

    settings.CADRAN_TERRITORY_CACHE_SECONDS = None
    identity.reset()


@pytest.fixture(autouse=True)
def _public_cache_in_memory(settings):
    """The public pages' cache in the process's memory, as before it was shared: a change
    bumps its version at once, even inside the test's transaction. The shared cache (the
    database table, Redis) has its own tests: tests/public/test_page_cache.py."""
    settings.CADRAN_PUBLIC_CACHE_ALIAS = "default"


@pytest.fixture
def territory(db):
    # The CCFL's own programme name: « Conseillers numériques Esperluette » is not Cadran's.
    return f.TerritoryFactory(slug="ccfl", programme_name="Conseillers numériques Esperluette")


@pytest.fixture
def estaires(territory):
    return f.CommuneFactory(
        territory=territory, insee_code="59212", name="Estaires", slug="estaires", postcode="59940"
    )


@pytest.fixture
def merville(territory):
    return f.CommuneFactory(
        territory=territory, insee_code="59400", name="Merville", slug="merville", postcode="59660"
    )


@pytest.fixture
def adviser(territory, estaires):
    return f.UserFactory(adviser=True, territory=territory, communes=[estaires])


@pytest.fixture
def permanence(estaires, adviser):
    return f.PermanenceFactory(commune=estaires, adviser=adviser)


@pytest.fixture
def culture_user(territory):
    return f.UserFactory(culture_service=True, territory=territory)


@pytest.fixture
def coordinator(territory):
    return f.UserFactory(coordinator=True, territory=territory)


@pytest.fixture
def referent(territory, estaires):
    return f.UserFactory(referent=True, territory=territory, communes=[estaires])


@pytest.fixture
def librarian(territory, estaires):
    library = f.LibraryFactory(commune=estaires)
    return f.UserFactory(librarian=True, territory=territory, library=library)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Argon2 is deliberately slow; tests hash with MD5 (production keeps Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
