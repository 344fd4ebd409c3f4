from __future__ import annotations

import datetime as dt

import pytest

from cadran.core.clock import PARIS
from cadran.workshops.enums import RegistrationStatus
from cadran.workshops.models import Attendance
from tests import factories as f
from tests.workshops.factories import RegistrationFactory, SessionFactory, WorkshopFactory

# Wednesday 25 November 2026, 9:00 in Paris: the Estaires permanence before the frozen "now".
PAST_SLOT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=PARIS)


@pytest.fixture
def seen_appointment(permanence):
    beneficiary = f.BeneficiaryFactory(
        territory=permanence.commune.territory, birth_year=1950, residence_insee="59212"
    )
    return f.AppointmentFactory(
        permanence=permanence,
        beneficiary=beneficiary,
        start=PAST_SLOT,
        seen=True,
        topics=["aide_aux_demarches_administratives", "sante"],
    )


@pytest.fixture
def held_session(territory, estaires, adviser):
    workshop = WorkshopFactory(
        territory=territory, title="Arnaques en ligne", level="intermediaire"
    )
    venue = f.VenueFactory(commune=estaires, name="Médiathèque d'Estaires")
    start = dt.datetime(2026, 11, 21, 10, 0, tzinfo=PARIS)
    session = SessionFactory(
        workshop=workshop, venue=venue, start=start, held=True, advisers=[adviser]
    )
    session.anonymous_count = 2
    session.save(update_fields=["anonymous_count"])
    came = [
        RegistrationFactory(session=session, status=RegistrationStatus.PRESENT, commune_insee=code)
        for code in ("59212", "59400", "59212")
    ]
    missed = RegistrationFactory(session=session, status=RegistrationStatus.ABSENT)
    for r in came:
        Attendance.objects.create(session=session, registration=r, present=True)
    Attendance.objects.create(session=session, registration=missed, present=False)
    return session
