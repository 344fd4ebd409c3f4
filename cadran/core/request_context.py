"""Where the current request comes from, for the audit log's "from where".

Services write the audit log without seeing the request; this middleware keeps the client's
address in a context variable for the time of the request (None in the worker and commands).
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar

from .ratelimit import client_ip

_current_ip: ContextVar[str | None] = ContextVar("cadran_current_ip", default=None)


def current_ip() -> str | None:
    return _current_ip.get()


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(_valid(client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)
