"""SMS backends for worker processes started by the tests (no test dependency imported)."""

from __future__ import annotations

import time

from cadran.notifications.backends.sms import BaseSmsBackend


class HangingSmsBackend(BaseSmsBackend):
    """A provider that does not answer: the test kills the worker while it waits."""

    def send(self, sms):
        time.sleep(300)
        raise TimeoutError("timed out")
