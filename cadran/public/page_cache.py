"""The public pages most visited (home, a commune's page, the workshops agenda), served from
the shared cache of :mod:`cadran.publicity.cache` to visitors without a session.

Only what is the same for every visitor is stored:

* the request is a GET without a session cookie and without a messages cookie: the visitor
  is not signed in and has no message waiting (a member of staff, or someone just back
  from a form, gets the page built for them, as before);
* the page built carries no CSRF token: these three pages have no POST form (the agenda's
  filter is a GET form); should one ever call ``{% csrf_token %}``, the page is served but
  not stored (``get_token`` marks the request), so one visitor's token never reaches another;
* it sets no cookie, adds no message and answers 200 (a 404 or a redirect is not stored).

The key holds the page, the language, today's date (the pages depend on it) and the query
parameters each page reads, normalised by the view (a made-up parameter shares the entry).
Served with an ``ETag`` and ``Cache-Control: no-cache``: a browser may keep the page but asks
again each time (a 304 when nothing changed), so a booking shows at once on its return.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from cadran.core import clock
from cadran.publicity.cache import cached
from cadran.territory.routing import site_territory_id


def shareable_request(request: HttpRequest) -> bool:
    """Whether the page asked for is the same for every visitor (no query)."""
    cookies = request.COOKIES
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
        and request.headers.get("HX-Request") != "true"
    )


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a page just built holds something of this visitor's."""
    messages = getattr(request, "_messages", None)
    return bool(
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a CSRF token was put in the page
        or response.cookies
        or (messages is not None and getattr(messages, "added_new", False))
    )


def _headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def cached_page(
    request: HttpRequest, name: str, params: tuple[str, ...], render: Callable[[], HttpResponse]
) -> HttpResponse:
    """``render()``'s page, from the cache when the visitor has nothing of their own."""
    if not shareable_request(request):
        return render()
    built: list[HttpResponse] = []

    def build() -> tuple[bytes, str]:
        response = render()
        built.append(response)
        return response.content, response["Content-Type"]

    def keep() -> bool:
        response = built[0]
        return response.status_code == 200 and not _personal(request, response)

    today = clock.paris(clock.now()).date().isoformat()
    # The territory of the address (domain or prefix): the same path is another page there.
    site = str(site_territory_id(request) or "")
    prefix = getattr(request, "territory_prefix", "")
    key = ":".join(("page", name, site, prefix, translation.get_language() or "", today, *params))
    entry = cached(key, build, keep=keep)
    if built:  # built for this request: its own response, with its own headers
        response = built[0]
        if response.status_code != 200 or _personal(request, response):
            return response
    else:
        response = HttpResponse(entry.body, content_type=entry.content_type)
    _headers(response, entry.etag)
    return get_conditional_response(request, etag=entry.etag, response=response)
