"""The public pages served from the shared cache (cadran/public/page_cache.py): the database
table as configured by default (and Redis when one answers), invalidated by each kind of
change, never holding a visitor's own things.

These tests use the real database cache of config/settings.py (``cadran_cache``), in the
test's transaction. With it, a change writes the new version once its transaction commits,
which a test's transaction never does: each change is made inside ``committed()``, which
runs what the commit would run.
"""

from __future__ import annotations

import datetime as dt
import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.test import RequestFactory
from django.urls import reverse

from cadran.public.page_cache import cached_page
from cadran.publicity import cache
from cadran.workshops.services import cancel_session
from tests import factories as f

from .helpers import book_url, form_data
from .workshop_helpers import make_session

pytestmark = pytest.mark.usefixtures("frozen_now")

HOME = reverse("public:home")
COMMUNE = reverse("public:commune", args=["estaires"])
AGENDA = reverse("public:agenda") + "?debut=2026-12-01"

DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "cadran_cache",
    "KEY_PREFIX": "public",
}


@pytest.fixture
def shared_cache(settings):
    settings.CACHES = {**settings.CACHES, "public": DATABASE_CACHE}
    settings.CADRAN_PUBLIC_CACHE_ALIAS = "public"
    settings.CADRAN_PUBLIC_CACHE_SETTLE_SECONDS = 0
    return settings


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs, at the end of the block, what its commit would run."""

    @contextmanager
    def block():
        setattr(connection, cache._PENDING, None)  # a transaction of its own: nothing asked yet
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    return block


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def assert_hit(client, url: str, django_assert_num_queries) -> str:
    """``url`` is stored: the second request reads the cache only (one query)."""
    first = page(client, url)
    with django_assert_num_queries(1):  # the version and the page, in one SELECT
        again = page(client, url)
    assert again == first
    return first


# --- A change of each kind shows at the next request ------------------------------------------


def test_a_permanence_changed_shows_on_home_and_commune_page(
    client, shared_cache, permanence, django_assert_num_queries, committed
):
    assert "Le mercredi de 9h à 12h" in assert_hit(client, HOME, django_assert_num_queries)
    assert "de 9h à 12h" in assert_hit(client, COMMUNE, django_assert_num_queries)
    with committed():
        permanence.end_time = dt.time(11, 0)
        permanence.save()
    assert "Le mercredi de 9h à 11h" in page(client, HOME)
    commune_page = page(client, COMMUNE)
    assert "de 9h à 11h" in commune_page and "de 9h à 12h" not in commune_page


def test_a_closure_shows_on_home_and_commune_page(
    client,
    shared_cache,
    territory,
    permanence,
    django_assert_num_queries,
    committed,
):
    wed_9 = "mercredi 2 décembre à 9h00"
    assert wed_9 in assert_hit(client, HOME, django_assert_num_queries)
    assert "Mercredi 2 décembre" in assert_hit(client, COMMUNE, django_assert_num_queries)
    with committed():
        f.ClosureFactory(territory=territory)  # closes Wednesday 2 December
    home = page(client, HOME)
    assert wed_9 not in home and "mercredi 9 décembre à 9h00" in home
    assert "Mercredi 2 décembre" not in page(client, COMMUNE)


def test_a_session_added_and_cancelled_shows_on_the_agenda(
    client,
    shared_cache,
    territory,
    estaires,
    culture_user,
    django_assert_num_queries,
    committed,
):
    title = "Arnaques en ligne : les repérer"
    assert title not in assert_hit(client, AGENDA, django_assert_num_queries)
    with committed():
        session = make_session(territory, estaires)
    assert title in assert_hit(client, AGENDA, django_assert_num_queries)
    with committed():
        cancel_session(session=session, reason="Conseiller absent", by=culture_user)
    assert title not in page(client, AGENDA)


def test_a_venue_renamed_shows_everywhere(
    client,
    shared_cache,
    territory,
    estaires,
    permanence,
    django_assert_num_queries,
    committed,
):
    with committed():
        make_session(territory, estaires, venue=permanence.venue)
    for url in (HOME, COMMUNE, AGENDA):
        assert "Mairie de Estaires" in assert_hit(client, url, django_assert_num_queries)
    venue = permanence.venue
    with committed():
        venue.name = "Maison France services"
        venue.save()
    for url in (HOME, COMMUNE, AGENDA):
        content = page(client, url)
        assert "Maison France services" in content and "Mairie de Estaires" not in content


def test_a_booking_through_the_form_shows_on_home(
    client, shared_cache, permanence, django_assert_num_queries, committed
):
    assert "mercredi 2 décembre à 9h00" in assert_hit(client, HOME, django_assert_num_queries)
    with committed():
        assert client.post(book_url(permanence), form_data()).status_code == 302
    client.cookies.clear()
    home = page(client, HOME)
    assert "mercredi 2 décembre à 9h00" not in home
    assert "mercredi 2 décembre à 10h00" in home


def test_one_transaction_writes_one_version(shared_cache, permanence, committed):
    from django.db import transaction

    version = cache.current_version()
    with committed() as callbacks, transaction.atomic():
        for hour in (10, 11):
            permanence.end_time = dt.time(hour, 0)
            permanence.save()
        f.ClosureFactory(territory=permanence.commune.territory)
        assert cache.current_version() == version  # not before the commit
    assert len(callbacks) == 1  # three changes, one new version
    assert cache.current_version() > version


# --- What a cached page costs ------------------------------------------------------------------


def test_cached_pages_cost_one_query_whatever_the_size(
    client, shared_cache, territory, adviser, permanence, django_assert_num_queries
):
    for url in (HOME, COMMUNE, AGENDA):
        assert_hit(client, url, django_assert_num_queries)
    for _ in range(10):
        commune = f.CommuneFactory(territory=territory)
        f.PermanenceFactory(commune=commune, adviser=adviser)
        make_session(territory, commune)
    for url in (HOME, COMMUNE, AGENDA):
        assert_hit(client, url, django_assert_num_queries)


def test_a_conditional_request_gets_a_304(client, shared_cache, permanence):
    first = client.get(HOME)
    assert first["Cache-Control"] == "no-cache"
    again = client.get(HOME, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


# --- Nothing personal is stored or served -----------------------------------------------------


def test_cached_pages_carry_no_csrf_token_and_set_no_cookie(client, shared_cache, permanence):
    for url in (HOME, COMMUNE, AGENDA):
        for _ in range(2):  # built, then from the cache
            response = client.get(url)
            assert b"csrfmiddlewaretoken" not in response.content
            assert not response.cookies


def test_a_page_that_takes_a_csrf_token_is_not_stored(shared_cache, territory, db):
    """Should a cached page ever hold a form with ``{% csrf_token %}``: served, not stored."""
    built = []

    def render_with_token(request):
        def build():
            built.append(get_token(request))
            return render(request, "public/privacy.html", {"territories": [territory]})

        return build

    for _ in range(2):
        request = RequestFactory().get("/essai/")
        response = cached_page(request, "essai", (), render_with_token(request))
        assert response.status_code == 200
    assert len(built) == 2  # built each time: the first one was not kept


def test_a_signed_in_member_of_staff_gets_a_page_of_their_own(
    client, shared_cache, adviser, permanence, django_assert_num_queries
):
    assert_hit(client, HOME, django_assert_num_queries)
    client.force_login(adviser)
    response = client.get(HOME)
    assert response.status_code == 200
    assert "ETag" not in response  # built for them, not read from the cache


def test_a_visitor_with_a_message_waiting_gets_a_page_of_their_own(
    client, shared_cache, permanence
):
    client.get(HOME)
    assert "ETag" in client.get(HOME)  # stored, read from the cache
    client.cookies["messages"] = "un message signé"
    assert "ETag" not in client.get(HOME)  # built for them: their messages show


def test_a_missing_commune_is_a_404_and_is_not_stored(client, shared_cache, territory):
    url = reverse("public:commune", args=["nulle-part"])
    assert client.get(url).status_code == 404
    f.CommuneFactory(territory=territory, slug="nulle-part", name="Nulle-Part")
    assert client.get(url).status_code == 200


def test_made_up_parameters_share_the_entry(
    client, shared_cache, permanence, django_assert_num_queries
):
    assert_hit(client, COMMUNE, django_assert_num_queries)
    with django_assert_num_queries(1):
        client.get(COMMUNE + "?utm_source=affiche&semaine=pas-une-date")


# --- Redis, when a server answers ----------------------------------------------------------------


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_redis_cache_serves_and_invalidates(
    client, settings, territory, permanence, django_assert_num_queries
):
    import uuid

    import redis

    prefix = f"cadran-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "public": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        },
    }
    settings.CADRAN_PUBLIC_CACHE_ALIAS = "public"
    settings.CADRAN_PUBLIC_CACHE_SETTLE_SECONDS = 0
    try:
        first = page(client, HOME)
        with django_assert_num_queries(0):  # a hit: Redis only
            assert page(client, HOME) == first
        f.ClosureFactory(territory=territory)  # Redis: the new version at once
        assert "mercredi 2 décembre à 9h00" not in page(client, HOME)
    finally:
        server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)
