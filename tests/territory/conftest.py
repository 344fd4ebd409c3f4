"""Fixtures for the venue change tests: Estaires' mairie (the permanence's venue) and
venues with or without the conditions a permanence or a workshop needs."""

from __future__ import annotations

import pytest

from cadran.notifications.backends import sms
from tests import factories as f


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def mairie(permanence):
    """The venue of Estaires' Wednesday permanence (Mairie, bureau du CCAS)."""
    return permanence.venue


@pytest.fixture
def salle(estaires):
    """A venue with everything a permanence and a workshop need."""
    return f.VenueFactory(
        commune=estaires,
        name="Salle Jean Moulin",
        address="12 rue de la Gare",
        room="Salle 2",
        confidential=True,
        accessible=True,
        wifi=True,
        heated=True,
        insured=True,
        has_tables_chairs=True,
        has_projector=True,
        has_screen=True,
        has_pc=True,
    )


@pytest.fixture
def cold_room(estaires):
    """A venue without heating nor a projector."""
    return f.VenueFactory(
        commune=estaires,
        name="Préau de l'école",
        address="1 rue des Écoles",
        room="",
        heated=False,
        has_projector=False,
    )
