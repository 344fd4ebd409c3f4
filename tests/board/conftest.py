"""A small CCFL for the board: Estaires (David's Wednesday permanence 9h–12h) and
Merville (Sophie's Wednesday permanence 14h–17h), a session, a closure, a loan."""

from __future__ import annotations

import datetime as dt

import pytest

from cadran.core.clock import PARIS
from cadran.notifications.backends import sms
from tests import factories as f
from tests.browser.conftest import browser, new_page, nu_checker  # noqa: F401 — the browser fixtures
from tests.workshops.factories import SessionFactory, WorkshopFactory, WorkshopFormatFactory


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def second_adviser(territory, merville):
    return f.UserFactory(
        adviser=True,
        territory=territory,
        communes=[merville],
        first_name="Sophie",
        last_name="Conseillère",
    )


@pytest.fixture
def merville_permanence(merville, second_adviser):
    return f.PermanenceFactory(
        commune=merville,
        adviser=second_adviser,
        weekday=2,
        start_time=dt.time(14),
        end_time=dt.time(17),
        adviser_arrival_time=None,
    )


@pytest.fixture
def fmt(territory):
    return WorkshopFormatFactory(territory=territory, name="Cours collectif")


@pytest.fixture
def workshop(territory, fmt):
    return WorkshopFactory(territory=territory, format=fmt, title="Arnaques en ligne")


@pytest.fixture
def library_venue(estaires):
    return f.VenueFactory(
        commune=estaires,
        name="Médiathèque d'Estaires",
        room="Salle d'animation",
        has_projector=True,
        has_screen=True,
        has_pc=True,
    )


@pytest.fixture
def session(workshop, library_venue, adviser):
    """Saturday 5 December 2026, 10h–12h, at the Estaires library."""
    return SessionFactory(workshop=workshop, venue=library_venue, advisers=[adviser])
