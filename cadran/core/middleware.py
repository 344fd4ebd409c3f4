"""Security middleware: the Content-Security-Policy with the widget's exemption, and the
guard of staff pages (inactivity timeout, second factor). See docs/securite.md."""

from __future__ import annotations

from urllib.parse import urlencode

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from cadran.core import clock

# Pages that show personal data or change settings: a second factor (when required) and
# a live session are needed to open them.
STAFF_PREFIXES = ("/espace/", "/admin/", "/compte/jetons/")
SESSION_LAST_SEEN = "cadran_last_seen"


def is_staff_path(path: str) -> bool:
    return path.startswith(STAFF_PREFIXES)


class CadranCSPMiddleware(CSPMiddleware):
    """django-csp's policy, except that pages under ``CADRAN_WIDGET_PREFIX`` may be framed
    by any site (the booking widget a commune puts on its own site)."""

    def _is_widget(self, request) -> bool:
        prefix = getattr(settings, "CADRAN_WIDGET_PREFIX", "")
        return bool(prefix) and request.path_info.startswith(prefix)

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if self._is_widget(request):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ["*"]}
        return parts

    def process_response(self, request, response):
        if self._is_widget(request) and "X-Frame-Options" in response:
            del response["X-Frame-Options"]
        return super().process_response(request, response)


def _redirect(request, url: str) -> HttpResponse:
    """A redirect that htmx follows with a full page load (not inside a fragment)."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class StaffAccessMiddleware:
    """For a logged-in member of staff:

    * the session ends after ``CADRAN_STAFF_IDLE_MINUTES`` without a request;
    * staff pages (``STAFF_PREFIXES``) need the second factor checked in this session
      when the account must use one (or has turned it on): otherwise, the code page, or
      the enrolment page when no second factor is set up yet.

    Runs after the session and authentication middleware. Requests without a session
    cookie (inhabitants, API programs) are not touched and cost no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        staff_path = is_staff_path(path)
        if staff_path or settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = request.user
            if user.is_authenticated:
                response = self._guard(request, user, staff_path)
                if response is not None:
                    return response
        return self.get_response(request)

    def _guard(self, request, user, staff_path: bool) -> HttpResponse | None:
        from cadran.accounts import twofactor

        now = int(clock.now().timestamp())
        last_seen = request.session.get(SESSION_LAST_SEEN)
        idle_seconds = settings.CADRAN_STAFF_IDLE_MINUTES * 60
        if isinstance(last_seen, int) and now - last_seen > idle_seconds:
            logout(request)
            if staff_path:
                messages.info(
                    request,
                    f"Vous avez été déconnecté après {settings.CADRAN_STAFF_IDLE_MINUTES} "
                    "minutes sans activité. Reconnectez-vous pour continuer.",
                )
                login = redirect_to_login(request.get_full_path())
                return _redirect(request, login.url)
            return None
        request.session[SESSION_LAST_SEEN] = now
        if staff_path and twofactor.needs_verification(user) and not twofactor.is_verified(request):
            name = (
                "accounts:two_factor_verify"
                if user.has_second_factor
                else "accounts:two_factor_setup"
            )
            url = f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
            return _redirect(request, url)
        return None
