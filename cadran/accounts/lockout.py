"""Lockout after failed logins: per account, and per address only at a much higher count.

django-axes counts failures per (e-mail, address) row. Its stock rule compares one limit
with each of ``AXES_LOCKOUT_PARAMETERS`` in turn, so five wrong passwords typed for one
account at a town hall would also lock every colleague behind the same address (a CCAS,
a library, a whole town hall behind one NAT). Here:

* **per account**: ``AXES_FAILURE_LIMIT`` (5) failures for one e-mail address, from any
  address, lock that account for ``AXES_COOLOFF_TIME`` (15 minutes);
* **per address**: only ``CADRAN_LOGIN_FAILURES_PER_ADDRESS`` (50) failures from one
  address, all accounts together, lock that address (someone trying many accounts);
* a successful login clears the failures *of that account only*: it must not clear the
  count of the others tried from the same address (which would give an attacker with one
  valid account endless tries on the others).

See docs/securite.md.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _total(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: the rules above, on axes' own tables."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count for this request, on axes' scale: at or above
        ``AXES_FAILURE_LIMIT`` means locked."""
        by_account, by_address = self.get_user_attempts(request, credentials)
        failures = _total(by_account)
        if _total(by_address) >= settings.CADRAN_LOGIN_FAILURES_PER_ADDRESS:
            failures = max(failures, get_failure_limit(request, credentials))
        return failures

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
