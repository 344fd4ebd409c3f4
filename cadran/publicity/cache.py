"""Caching of the feeds, the widget and the posters, and its invalidation.

Every cached entry's key holds a *version*. Any change to what these pages show (an
appointment booked or cancelled, a session, a registration, a closure, a permanence, a
venue, a commune, a territory or its charte graphique, and every service action, through
the audit log) stores a new version: the next request misses and rebuilds. The receivers
below make no database query (they only write the cache), so they add nothing to the
query counts of the services that trigger them.

The time of the last change is stored with the version, so a reader can tell it is recent:
for ``CADRAN_PUBLIC_CACHE_SETTLE_SECONDS`` after a change a response is served but not
stored, since a transaction that bumped the version may not be committed yet (a reader
would otherwise store the old rows under the new version).

The cache is ``CACHES[CADRAN_PUBLIC_CACHE_ALIAS]``. With several web processes it must be
shared by all of them (database, Redis, Memcached): a process-local cache would keep
another process's old entries until they expire (``CADRAN_PUBLIC_CACHE_SECONDS``).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
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


def _state() -> tuple[int, int]:
    """(version, time of the change in nanoseconds)."""
    cache = _cache()
    state = cache.get(VERSION_KEY)
    if state is None:
        now = time.time_ns()
        state = (now, 0)  # no change seen yet: nothing to wait for
        # add(): two processes starting together agree on one version.
        if not cache.add(VERSION_KEY, state, timeout=None):
            state = cache.get(VERSION_KEY, state)
    return state


def current_version() -> int:
    return _state()[0]


def bump_version(**_kwargs) -> int:
    """Invalidate every cached feed, widget and poster (signal receiver too)."""
    now = time.time_ns()
    version = max(now, current_version() + 1)
    _cache().set(VERSION_KEY, (version, now), timeout=None)
    return version


def connect_receivers() -> None:
    from django.apps import apps

    for label in WATCHED_MODELS:
        model = apps.get_model(label)
        uid = f"cadran.publicity.bump:{label}"
        post_save.connect(bump_version, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(bump_version, sender=model, dispatch_uid=uid + ":delete")


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


def cached(key: str, build: Callable[[], tuple[bytes, str]]) -> Cached:
    """The entry ``key`` of the current version, built by ``build()`` on a miss.

    ``build`` returns (body, content type). With ``CADRAN_PUBLIC_CACHE_SECONDS = 0`` nothing
    is cached (the benchmark's baseline)."""
    seconds = settings.CADRAN_PUBLIC_CACHE_SECONDS
    version, changed_at = _state()
    full_key = f"{PREFIX}:{version}:{key}"
    cache = _cache()
    if seconds > 0:
        entry = cache.get(full_key)
        if entry is not None:
            body, content_type, etag = entry
            return Cached(body, content_type, etag, hit=True)
    body, content_type = build()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    settle_ns = settings.CADRAN_PUBLIC_CACHE_SETTLE_SECONDS * 1_000_000_000
    # A clock that went back (tests travelling in time) counts as settled.
    settling = 0 <= time.time_ns() - changed_at < settle_ns
    if seconds > 0 and not settling:
        cache.set(full_key, (body, content_type, etag), timeout=seconds)
    return Cached(body, content_type, etag, hit=False)
