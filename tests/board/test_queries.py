"""The board of a month with 8 communes, 2 advisers, 40 sessions and 500 appointments
renders with the same number of queries as with 1 session and 5 appointments."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cadran.core.tokens import hash_token, new_reference, new_token
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import Appointment
from cadran.scheduling.slots import WeeklyRule, occurrence_dates, occurrence_slots
from cadran.workshops.models import Session
from tests import factories as f
from tests.equipment.factories import EquipmentFactory, LoanFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory, WorkshopFactory

from .conftest import at

pytestmark = pytest.mark.usefixtures("frozen_now")

DECEMBER = (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


@pytest.fixture
def ccfl(territory, culture_user):
    """8 communes, 2 advisers, 2 permanences a week in each commune (20-minute slots)."""
    communes = [f.CommuneFactory(territory=territory, population=3000 + n) for n in range(8)]
    advisers = [
        f.UserFactory(adviser=True, territory=territory, communes=communes[:4]),
        f.UserFactory(adviser=True, territory=territory, communes=communes[4:]),
    ]
    permanences, venues = [], []
    for n, commune in enumerate(communes):
        venue = f.VenueFactory(commune=commune, has_pc=True)
        venues.append(venue)
        for weekday in (n % 5, (n + 2) % 5):
            permanences.append(
                f.PermanenceFactory(
                    commune=commune,
                    venue=venue,
                    adviser=advisers[n // 4],
                    weekday=weekday,
                    slot_minutes=20,
                )
            )
    f.ClosureFactory(territory=territory, start=at(24, 0), end=at(26, 0), reason="Noël")
    f.ClosureFactory(territory=territory, adviser=advisers[0], start=at(9, 0), end=at(10, 0))
    printer = EquipmentFactory(territory=territory, printer=True)
    LoanFactory(equipment=printer, commune=communes[0], approved=True)
    workshop = WorkshopFactory(territory=territory)
    person = f.BeneficiaryFactory(territory=territory)
    slots = [
        (perm, start, end)
        for perm in permanences
        for day in occurrence_dates(WeeklyRule.of(perm), *DECEMBER)
        for start, end in occurrence_slots(WeeklyRule.of(perm), day)
    ]
    return {
        "communes": communes,
        "advisers": advisers,
        "venues": venues,
        "workshop": workshop,
        "person": person,
        "slots": iter(slots),
        "count": itertools.count(),
    }


def add(ccfl, *, sessions: int, appointments: int) -> None:
    rows = []
    for _ in range(appointments):
        perm, start, end = next(ccfl["slots"])
        status = AppointmentStatus.SEEN if start < at(1, 0) else AppointmentStatus.BOOKED
        rows.append(
            Appointment(
                permanence=perm,
                start=start,
                end=end,
                beneficiary=ccfl["person"],
                channel=Channel.PHONE,
                status=status,
                reference=new_reference(10),
                token_hash=hash_token(new_token()),
            )
        )
    Appointment.objects.bulk_create(rows)
    for _ in range(sessions):
        n = next(ccfl["count"])
        start = at(1 + n % 31, 14) if n % 2 else at(1 + n % 31, 10)
        session = SessionFactory(
            workshop=ccfl["workshop"],
            venue=ccfl["venues"][n % 8],
            start=start,
            advisers=[ccfl["advisers"][n % 2]],
        )
        RegistrationFactory.create_batch(2, session=session)


PAGES = [
    ("board:month", {"date": "2026-12-10"}),
    ("board:month", {"date": "2026-12-10", "rows": "communes"}),
    ("board:week", {"date": "2026-12-02"}),
    ("board:coverage", {"date": "2026-12-10"}),
]


@pytest.mark.parametrize(("name", "params"), PAGES, ids=lambda v: str(v))
def test_board_queries_do_not_grow(
    client, django_assert_num_queries, ccfl, culture_user, name, params
):
    ContentType.objects.get_for_model(Session)
    client.force_login(culture_user)
    url = reverse(name)
    add(ccfl, sessions=1, appointments=5)
    client.get(url, params)  # warm the caches (content types, templates)
    expected = QUERIES[(name, params.get("rows", ""))]
    with django_assert_num_queries(expected):
        assert client.get(url, params).status_code == 200
    add(ccfl, sessions=39, appointments=495)
    assert Session.objects.count() == 40
    assert Appointment.objects.count() == 500
    with django_assert_num_queries(expected):
        response = client.get(url, params)
    assert response.status_code == 200
    if name == "board:month":
        assert response.context["grid"].totals["sessions"] == 40


def test_adviser_board_queries_do_not_grow(client, django_assert_num_queries, ccfl):
    adviser = ccfl["advisers"][0]
    client.force_login(adviser)
    url = reverse("board:month")
    add(ccfl, sessions=1, appointments=5)
    client.get(url, {"date": "2026-12-10"})
    with django_assert_num_queries(QUERIES[("adviser", "")]):
        client.get(url, {"date": "2026-12-10"})
    add(ccfl, sessions=39, appointments=495)
    with django_assert_num_queries(QUERIES[("adviser", "")]):
        client.get(url, {"date": "2026-12-10"})


# Session and user (2), the board's nine queries and the formats (10), the session saved
# (3: SESSION_SAVE_EVERY_REQUEST); plus the adviser's communes for an adviser.
QUERIES = {
    ("board:month", ""): 15,
    ("board:month", "communes"): 15,
    ("board:week", ""): 15,
    ("board:coverage", ""): 13,
    ("adviser", ""): 16,
}
