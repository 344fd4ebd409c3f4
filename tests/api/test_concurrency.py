"""Twenty people press "book" on the same slot at the same moment: one gets it.

A real server (pytest-django's ``live_server``) with real threads and real database
connections; time is not frozen, so the permanence is set on a day just ahead of now.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request

import pytest

from cadran.core import clock
from cadran.scheduling.calendars import public_holidays
from cadran.scheduling.models import Appointment, Beneficiary
from cadran.scheduling.services import SLOT_TAKEN
from cadran.scheduling.slots import localize, make_slot_id
from tests import factories as f

THREADS = 20


def next_working_day() -> dt.date:
    tomorrow = clock.today() + dt.timedelta(days=1)
    holidays = public_holidays(tomorrow, tomorrow + dt.timedelta(days=14))
    day = tomorrow
    while day in holidays:
        day += dt.timedelta(days=1)
    return day


def post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 — the live test server
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_bookings_of_one_slot(live_server, settings):
    # Twenty attempts on one slot are over the per-slot rate limit (docs/securite.md);
    # this test is about the database, not the limit.
    settings.CADRAN_RATELIMIT_PER_TARGET = 1000
    day = next_working_day()
    commune = f.CommuneFactory(insee_code="59212", name="Estaires", slug="estaires")
    permanence = f.PermanenceFactory(
        commune=commune,
        weekday=day.weekday(),
        valid_from=clock.today(),
        min_notice_minutes=0,
    )
    slot_id = make_slot_id(permanence.pk, localize(dt.datetime.combine(day, dt.time(9, 0))))
    url = f"{live_server.url}/api/v1/appointments"
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def book(n: int) -> None:
        payload = {
            "slot": slot_id,
            "first_name": f"Personne{n}",
            "last_name": "Concurrente",
            "phone": f"06{n:08d}",
            "topics": ["aide_aux_demarches_administratives"],
            "consent": True,
        }
        barrier.wait(timeout=30)
        result = post(url, payload)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(status for status, _body in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    assert all(body["detail"] == SLOT_TAKEN for status, body in results if status == 409)
    assert Appointment.objects.active().count() == 1
    assert Appointment.objects.count() == 1
    assert Beneficiary.objects.count() == 1
    winner = next(body for status, body in results if status == 201)
    assert Appointment.objects.get().reference == winner["reference"]
