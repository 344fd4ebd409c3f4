"""Each role's start page: what waits for them, counted at the edge of each rule, never
outside their scope, in a number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from cadran.scheduling.start_page import start_page
from cadran.workshops.enums import RequestStatus
from tests import factories as f
from tests.activity.factories import ActivityRecordFactory
from tests.conftest import NOW
from tests.equipment.factories import LoanFactory
from tests.notifications.factories import MessageFactory
from tests.workshops.factories import (
    InterventionRequestFactory,
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def elsewhere():
    """Another territory, with its own commune, adviser and permanence."""
    other = f.TerritoryFactory(slug="ailleurs")
    commune = f.CommuneFactory(territory=other, name="Ailleurs")
    permanence = f.PermanenceFactory(commune=commune)
    return other, commune, permanence


def appointment(permanence, start: dt.datetime, **kwargs) -> Appointment:
    return f.AppointmentFactory(permanence=permanence, start=start, end=start + HOUR, **kwargs)


def failed_about(obj, *, territory, **kwargs):
    return MessageFactory(
        territory=territory,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        **kwargs,
    )


# --- Service Culture / coordination ---------------------------------------------------------


def test_territory_requests_count_while_open_and_only_in_the_territory(
    culture_user, territory, elsewhere
):
    workshop = WorkshopFactory(territory=territory)
    InterventionRequestFactory(workshop=workshop)
    InterventionRequestFactory(workshop=workshop, under_examination=True)
    InterventionRequestFactory(workshop=workshop, status=RequestStatus.ACCEPTED)
    InterventionRequestFactory(workshop=WorkshopFactory(territory=elsewhere[0]))
    assert start_page(culture_user, now=NOW).count("requests") == 2


def test_territory_loans_requested_count_approved_do_not(culture_user, territory, estaires):
    loan = LoanFactory(equipment__territory=territory, commune=estaires)
    LoanFactory(equipment__territory=territory, commune=estaires, approved=True)
    LoanFactory()  # another territory
    assert start_page(culture_user, now=NOW).count("loans_to_approve") == 1
    loan.status = "approved"
    loan.save()
    assert start_page(culture_user, now=NOW).count("loans_to_approve") == 0


def test_territory_failed_messages_count_sent_do_not(culture_user, territory, elsewhere):
    MessageFactory(territory=territory, failed=True)
    MessageFactory(territory=territory, sent=True)
    MessageFactory(territory=elsewhere[0], failed=True)
    page = start_page(culture_user, now=NOW)
    assert page.count("failed_messages") == 1
    todo = next(t for t in page.todos if t.key == "failed_messages")
    assert todo.url == reverse("notifications:message_list") + "?status=failed"


def test_territory_decisions_due_within_two_days(coordinator, territory, estaires):
    venue = f.VenueFactory(commune=estaires)
    start = NOW + dt.timedelta(days=3)
    SessionFactory(
        workshop__territory=territory, venue=venue, start=start, decision_at=NOW + 48 * HOUR
    )
    SessionFactory(
        workshop__territory=territory,
        venue=venue,
        start=start,
        decision_at=NOW + 48 * HOUR + MINUTE,
    )
    SessionFactory(
        workshop__territory=territory,
        venue=venue,
        start=start,
        decision_at=NOW - HOUR,
        confirmed=True,
    )
    assert start_page(coordinator, now=NOW).count("decisions") == 1


def test_territory_records_to_write(culture_user, permanence, elsewhere):
    seen = appointment(permanence, NOW - 50 * HOUR, seen=True)
    appointment(permanence, NOW - 26 * HOUR, seen=True)
    appointment(elsewhere[2], NOW - 26 * HOUR, seen=True)
    assert start_page(culture_user, now=NOW).count("records") == 2
    ActivityRecordFactory(adviser=permanence.adviser, appointment=seen)
    assert start_page(culture_user, now=NOW).count("records") == 1


def test_territory_figures(culture_user, permanence, elsewhere):
    person = f.BeneficiaryFactory(territory=permanence.commune.territory)
    appointment(permanence, NOW - 50 * HOUR, seen=True, beneficiary=person)
    appointment(permanence, NOW - 26 * HOUR, seen=True, beneficiary=person)
    appointment(permanence, NOW - 3 * HOUR, status=AppointmentStatus.NOSHOW)
    appointment(permanence, NOW + 3 * HOUR, status=AppointmentStatus.EXCUSED)
    appointment(permanence, NOW - dt.timedelta(days=40), seen=True)  # October
    appointment(elsewhere[2], NOW - 26 * HOUR, seen=True)
    figures = {fig.label: fig.value for fig in start_page(culture_user, now=NOW).figures}
    assert figures["Rendez-vous ce mois-ci"] == 3
    assert figures["dont personnes venues"] == 2
    assert figures["dont absences"] == 1
    assert figures["Personnes reçues en rendez-vous depuis le 1er janvier 2026"] == 2


# --- Adviser ---------------------------------------------------------------------------------


def test_adviser_unmarked_counts_once_the_end_is_past(adviser, permanence, merville):
    ended = appointment(permanence, NOW - HOUR)  # ends exactly now
    appointment(permanence, NOW - HOUR + MINUTE)  # ends in a minute
    appointment(permanence, NOW - 3 * HOUR, seen=True)
    colleague = f.PermanenceFactory(commune=merville)
    appointment(colleague, NOW - 3 * HOUR)
    page = start_page(adviser, now=NOW)
    assert page.count("unmarked") == 1
    assert page.unmarked[0].url == reverse(
        "staff:day_sheet", kwargs={"pk": permanence.pk, "day": NOW.date()}
    )
    ended.status = AppointmentStatus.NOSHOW
    ended.save()
    assert start_page(adviser, now=NOW).count("unmarked") == 0


def test_adviser_today_links_to_the_day_sheet(adviser, permanence):
    appointment(permanence, NOW + HOUR)
    appointment(permanence, NOW - 2 * HOUR, seen=True)
    appointment(permanence, NOW + 2 * HOUR, status=AppointmentStatus.EXCUSED)
    appointment(permanence, NOW + dt.timedelta(days=1))  # tomorrow
    page = start_page(adviser, now=NOW)
    todo = next(t for t in page.todos if t.key == f"today:{permanence.pk}")
    assert todo.count == 2
    assert todo.url == reverse("staff:day_sheet", kwargs={"pk": permanence.pk, "day": NOW.date()})


def test_adviser_records_and_failed_messages(adviser, permanence, merville):
    seen = appointment(permanence, NOW - 26 * HOUR, seen=True)
    other = appointment(f.PermanenceFactory(commune=merville), NOW - 26 * HOUR, seen=True)
    failed_about(seen, territory=permanence.commune.territory, failed=True)
    failed_about(seen, territory=permanence.commune.territory, sent=True)
    failed_about(other, territory=permanence.commune.territory, failed=True)
    page = start_page(adviser, now=NOW)
    assert page.count("records") == 1
    assert page.count("failed_messages") == 1
    assert page.failed_messages[0].url == reverse("staff:appointment", kwargs={"pk": seen.pk})


def test_adviser_figures(adviser, permanence):
    appointment(permanence, NOW - 50 * HOUR, seen=True)  # Wednesday of this week
    appointment(permanence, NOW + 3 * HOUR)
    appointment(permanence, NOW - dt.timedelta(days=7))  # last week
    ActivityRecordFactory(adviser=adviser, date=dt.date(2026, 11, 2))
    ActivityRecordFactory(adviser=adviser, date=dt.date(2026, 10, 31))
    figures = {fig.label: fig.value for fig in start_page(adviser, now=NOW).figures}
    assert figures == {"Rendez-vous cette semaine": 2, "Comptes rendus écrits ce mois-ci": 1}


# --- Commune referent ------------------------------------------------------------------------


def test_referent_sees_their_commune_only(referent, territory, estaires, merville, permanence):
    LoanFactory(equipment__territory=territory, commune=estaires)
    LoanFactory(equipment__territory=territory, commune=estaires, collected=True)
    LoanFactory(equipment__territory=territory, commune=estaires, returned=True)
    LoanFactory(equipment__territory=territory, commune=merville)
    f.PermanenceFactory(commune=merville)
    appointment(permanence, dt.datetime(2026, 12, 2, 9, 0, tzinfo=NOW.tzinfo))
    page = start_page(referent, now=NOW)
    assert page.count("loans_requested") == 1
    assert page.count("loans_collected") == 1
    assert {o.permanence.commune.name for o in page.occurrences} == {"Estaires"}
    first = page.occurrences[0]
    assert (first.day, first.booked, first.free) == (dt.date(2026, 12, 2), 1, 2)


def test_referent_people_received_are_masked_under_three(referent, permanence, merville):
    appointment(permanence, NOW - 50 * HOUR, seen=True)
    appointment(permanence, NOW - 26 * HOUR, seen=True)
    appointment(f.PermanenceFactory(commune=merville), NOW - 26 * HOUR, seen=True)
    figures = {fig.label: fig.value for fig in start_page(referent, now=NOW).figures}
    assert figures["Personnes reçues (différentes)"] == "< 3"
    assert figures["Rendez-vous"] == 2
    appointment(permanence, NOW - 3 * HOUR, seen=True)
    figures = {fig.label: fig.value for fig in start_page(referent, now=NOW).figures}
    assert figures["Personnes reçues (différentes)"] == 3


# --- Librarian -------------------------------------------------------------------------------


def test_librarian_requests_by_state_of_their_library_only(librarian, territory):
    workshop = WorkshopFactory(territory=territory)
    mine = {"workshop": workshop, "library": librarian.library}
    InterventionRequestFactory(**mine)
    InterventionRequestFactory(**mine, under_examination=True)
    InterventionRequestFactory(**mine, status=RequestStatus.ACCEPTED)
    InterventionRequestFactory(**mine, status=RequestStatus.REFUSED)
    InterventionRequestFactory(workshop=workshop)  # another library
    page = start_page(librarian, now=NOW)
    assert page.count("requests_waiting") == 2
    figures = {fig.label: fig.value for fig in page.figures}
    assert figures == {"En attente de réponse": 2, "Acceptées": 1, "Refusées": 1}


def test_librarian_sessions_under_the_minimum(librarian, territory, estaires):
    venue = f.VenueFactory(commune=estaires, library=librarian.library)
    short = SessionFactory(workshop__territory=territory, venue=venue, min_attendance=4)
    RegistrationFactory.create_batch(3, session=short)
    enough = SessionFactory(workshop__territory=territory, venue=venue, min_attendance=4)
    RegistrationFactory.create_batch(4, session=enough)
    SessionFactory(workshop__territory=territory, venue=f.VenueFactory(commune=estaires))
    page = start_page(librarian, now=NOW)
    assert page.count("sessions_at_risk") == 1
    assert [s.pk for s in page.sessions] == [short.pk, enough.pk]
    assert [s.confirmed_count for s in page.sessions] == [3, 4]


def test_librarian_loans_of_their_library(librarian, territory, estaires):
    LoanFactory(equipment__territory=territory, commune=estaires, library=librarian.library)
    LoanFactory(equipment__territory=territory, commune=estaires)  # the commune's, not theirs
    assert start_page(librarian, now=NOW).count("loans_requested") == 1


# --- The page and its query count --------------------------------------------------------------


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("staff:home")).status_code == 200
    return len(ctx.captured_queries)


def _add_items(n: int, *, first: int = 0, territory, estaires, permanence, librarian):
    workshop = WorkshopFactory(territory=territory)
    venue = f.VenueFactory(commune=estaires, library=librarian.library)
    for i in range(first, first + n):
        ended = appointment(permanence, NOW - dt.timedelta(days=7 * i + 2), seen=True)
        appointment(permanence, NOW - dt.timedelta(days=7 * i + 2, hours=-1))
        failed_about(ended, territory=territory, failed=True)
        LoanFactory(
            equipment__territory=territory,
            commune=estaires,
            library=librarian.library,
            start_date=dt.date(2026, 12, 2) + dt.timedelta(days=3 * i),
        )
        InterventionRequestFactory(workshop=workshop, library=librarian.library)
        session = SessionFactory(
            workshop__territory=territory, venue=venue, start=NOW + dt.timedelta(days=3 + i)
        )
        RegistrationFactory(session=session)


@pytest.mark.parametrize("role", ["culture_user", "adviser", "referent", "librarian"])
def test_start_page_queries_do_not_grow(
    client, request, frozen_now, role, territory, estaires, permanence, librarian
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    world = {
        "territory": territory,
        "estaires": estaires,
        "permanence": permanence,
        "librarian": librarian,
    }
    _add_items(1, **world)
    one = _home_queries(client)
    _add_items(12, first=1, **world)
    many = _home_queries(client)
    assert many == one
    page = client.get(reverse("staff:home")).context["start"]
    assert any(t.count > 1 for t in page.todos), "the items were not counted"
