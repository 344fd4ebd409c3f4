"""Caching of the public pages, feeds, widget and posters, and its invalidation.

Cached: the calendar feeds, the widget, the posters, and, for visitors without a session
(:mod:`cadran.public.page_cache`), the home page, each commune's page and the workshops
agenda. See docs/visibilite.md.

One *version* holds for the whole site. Any change to what these pages show (an
appointment booked or cancelled, a session, a registration, a closure, a permanence, a
venue, a commune, a territory or its charte graphique, and every service action, through
the audit log) stores a new version: the next request misses and rebuilds. Each entry is
stored with the version it was built under, under a key without it, so that a request reads
the version and its entry in one round trip (``get_many``: one query with the database
cache) and a rebuilt entry replaces the old one instead of piling up beside it.

The time of the last change is stored with the version, so a reader can tell it is recent:
for ``CADRAN_PUBLIC_CACHE_SETTLE_SECONDS`` after a change a response is served but not
stored, since a transaction that bumped the version may not be committed yet (a reader
would otherwise store the old rows under the new version).

The cache is ``CACHES[CADRAN_PUBLIC_CACHE_ALIAS]`` (``public``: the database table
``cadran_cache``, or Redis when ``REDIS_URL`` is set). With several web processes it must
be shared by all of them: a process-local cache would keep another process's old entries
until they expire (``CADRAN_PUBLIC_CACHE_SECONDS``).

With Redis (or the process's memory) the receivers below make no database query: they add
nothing to the query counts of the services that trigger them. With the database cache, a
write inside the changing transaction would lock the version's row until that transaction
ends (every writing transaction would wait for the others, and could deadlock with them on
PostgreSQL): the new version is written once the transaction commits instead
(``on_commit``, once per transaction however many rows it changes), in a few queries of its
own, outside the transaction.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404

VERSION_KEY = "cadran:public:version"
PREFIX = "cadran:public"

# Models whose rows the feeds, the widget or the posters show (app_label.ModelName).
WATCHED_MODELS = (
    "core.AuditLog",
    "scheduling.Appointment",
    "scheduling.Permanence",
    "scheduling.Closure",
    "workshops.Session",
    "workshops.Workshop",
    "workshops.Registration",
    "territory.Venue",
    "territory.Commune",
    "territory.Territory",
    "publicity.Charter",
)


def _cache():
    return caches[settings.CADRAN_PUBLIC_CACHE_ALIAS]


def _first_state(cache) -> tuple[int, int]:
    state = (time.time_ns(), 0)  # no change seen yet: nothing to wait for
    # add(): two processes starting together agree on one version.
    if not cache.add(VERSION_KEY, state, timeout=None):
        state = cache.get(VERSION_KEY, state)
    return state


def _state() -> tuple[int, int]:
    """(version, time of the change in nanoseconds)."""
    cache = _cache()
    state = cache.get(VERSION_KEY)
    if state is None:
        state = _first_state(cache)
    return state


def current_version() -> int:
    return _state()[0]


def bump_version(**_kwargs) -> int:
    """Invalidate every cached page, feed, widget and poster, now."""
    now = time.time_ns()
    version = max(now, current_version() + 1)
    _cache().set(VERSION_KEY, (version, now), timeout=None)
    return version


_PENDING = "cadran_public_bump"  # the connection's callback waiting for the commit


def changed(**_kwargs) -> None:
    """Something the public pages show changed (the signal receiver): a new version, at
    once, or after the commit with the database cache (see the module's docstring)."""
    if not isinstance(_cache(), DatabaseCache):
        bump_version()
        return
    connection = transaction.get_connection()
    pending = getattr(connection, _PENDING, None)
    if pending is not None and any(func is pending for _s, func, _r in connection.run_on_commit):
        return  # this transaction already asks for one (gone if rolled back: asked again)

    def bump_after_commit() -> None:
        if getattr(connection, _PENDING, None) is bump_after_commit:
            setattr(connection, _PENDING, None)
        bump_version()

    setattr(connection, _PENDING, bump_after_commit)
    # At once outside a transaction. Robust: the change is committed whatever happens to the
    # cache (an error is logged; the entries then expire on their own).
    transaction.on_commit(bump_after_commit, robust=True)


def connect_receivers() -> None:
    from django.apps import apps

    for label in WATCHED_MODELS:
        model = apps.get_model(label)
        uid = f"cadran.publicity.bump:{label}"
        post_save.connect(changed, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(changed, sender=model, dispatch_uid=uid + ":delete")


_KEY_PART = re.compile(r"^[0-9A-Za-z_-]{0,64}$")


def key_part(value: str) -> str:
    """A piece of an address used in a cache key (INSEE code, slug): letters, digits and
    hyphens only, else a 404 (never a key with spaces a cache would refuse)."""
    if not _KEY_PART.match(value):
        raise Http404("Adresse inconnue.")
    return value


@dataclass(frozen=True)
class Cached:
    body: bytes
    content_type: str
    etag: str
    hit: bool


def cached(
    key: str,
    build: Callable[[], tuple[bytes, str]],
    *,
    keep: Callable[[], bool] | None = None,
) -> Cached:
    """The entry ``key`` of the current version, built by ``build()`` on a miss.

    ``build`` returns (body, content type); ``keep()``, asked after it, may refuse to store
    what it built (a page that turned out personal). With ``CADRAN_PUBLIC_CACHE_SECONDS = 0``
    nothing is cached (the benchmark's baseline)."""
    seconds = settings.CADRAN_PUBLIC_CACHE_SECONDS
    cache = _cache()
    full_key = f"{PREFIX}:{key}"
    if seconds > 0:
        found = cache.get_many([VERSION_KEY, full_key])  # one round trip
        state = found.get(VERSION_KEY) or _first_state(cache)
        entry = found.get(full_key)
        if entry is not None and entry[0] == state[0]:
            _version, body, content_type, etag = entry
            return Cached(body, content_type, etag, hit=True)
    else:
        state = (0, 0)
    version, changed_at = state
    body, content_type = build()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    settle_ns = settings.CADRAN_PUBLIC_CACHE_SETTLE_SECONDS * 1_000_000_000
    # A clock that went back (tests travelling in time) counts as settled.
    settling = 0 <= time.time_ns() - changed_at < settle_ns
    if seconds > 0 and not settling and (keep is None or keep()):
        cache.set(full_key, (version, body, content_type, etag), timeout=seconds)
    return Cached(body, content_type, etag, hit=False)
