"""Which territory a public address belongs to: by its domain, by a path prefix, or none.

Several territories share one install (docs/adopter-cadran.md, decisions/0012):

* **by domain**: a territory whose public address (``Territory.site_url``) is a bare domain,
  e.g. ``https://rdv.exemple-agglo.fr``, owns every request to that host;
* **by path prefix**: ``/territoire/<slug>/…`` is the territory ``<slug>`` on any host; the
  rest of the address is served as if it were at the root (``/territoire/<slug>/ateliers/``
  is that territory's ``/ateliers/``), and every link of the page keeps the prefix;
* otherwise the install's **only** territory, if it has one; with several, none: the pages
  that need a territory (home, workshops agenda, privacy page, ``/agenda.ics``) then ask
  which one instead of picking one.

So an address never changes meaning when a territory is added, the first territory keeps
the install's own address (:func:`_first_keeps_install_address`).

The routes are read from the identity cache (no query once warm) and rewritten whenever a
territory is saved or deleted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import get_script_prefix, set_script_prefix

from . import identity
from .models import Territory

PREFIX = "territoire"
_PREFIXED = re.compile(rf"^/{PREFIX}/(?P<slug>[-a-zA-Z0-9_]+)(?P<rest>/.*)?$", re.DOTALL)
# Staff, account and API addresses are the install's, whatever the prefix: one sign-in
# for every territory, and each member of staff sees their own scope.
UNSCOPED = ("/espace/", "/admin/", "/compte/", "/api/", "/static/", "/media/")


@dataclass(frozen=True)
class Routes:
    by_host: dict[str, int] = field(default_factory=dict)
    by_slug: dict[str, int] = field(default_factory=dict)
    sole: int | None = None


def host_of(site_url: str) -> str:
    """The host (and port) a territory owns, or "" when its address has a path (then it is
    the prefixed form on a shared domain, not a domain of its own)."""
    if not site_url:
        return ""
    parts = urlsplit(site_url)
    if parts.path.strip("/"):
        return ""
    return (parts.netloc or "").lower()


def _build() -> Routes:
    rows = list(Territory.objects.order_by("pk").values_list("pk", "slug", "site_url"))
    by_host: dict[str, int] = {}
    for pk, _slug, site_url in rows:
        host = host_of(site_url)
        if host:
            by_host.setdefault(host, pk)
    return Routes(
        by_host=by_host,
        by_slug={slug: pk for pk, slug, _url in rows},
        sole=rows[0][0] if len(rows) == 1 else None,
    )


def _key() -> str:
    return identity._key("routes")


def routes() -> Routes:
    found = identity._cache().get(_key())
    if found is None:
        found = _build()
        identity._cache().set(_key(), found, identity._timeout())
    return found


def forget() -> None:
    identity._cache().delete(_key())


def refresh() -> None:
    """Rewrite the routes now (kept warm: a page makes no query for them), and again after
    the commit (a rolled-back change must not stay in them)."""
    identity._cache().set(_key(), _build(), identity._timeout())
    transaction.on_commit(lambda: identity._cache().set(_key(), _build(), identity._timeout()))


def install_address_host() -> str:
    return host_of(settings.CADRAN_SITE_URL)


def prefix_path(slug: str) -> str:
    return f"/{PREFIX}/{slug}"


_UNSET = object()


def site_territory_id(request) -> int | None:
    """The territory of the address asked for, or None (several, none asked for): set by
    the middleware for a prefix, else read from the host the first time a page asks (a page
    that never asks makes no query for it)."""
    found = getattr(request, "_cadran_site_territory", _UNSET)
    if found is _UNSET:
        known = routes()
        try:
            host = request.get_host().lower()
        except DisallowedHost:  # the error page of a refused host: the install's
            host = ""
        found = known.by_host.get(host, known.sole)
        request._cadran_site_territory = found
    return found  # type: ignore[return-value]


class TerritoryRoutingMiddleware:
    """Serves ``/territoire/<slug>/…`` as the same page at the root, links included, for the
    territory ``<slug>``; :func:`site_territory_id` tells a page its territory."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.territory_prefix = ""
        match = _PREFIXED.match(request.path_info)
        found = routes() if match else None
        if match and found is not None and match["slug"] in found.by_slug:
            rest = match["rest"]
            if not rest:
                return HttpResponseRedirect(request.path + "/")
            if rest.startswith(UNSCOPED):
                # One staff site: the same page without the prefix.
                query = request.META.get("QUERY_STRING", "")
                target = get_script_prefix().rstrip("/") + rest + (f"?{query}" if query else "")
                return HttpResponseRedirect(target)
            request._cadran_site_territory = found.by_slug[match["slug"]]
            request.territory_prefix = prefix_path(match["slug"])
            request.path_info = rest
            before = get_script_prefix()
            set_script_prefix(before.rstrip("/") + request.territory_prefix + "/")
            try:
                return self.get_response(request)
            finally:
                set_script_prefix(before)
        return self.get_response(request)


# --- The first territory keeps the install's address ----------------------------------------


@receiver(post_save, sender=Territory, dispatch_uid="territory-routing-save")
def _territory_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        forget()
        return
    if created:
        _first_keeps_install_address(instance)
    refresh()


@receiver(post_delete, sender=Territory, dispatch_uid="territory-routing-delete")
def _territory_deleted(sender, instance, **kwargs):
    refresh()


def _first_keeps_install_address(new: Territory) -> None:
    """When a second territory is created, the first one was reached by the install's own
    address as the only territory: it is given that address (``CADRAN_SITE_URL``) as its
    own, so that its home page, agenda and feeds keep meaning it. Nothing is done when the
    first already has an address or another territory owns the install's."""
    others = list(Territory.objects.exclude(pk=new.pk).order_by("pk")[:2])
    if len(others) != 1:
        return
    first = others[0]
    host = install_address_host()
    if first.site_url or not host or host_of(new.site_url) == host:
        return
    Territory.objects.filter(pk=first.pk).update(site_url=settings.CADRAN_SITE_URL.rstrip("/"))
    identity._store(first.pk)
