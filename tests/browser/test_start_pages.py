"""Each role logs in and finds, on its start page, what waits for it, with the right count
and a link that opens the page where it is dealt with; at 360 px and 1280 px, every page
audited with axe-core and the Nu HTML checker.

Real Chromium, real server (live_server), real time: the data is dated from today.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadran.core import clock
from cadran.core.clock import PARIS
from tests import factories as f
from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll
from tests.browser.test_booking_journey import log_in
from tests.equipment.factories import LoanFactory
from tests.notifications.factories import MessageFactory
from tests.workshops.factories import InterventionRequestFactory, WorkshopFactory

pytestmark = pytest.mark.browser

WIDTHS = (360, 1280)


@pytest.fixture
def world(transactional_db):
    today = clock.today()
    territory = f.TerritoryFactory(slug="ccfl")
    commune = f.CommuneFactory(
        territory=territory, insee_code="59212", name="Estaires", slug="estaires"
    )
    library = f.LibraryFactory(commune=commune)
    users = {
        "culture": f.UserFactory(culture_service=True, territory=territory),
        "adviser": f.UserFactory(adviser=True, territory=territory, communes=[commune]),
        "referent": f.UserFactory(referent=True, territory=territory, communes=[commune]),
        "librarian": f.UserFactory(librarian=True, territory=territory, library=library),
    }
    # A week ago, an appointment nobody marked « venu » or « absent ».
    last_week = today - dt.timedelta(days=7)
    permanence = f.PermanenceFactory(
        commune=commune,
        adviser=users["adviser"],
        weekday=last_week.weekday(),
        valid_from=today - dt.timedelta(days=60),
    )
    start = dt.datetime.combine(last_week, dt.time(9, 0), tzinfo=PARIS)
    f.AppointmentFactory(permanence=permanence, start=start, end=start + dt.timedelta(hours=1))
    # A loan the library asked for, a request it sent, a message that failed.
    LoanFactory(
        equipment__territory=territory,
        commune=commune,
        library=library,
        start_date=today + dt.timedelta(days=10),
    )
    InterventionRequestFactory(workshop=WorkshopFactory(territory=territory), library=library)
    MessageFactory(territory=territory, failed=True)
    return {"users": users, "permanence": permanence, "last_week": last_week}


def _expectations(world) -> dict[str, list[tuple[str, str]]]:
    """For each role, the items (key, the path their link opens) and their count is 1."""
    day_sheet = reverse(
        "staff:day_sheet", kwargs={"pk": world["permanence"].pk, "day": world["last_week"]}
    )
    loans = reverse("equipment:loan_list")
    return {
        "culture": [
            ("requests", reverse("workshops:request_list")),
            ("loans_to_approve", loans),
            ("failed_messages", reverse("notifications:message_list")),
        ],
        "adviser": [("unmarked", day_sheet)],
        "referent": [("loans_requested", loans)],
        "librarian": [
            ("requests_waiting", reverse("workshops:request_list")),
            ("loans_requested", loans),
        ],
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ["culture", "adviser", "referent", "librarian"])
def test_each_role_sees_what_waits_for_it(new_page, world, role, width):
    page = new_page(viewport={"width": width, "height": 800})
    log_in(page, world["users"][role].email)
    page.goto(reverse("staff:home"))
    assert page.locator("h1").count() == 1
    assert page.get_by_role("heading", name="Ce qui vous attend").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page, width)
    for key, _path in _expectations(world)[role]:
        count = page.locator(f'[data-todo="{key}"] .todo-count').first
        assert count.inner_text() == "1", key
    # The first item's link opens the page where it is dealt with.
    key, path = _expectations(world)[role][0]
    page.locator(f'[data-todo="{key}"] > a').click()
    page.wait_for_load_state("load")
    assert page.url.split("?")[0].endswith(path), page.url
    assert_accessible(page)
