"""A person with a history in every app that holds personal data, and the reports'
history of tests/reporting (reused as is: the figures must survive the purge)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from cadran.activity.enums import TrancheAge, TypeActivite, TypeLieu
from cadran.activity.models import ActivityParticipant, ActivityRecord
from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token
from cadran.notifications.enums import MessageStatus
from cadran.notifications.models import Message
from cadran.scheduling.enums import AppointmentStatus
from cadran.workshops.enums import RegistrationStatus, SessionStatus
from tests import factories as f
from tests.reporting.conftest import history  # noqa: F401  (the reports' fixture)
from tests.workshops.factories import RegistrationFactory, SessionFactory, WorkshopFactory

FIRST, LAST = "Zéphyrine", "Brocoliaux"
PHONE, EMAIL = "0611223344", "zephyrine@example.org"
APPOINTMENT_TOKEN = "jeton-du-rendez-vous-de-zephyrine-0123456789"
REGISTRATION_TOKEN = "jeton-de-l-inscription-de-zephyrine-0123456789"
NOTES = "Vient pour son dossier de santé"


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def travel():
    """``travel(moment)``: move the clock (stopped) for the rest of the test."""
    travellers = []

    def go(moment: dt.datetime):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield go
    for traveller in travellers:
        traveller.stop()


def make_message(*, territory, target, recipient, beneficiary=None, status=MessageStatus.SENT):
    n = Message.objects.count()
    return Message.objects.create(
        territory=territory,
        channel="sms" if recipient[0].isdigit() else "email",
        event="test",
        template="test",
        dedupe_key=f"test:{n}:{recipient}",
        recipient=recipient,
        beneficiary=beneficiary,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        subject=f"Bonjour {FIRST}",
        body=f"Bonjour {FIRST} {LAST}, votre rendez-vous est confirmé.",
        status=status,
        sent_at=paris(2026, 11, 27, 10) if status == MessageStatus.SENT else None,
        next_attempt_at=paris(2026, 11, 27, 10),
    )


@pytest.fixture
def person(territory, estaires, permanence, adviser, travel):
    """Zéphyrine: booked on 27 Nov 2026 for the 2 Dec 2026 permanence (seen), an activity
    record with notes, messages; registered to a workshop held on 12 Dec 2026."""
    travel(paris(2026, 11, 27, 10))
    beneficiary = f.BeneficiaryFactory(
        territory=territory,
        first_name=FIRST,
        last_name=LAST,
        phone=PHONE,
        email=EMAIL,
        residence_insee="59212",
        birth_year=1950,
    )
    appointment = f.AppointmentFactory(
        permanence=permanence,
        beneficiary=beneficiary,
        start=paris(2026, 12, 2, 9),
        end=paris(2026, 12, 2, 10),
        status=AppointmentStatus.SEEN,
        token_hash=hash_token(APPOINTMENT_TOKEN),
        topics=["sante", "email"],
    )
    record = ActivityRecord.objects.create(
        territory=territory,
        kind=TypeActivite.INDIVIDUEL,
        date=dt.date(2026, 12, 2),
        duration_minutes=60,
        place_type=TypeLieu.LIEU_ACTIVITE,
        venue=permanence.venue,
        commune=estaires,
        place_insee="59212",
        notes=NOTES,
        adviser=adviser,
        appointment=appointment,
        created_at=paris(2026, 12, 2, 12),
        updated_at=paris(2026, 12, 2, 12),
        locked_at=paris(2026, 12, 9, 12),
    )
    ActivityParticipant.objects.create(
        record=record,
        beneficiary=beneficiary,
        birth_year=1950,
        tranche_age=TrancheAge.SOIXANTE_DIX_PLUS,
    )
    workshop = WorkshopFactory(territory=territory, title="Découvrir la tablette")
    session = SessionFactory(
        workshop=workshop,
        venue=permanence.venue,
        start=paris(2026, 12, 12, 10),
        end=paris(2026, 12, 12, 12),
        status=SessionStatus.HELD,
    )
    registration = RegistrationFactory(
        session=session,
        first_name=FIRST,
        last_name=LAST,
        phone=PHONE,
        email=EMAIL,
        library_card="ESP-123456",
        status=RegistrationStatus.PRESENT,
        token_hash=hash_token(REGISTRATION_TOKEN),
    )
    messages = [
        make_message(
            territory=territory, target=appointment, recipient=PHONE, beneficiary=beneficiary
        ),
        make_message(
            territory=territory, target=appointment, recipient=EMAIL, beneficiary=beneficiary
        ),
        make_message(territory=territory, target=registration, recipient=EMAIL),
    ]
    return {
        "beneficiary": beneficiary,
        "appointment": appointment,
        "record": record,
        "session": session,
        "registration": registration,
        "messages": messages,
    }
