"""The staff pages make the same number of queries for one row and for many.

Each count includes the session and the user (2) and the session save of
``SESSION_SAVE_EVERY_REQUEST`` (3: savepoint, update, release).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.scheduling.models import Appointment, Beneficiary
from tests import factories as f

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def long_permanence(estaires, adviser):
    """8h–17h in 10-minute slots: room for 54 appointments in one day."""
    return f.PermanenceFactory(
        commune=estaires,
        adviser=adviser,
        start_time=dt.time(8, 0),
        end_time=dt.time(17, 0),
        slot_minutes=10,
    )


def book_many(permanence, day: dt.date, count: int, *, first: int = 0):
    starts = itertools.islice(
        (at(day, 8) + dt.timedelta(minutes=10 * i) for i in itertools.count(first)), count
    )
    for start in starts:
        f.AppointmentFactory(permanence=permanence, start=start, topics=["email", "sante"])


def closures_of_every_kind(territory, estaires, permanence, adviser, count: int):
    for i in range(count):
        kind = i % 4
        f.ClosureFactory(
            territory=territory,
            commune=estaires if kind == 1 else None,
            venue=permanence.venue if kind == 2 else None,
            adviser=adviser if kind == 3 else None,
            start=at(WEDNESDAY + dt.timedelta(days=i), 14),
            end=at(WEDNESDAY + dt.timedelta(days=i), 15),
            reason=f"Fermeture {i}",
        )


def test_staff_home(
    client, django_assert_num_queries, frozen_now, adviser, long_permanence, territory, estaires
):
    client.force_login(adviser)
    # 9 for the permanences, 8 for what waits (cadran/scheduling/start_page.py).
    book_many(long_permanence, WEDNESDAY, 1)
    with django_assert_num_queries(17):
        assert client.get(reverse("staff:home")).status_code == 200
    for weekday in range(5):
        extra = f.PermanenceFactory(commune=estaires, adviser=adviser, weekday=weekday)
        f.AppointmentFactory(
            permanence=extra, start=at(dt.date(2026, 11, 30) + dt.timedelta(days=weekday), 9)
        )
    book_many(long_permanence, WEDNESDAY, 49, first=1)
    closures_of_every_kind(territory, estaires, long_permanence, adviser, 50)
    with django_assert_num_queries(17):
        response = client.get(reverse("staff:home"))
    assert len(response.context["permanences"]) == 6


def test_day_sheet(
    client, django_assert_num_queries, frozen_now, adviser, long_permanence, territory, estaires
):
    client.force_login(adviser)
    url = reverse("staff:day_sheet", kwargs={"pk": long_permanence.pk, "day": WEDNESDAY})
    book_many(long_permanence, WEDNESDAY, 1)
    # 10: with the people's repeated absences (one query for all, issue 16).
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    book_many(long_permanence, WEDNESDAY, 49, first=1)
    closures_of_every_kind(territory, estaires, long_permanence, adviser, 4)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.context["sheet"].booked_count == 50


def test_closures_list(
    client,
    django_assert_num_queries,
    frozen_now,
    culture_user,
    territory,
    estaires,
    permanence,
    adviser,
):
    client.force_login(culture_user)
    closures_of_every_kind(territory, estaires, permanence, adviser, 1)
    with django_assert_num_queries(10):
        assert client.get(reverse("staff:closures")).status_code == 200
    closures_of_every_kind(territory, estaires, permanence, adviser, 50)
    f.VenueFactory.create_batch(5, commune=estaires)
    with django_assert_num_queries(10):
        response = client.get(reverse("staff:closures"))
    assert len(response.context["closures"]) == 51


def test_closures_list_of_an_adviser(
    client, django_assert_num_queries, frozen_now, adviser, territory, estaires, permanence
):
    client.force_login(adviser)
    closures_of_every_kind(territory, estaires, permanence, adviser, 1)
    with django_assert_num_queries(7):
        assert client.get(reverse("staff:closures")).status_code == 200
    closures_of_every_kind(territory, estaires, permanence, adviser, 50)
    with django_assert_num_queries(7):
        client.get(reverse("staff:closures"))


def test_commune_calendar(
    client,
    django_assert_num_queries,
    frozen_now,
    referent,
    territory,
    estaires,
    long_permanence,
    adviser,
):
    client.force_login(referent)
    url = reverse("staff:commune_calendar", kwargs={"insee": "59212"})
    book_many(long_permanence, WEDNESDAY, 1)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    for week in range(5):
        book_many(long_permanence, WEDNESDAY + dt.timedelta(weeks=week), 10, first=1)
    f.PermanenceFactory.create_batch(3, commune=estaires, adviser=adviser, weekday=1)
    closures_of_every_kind(territory, estaires, long_permanence, adviser, 50)
    with django_assert_num_queries(9):
        response = client.get(url)
    assert sum(o.booked for o in response.context["occurrences"]) == 51


def test_audit_log(
    client, django_assert_num_queries, frozen_now, culture_user, coordinator, territory, permanence
):
    appointment = f.AppointmentFactory(permanence=permanence)
    content_type = ContentType.objects.get_for_model(Appointment)

    def log(count):
        for i in range(count):
            AuditLog.objects.create(
                actor=coordinator if i % 2 else None,
                territory=territory,
                action="appointment.booked",
                description=f"Entrée {i}",
                content_type=content_type,
                object_id=str(appointment.pk),
            )

    client.force_login(culture_user)
    log(1)
    with django_assert_num_queries(8):
        assert client.get(reverse("staff:audit_log")).status_code == 200
    log(250)
    with django_assert_num_queries(8):
        response = client.get(reverse("staff:audit_log"))
    assert len(response.context["page"].object_list) == 50


def test_beneficiary_search(client, django_assert_num_queries, frozen_now, adviser, territory):
    client.force_login(adviser)
    url = reverse("staff:beneficiary_search") + "?q=Dupont"
    f.BeneficiaryFactory(territory=territory, last_name="Dupont")
    ContentType.objects.get_for_model(Beneficiary)  # cached, as in a running server
    # One INSERT writes the audit-log entries ("person.viewed") of all the people shown.
    with django_assert_num_queries(7):
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    f.BeneficiaryFactory.create_batch(50, territory=territory, last_name="Dupont")
    with django_assert_num_queries(7):
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.content.decode().count('name="beneficiary"') == 20
