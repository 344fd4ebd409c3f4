from __future__ import annotations

import pytest

from cadran.notifications.backends import sms
from tests import factories as f

from .factories import EquipmentFactory


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    settings.CADRAN_LOAN_PICKUP_DAYS = 3
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def printer(territory):
    return EquipmentFactory(
        territory=territory, printer=True, identifier="IMP3D-01", name="Imprimante 3D n° 1"
    )


@pytest.fixture
def laptops(territory):
    return EquipmentFactory(territory=territory, identifier="VALISE-01", name="Valise de portables")


@pytest.fixture
def estaires_library(estaires):
    return f.LibraryFactory(commune=estaires, name="Médiathèque d'Estaires")


@pytest.fixture
def other_territory(db):
    return f.TerritoryFactory(slug="autre", name="Autre communauté", short_name="AUTRE")


@pytest.fixture
def outsider(other_territory):
    """The Service Culture of another territory."""
    return f.UserFactory(culture_service=True, territory=other_territory)


@pytest.fixture
def request_fixture(request):
    """Get a fixture by name inside a parametrised test."""
    return request.getfixturevalue
