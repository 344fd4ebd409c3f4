from __future__ import annotations

import pytest

from cadran.notifications.backends import sms
from tests import factories as f

from .factories import (
    ReviewStepFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
    WorkshopSettingsFactory,
)

# The CCFL's circuit and minimum, as the data migration gives them to existing territories.
CCFL_CIRCUIT = ("Service Culture", "COTECH Esperluette", "Commission Culture")


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def ccfl_circuit(territory):
    """The CCFL's review circuit (3 steps) and its minimum of 4."""
    for position, name in enumerate(CCFL_CIRCUIT, start=1):
        ReviewStepFactory(territory=territory, position=position, name=name)
    WorkshopSettingsFactory(territory=territory, default_min_attendance=4)
    return CCFL_CIRCUIT


@pytest.fixture
def fmt(territory):
    return WorkshopFormatFactory(territory=territory, name="Cours collectif")


@pytest.fixture
def library_venue(estaires, librarian):
    return f.VenueFactory(
        commune=estaires,
        library=librarian.library,
        name="Médiathèque d'Estaires",
        room="Salle d'animation",
        confidential=False,
        has_projector=True,
        has_screen=True,
        has_pc=True,
    )


@pytest.fixture
def workshop(territory, fmt):
    return WorkshopFactory(territory=territory, format=fmt, title="Arnaques en ligne : les repérer")


@pytest.fixture
def session(workshop, library_venue, adviser):
    return SessionFactory(workshop=workshop, venue=library_venue, advisers=[adviser])
