"""Refuses, with a French 400, input that no person types and that would break a query.

* A NUL character (``%00``) in the path, the query string, a cookie or a non-form body:
  PostgreSQL refuses it in any text value (``psycopg.DataError``), so a lookup by slug,
  INSEE code or session key would end in a 500. SQLite stores it silently.
* A request body nested deeper than ``MAX_NESTING`` (``[[[[…``): Python's ``json`` module
  recurses once per level and raises ``RecursionError`` long before the body is too large.
  Checked for every body that is not a form, whatever its Content-Type, since the API
  parses JSON from any body.

Runs before the rate limits (which read the JSON body) and before any view. Answers the
API's 422 error body under ``/api/`` (as for malformed JSON), the site's 400 page elsewhere. See docs/securite.md.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

MAX_NESTING = 32
NUL_REFUSED = (
    "La demande contient un caractère invisible interdit (caractère nul). "
    "Retirez-le, puis réessayez."
)
TOO_DEEP = (
    "Le contenu envoyé est imbriqué trop profondément "
    f"(plus de {MAX_NESTING} niveaux de [ ou de {{). Envoyez un objet JSON simple."
)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# A JSON string (its escapes included): its brackets do not count as nesting.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# NUL written as a JSON escape: \u0000.
_JSON_NUL = re.compile(rb"\\u0000", re.IGNORECASE)


def nesting_depth(body: bytes) -> int:
    """The deepest level of ``[`` and ``{`` in a JSON text, strings left aside."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def _site_form(request: HttpRequest) -> bool:
    """A form of the site: its fields refuse NUL themselves, with a French message beside
    the field and the rest of what the person typed kept (Django's
    ProhibitNullCharactersValidator on every CharField). The API reads the raw body (JSON,
    whatever the Content-Type; it takes no files), so its bodies are always checked here."""
    return request.content_type in FORM_TYPES and not request.path_info.startswith("/api/")


def problem(request: HttpRequest) -> str | None:
    """The French reason to refuse the request, or None."""
    if "\x00" in request.path_info or "\x00" in request.path:
        return NUL_REFUSED
    if _has_nul(request.GET.keys()) or _has_nul(v for vs in request.GET.lists() for v in vs[1]):
        return NUL_REFUSED
    if _has_nul(request.COOKIES.keys()) or _has_nul(request.COOKIES.values()):
        return NUL_REFUSED
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not _site_form(request):
        body = request.body
        if b"\x00" in body or _JSON_NUL.search(body):
            return NUL_REFUSED
        if nesting_depth(body) > MAX_NESTING:
            return TOO_DEEP
    return None


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        # The API's documented refusal of input to correct: 422 with its error shape
        # (cadran/api/errors.py), as for a malformed JSON body.
        return JsonResponse({"detail": message, "errors": {"__all__": [message]}}, status=422)
    html = render_to_string(
        "cadran/error.html", {"title": "Demande incorrecte", "message": message}, request
    )
    return HttpResponse(html, status=400)


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        message = problem(request)
        if message is not None:
            return bad_request(request, message)
        return self.get_response(request)
