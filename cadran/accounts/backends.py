"""Authentication backends: django-axes' lockout in front of Django's password check."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes, except for ``authenticate()`` calls made without a request.

    Every login over HTTP (our login page, the admin's) passes the request, so it is
    counted and refused when locked out. Code that calls ``authenticate()`` directly
    (the test client, a management command) has no client to lock out: axes would raise,
    we let the next backend check the password instead.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request, credentials) -> str | None:
    """The e-mail address that failures count against, in lower case: the login accepts
    any case, so « David@… » and « david@… » are the same account."""
    value = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) else value
