"""Rate limits of the public write endpoints (booking, workshop registration, cancel, move).

A client (its IP address) may make ``CADRAN_RATELIMIT_PER_CLIENT`` attempts (POST) a
minute on these endpoints, and everyone together ``CADRAN_RATELIMIT_PER_TARGET`` attempts a
minute on one slot, one workshop session or one private link. Beyond that: HTTP 429 with
a French message, an HTML page for the forms and ``{"detail": …}`` for the API, and a
``Retry-After`` header.

Counters live in the ``ratelimit`` cache, a database table (``cadran_cache``), so that all
web processes and machines share them. Windows are fixed minutes (the counter's key holds
the minute): simple, and a burst cannot exceed twice the limit across a boundary.
See docs/securite.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from cadran.core import clock
from cadran.core.tokens import hash_token

TOO_MANY = (
    "Trop de demandes en peu de temps. Attendez une minute, puis réessayez. "
    "Si le problème continue, appelez le Service Culture."
)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a reverse proxy the right-most address
    of the header named by ``CADRAN_CLIENT_IP_HEADER`` (the one our proxy appended: what
    the client wrote to the left of it cannot be trusted)."""
    header = getattr(settings, "CADRAN_CLIENT_IP_HEADER", "")
    if header:
        values = [v.strip() for v in request.META.get(header, "").split(",") if v.strip()]
        if values:
            return values[-1][:64]
    return request.META.get("REMOTE_ADDR", "")[:64] or "inconnu"


def client_ip_for_axes(request: HttpRequest) -> str | None:
    """django-axes (AXES_CLIENT_IP_CALLABLE) logs the same address as the rate limits.

    Axes stores it in an IP-address column: a request without any address (an internal
    login such as ``Client.force_login``) gives None, never the "inconnu" placeholder,
    which PostgreSQL refuses.
    """
    ip = client_ip(request)
    return None if ip == "inconnu" else ip


@dataclass(frozen=True)
class Limited:
    """One endpoint under limits: its URL name and how to find the target in the request."""

    url_name: str
    target: str | None  # a URL kwarg name, "json:<field>" for the API body, or None
    # Endpoints that act on the same thing share one per-target counter: the HTML form and
    # the API book the same slot, so together they get CADRAN_RATELIMIT_PER_TARGET a minute.
    bucket: str = ""

    @property
    def bucket_name(self) -> str:
        return self.bucket or self.url_name


LIMITED: dict[str, Limited] = {
    item.url_name: item
    for item in [
        Limited("public:book", "slot_id", bucket="slot"),
        Limited("public:session_register", "pk", bucket="session"),
        Limited("public:cancel", "token", bucket="appointment"),
        Limited("public:reschedule_confirm", "token"),
        Limited("public:workshop_registration_cancel", "token"),
        Limited("public:appointment_answer", "token", bucket="appointment"),
        Limited("public:registration_answer", "token"),
        Limited("public:sms_replies", None),
        Limited("public:sms_replies_secret", None),
        Limited("api:create_appointment", "json:slot", bucket="slot"),
        Limited("api:cancel", "json:token", bucket="appointment"),
        Limited("api:create_registration", "session_id", bucket="session"),
    ]
}


def _target(request: HttpRequest, limited: Limited, kwargs: dict) -> str | None:
    if limited.target is None:
        return None
    if limited.target.startswith("json:"):
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        value = body.get(limited.target[5:]) if isinstance(body, dict) else None
    else:
        value = kwargs.get(limited.target)
    if value is None or value == "":
        return None
    # Hashed: secrets (cancel tokens) never reach the cache table in clear, keys stay short.
    return hash_token(str(value))[:32]


def _hit(key: str, *, window: int) -> int:
    cache = caches["ratelimit"]
    cache.add(key, 0, timeout=window * 2)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window * 2)
        return 1


def check(request: HttpRequest, url_name: str, kwargs: dict) -> bool:
    """Count this attempt; True when it is over a limit."""
    limited = LIMITED.get(url_name)
    if limited is None:
        return False
    window = settings.CADRAN_RATELIMIT_WINDOW_SECONDS
    slot = int(clock.now().timestamp()) // window
    # The per-client limit counts every limited endpoint together.
    per_client = _hit(f"rl:c:{client_ip(request)}:{slot}", window=window)
    over = per_client > settings.CADRAN_RATELIMIT_PER_CLIENT
    target = _target(request, limited, kwargs)
    if target is not None:
        per_target = _hit(f"rl:t:{limited.bucket_name}:{target}:{slot}", window=window)
        if per_target > settings.CADRAN_RATELIMIT_PER_TARGET:
            over = True
    return over


def too_many_requests(request: HttpRequest) -> HttpResponse:
    retry = str(settings.CADRAN_RATELIMIT_WINDOW_SECONDS)
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": TOO_MANY}, status=429)
    else:
        response = HttpResponse(
            render_to_string("cadran/too_many_requests.html", {"message": TOO_MANY}, request),
            status=429,
        )
    response["Retry-After"] = retry
    response["Cache-Control"] = "no-store"
    return response


class RateLimitMiddleware:
    """Counts POSTs to the endpoints of ``LIMITED`` and answers 429 beyond the limits."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        match = request.resolver_match
        if match is None or match.view_name not in LIMITED:
            return None
        if check(request, match.view_name, view_kwargs):
            return too_many_requests(request)
        return None
