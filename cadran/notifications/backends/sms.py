"""Sending SMS: a small interface, like Django's e-mail backends.

``SMS_BACKEND`` names the class: the console one in the demo, the in-memory one in tests,
:class:`BrevoSmsBackend` in production (``SMS_API_KEY``, ``SMS_SENDER``). A backend raises
on failure; the delivery task records the error and tries again later.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider refused or could not be reached."""


@dataclass(frozen=True)
class Sms:
    to: str
    body: str
    # The name the phone shows (≤ 11 letters or digits): the territory's, else SMS_SENDER.
    sender: str = ""


def is_french_mobile(phone: str) -> bool:
    """A French mobile number (06, 07, or +33 6/7): the only ones that receive SMS."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.strip().startswith("+33") or (digits.startswith("33") and len(digits) == 11):
        digits = "0" + digits[2:]
    return len(digits) == 10 and digits[:2] in ("06", "07")


def to_international(phone: str) -> str:
    """French numbers in international form without ``+``: ``0612345678`` → ``33612345678``."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.strip().startswith("+"):
        return digits
    if digits.startswith("0") and len(digits) == 10:
        return "33" + digits[1:]
    return digits


class BaseSmsBackend:
    def __init__(self, **options) -> None:
        self.options = options

    def send(self, sms: Sms) -> str:
        """Send one SMS; return the provider's id for it. Raise on any failure."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints the SMS (the demo): nothing leaves the machine."""

    _lock = threading.Lock()

    def send(self, sms: Sms) -> str:
        stream = self.options.get("stream") or sys.stdout
        with self._lock:
            stream.write(f"--- SMS à {sms.to} ---\n{sms.body}\n---\n")
            stream.flush()
        return "console"


# The in-memory backend's sent messages, like ``django.core.mail.outbox``.
outbox: list[Sms] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps the SMS in :data:`outbox` (tests)."""

    def send(self, sms: Sms) -> str:
        outbox.append(sms)
        return f"locmem-{len(outbox)}"


class BrevoSmsBackend(BaseSmsBackend):
    """Brevo's transactional SMS API (``POST /v3/transactionalSMS/send``).

    One HTTPS request with a timeout; a refused request, a network error or a timeout raise
    :class:`SmsError` with the provider's answer, which the message log shows.
    """

    default_url = "https://api.brevo.com/v3/transactionalSMS/send"

    def send(self, sms: Sms) -> str:
        api_key = getattr(settings, "SMS_API_KEY", "")
        if not api_key:
            raise SmsError("SMS_API_KEY n'est pas configurée.")
        payload = {
            "sender": sms.sender or settings.SMS_SENDER,
            "recipient": to_international(sms.to),
            "content": sms.body,
            "type": "transactional",
            "unicodeEnabled": True,
        }
        request = urllib.request.Request(  # noqa: S310 (a fixed https URL from the settings)
            getattr(settings, "SMS_API_URL", "") or self.default_url,
            data=json.dumps(payload).encode(),
            headers={
                "accept": "application/json",
                "content-type": "application/json",
                "api-key": api_key,
            },
            method="POST",
        )
        timeout = getattr(settings, "SMS_TIMEOUT", 10)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                answer = response.read(10_000).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            detail = exc.read(2_000).decode("utf-8", "replace")
            raise SmsError(f"Brevo a refusé le SMS (HTTP {exc.code}) : {detail}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"Brevo injoignable : {exc}") from exc
        try:
            return str(json.loads(answer).get("messageId", ""))
        except (ValueError, AttributeError):
            return ""


def get_sms_backend(**options) -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)(**options)


def send_sms(to: str, body: str) -> str:
    return get_sms_backend().send(Sms(to=to, body=body))
