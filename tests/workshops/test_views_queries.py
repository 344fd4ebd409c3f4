"""The workshops' staff pages make the same number of queries for one row and for many.

Each count includes the login session and the user (2) and the session save of
``SESSION_SAVE_EVERY_REQUEST`` (3: savepoint, update, release).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cadran.workshops.models import Attendance, Session

from .factories import (
    InterventionRequestFactory,
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.usefixtures("frozen_now")

MANY = 30


def _get(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]


def test_programme(client, django_assert_num_queries, culture_user, territory, fmt, library_venue):
    client.force_login(culture_user)
    # 7: the usual 6 and the territory's review circuit.
    workshop = WorkshopFactory(territory=territory, format=fmt)
    SessionFactory(workshop=workshop, venue=library_venue)
    with django_assert_num_queries(7):
        _get(client, reverse("workshops:programme"))
    for i in range(MANY):
        w = WorkshopFactory(territory=territory, format=fmt, draft=bool(i % 2))
        SessionFactory(
            workshop=w,
            venue=library_venue,
            start=workshop.sessions.get().start + dt.timedelta(days=i + 1),
        )
    with django_assert_num_queries(7):
        _get(client, reverse("workshops:programme"))


def test_request_list(client, django_assert_num_queries, librarian, workshop):
    client.force_login(librarian)
    InterventionRequestFactory(workshop=workshop, library=librarian.library, requested_by=librarian)
    with django_assert_num_queries(6):
        _get(client, reverse("workshops:request_list"))
    InterventionRequestFactory.create_batch(
        MANY, workshop=workshop, library=librarian.library, requested_by=librarian
    )
    with django_assert_num_queries(6):
        _get(client, reverse("workshops:request_list"))


def test_session_list(
    client, django_assert_num_queries, adviser, workshop, library_venue, territory
):
    client.force_login(adviser)
    first = SessionFactory(workshop=workshop, venue=library_venue, advisers=[adviser])
    RegistrationFactory(session=first)
    url = reverse("workshops:session_list")
    with django_assert_num_queries(9):
        _get(client, url)
    for i in range(MANY):
        s = SessionFactory(
            workshop=workshop,
            venue=library_venue,
            advisers=[adviser],
            start=first.start + dt.timedelta(days=i + 1),
        )
        RegistrationFactory.create_batch(2, session=s)
        RegistrationFactory(session=s, waiting=True)
    with django_assert_num_queries(9):
        _get(client, url)


def test_session_detail(client, django_assert_num_queries, adviser, session):
    ContentType.objects.get_for_model(Session)  # the history's content type, cached as in use
    client.force_login(adviser)
    RegistrationFactory(session=session)
    url = reverse("workshops:session_detail", kwargs={"pk": session.pk})
    # 11, and 7 for the board's conflicts (cadran.board.conflicts.check_conflicts_for_session).
    with django_assert_num_queries(18):
        _get(client, url)
    RegistrationFactory.create_batch(MANY, session=session)
    RegistrationFactory.create_batch(MANY, session=session, waiting=True)
    RegistrationFactory.create_batch(5, session=session, cancelled=True)
    with django_assert_num_queries(18):
        _get(client, url)


def test_attendance_page(client, django_assert_num_queries, adviser, session):
    RegistrationFactory(session=session)
    url = reverse("workshops:attendance", kwargs={"pk": session.pk})
    with time_machine.travel(session.start + dt.timedelta(minutes=10)):
        client.force_login(adviser)
        with django_assert_num_queries(9):
            _get(client, url)
        for registration in RegistrationFactory.create_batch(MANY, session=session):
            Attendance.objects.create(session=session, registration=registration, present=True)
        with django_assert_num_queries(9):
            _get(client, url)
