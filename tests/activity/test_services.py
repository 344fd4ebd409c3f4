"""Writing activity records: rules, refusals, lock after N days, audited corrections."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cadran.activity.enums import TrancheAge
from cadran.activity.models import ActivityRecord
from cadran.activity.services import (
    ActivityData,
    ParticipantData,
    create_activity_record,
    may_edit,
    update_activity_record,
)
from cadran.core.models import AuditLog
from tests import factories as f

pytestmark = pytest.mark.usefixtures("frozen_now")


def individual(place, **kwargs) -> ActivityData:
    data = {
        "kind": "individuel",
        "date": dt.date(2026, 11, 25),
        "duration_minutes": 45,
        "place_type": "lieu_activite",
        "venue": place,
        "thematiques": ["sante"],
        "materiels": ["ordinateur"],
        "autonomie": "autonome",
        "oriented": False,
        "participants": [ParticipantData(genre="feminin", birth_year=1956)],
    }
    data.update(kwargs)
    return ActivityData(**data)


@pytest.fixture
def venue(permanence):
    return permanence.venue


def test_create_snapshots_the_profile(adviser, venue):
    record = create_activity_record(data=individual(venue), adviser=adviser, by=adviser)
    participant = record.participants.get()
    assert participant.tranche_age == TrancheAge.SOIXANTE_DIX_PLUS  # 2026 - 1956 = 70
    assert record.commune == venue.commune and record.place_insee == venue.commune.insee_code
    assert list(record.thematiques.values_list("thematique", flat=True)) == ["sante"]
    assert record.locked_at == record.created_at + dt.timedelta(days=7)
    assert AuditLog.objects.for_object(record).get().action == "activity.created"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"thematiques": []}, "thematiques"),
        ({"venue": None}, "venue"),
        ({"place_type": "domicile", "venue": None}, "place_insee"),
        ({"date": dt.date(2026, 12, 1)}, "date"),
        ({"duration_minutes": 0}, "duration"),
        ({"demarches": ["logement"]}, "demarches"),
        ({"oriented": True}, "structure_redirection"),
        ({"structure_redirection": "autre"}, "structure_redirection"),
        ({"anonymous": {"anon_total": 3}}, "anon_total"),
        ({"participants": []}, "__all__"),
    ],
)
def test_refusals(adviser, venue, changes, field):
    with pytest.raises(ValidationError) as exc:
        create_activity_record(data=individual(venue, **changes), adviser=adviser, by=adviser)
    assert field in exc.value.message_dict
    assert not ActivityRecord.objects.exists()


def test_collective_counts_are_checked(adviser, venue):
    data = individual(
        venue,
        kind="collectif",
        autonomie="",
        oriented=None,
        participants=[],
        anonymous={"anon_total": 2, "anon_genre_feminin": 3},
    )
    with pytest.raises(ValidationError, match="somme des genres"):
        create_activity_record(data=data, adviser=adviser, by=adviser)
    data.anonymous = {}
    with pytest.raises(ValidationError, match="au moins un participant"):
        create_activity_record(data=data, adviser=adviser, by=adviser)
    data.anonymous = {"anon_total": 2, "anon_genre_feminin": 2}
    record = create_activity_record(data=data, adviser=adviser, by=adviser)
    assert record.anon_total == 2 and record.autonomie == ""


def test_remote_activity_takes_the_employers_commune(adviser, estaires, settings):
    data = individual(None, place_type="a_distance")
    record = create_activity_record(data=data, adviser=adviser, by=adviser)
    assert record.place_insee == "59212" and record.commune == estaires  # adviser's commune
    settings.CADRAN_ACTIVITY_REMOTE_INSEE = "59400"
    record = create_activity_record(data=data, adviser=adviser, by=adviser)
    assert record.place_insee == "59400"


def test_one_record_per_appointment(adviser, venue, seen_appointment):
    create_activity_record(
        data=individual(venue), adviser=adviser, by=adviser, appointment=seen_appointment
    )
    with pytest.raises(ValidationError, match="déjà rempli"):
        create_activity_record(
            data=individual(venue), adviser=adviser, by=adviser, appointment=seen_appointment
        )


def test_another_adviser_cannot_write_for_someone(adviser, venue, territory):
    other = f.UserFactory(adviser=True, territory=territory)
    with pytest.raises(ValidationError):
        create_activity_record(data=individual(venue), adviser=adviser, by=other)


def test_adviser_edits_until_the_deadline_then_it_is_locked(adviser, venue, coordinator):
    record = create_activity_record(data=individual(venue), adviser=adviser, by=adviser)
    with time_machine.travel(record.created_at + dt.timedelta(days=6, hours=23)):
        assert may_edit(adviser, record)
        update_activity_record(
            record=record, data=individual(venue, duration_minutes=60), by=adviser
        )
        entry = AuditLog.objects.for_object(record).filter(action="activity.updated").get()
        assert "durée" in entry.description
    with time_machine.travel(record.created_at + dt.timedelta(days=7, minutes=1)):
        record.refresh_from_db()
        assert record.is_locked() and not may_edit(adviser, record)
        with pytest.raises(ValidationError, match="verrouillé"):
            update_activity_record(record=record, data=individual(venue), by=adviser)
        assert may_edit(coordinator, record)
        update_activity_record(
            record=record, data=individual(venue, thematiques=["email"]), by=coordinator
        )
    record.refresh_from_db()
    assert list(record.thematiques.values_list("thematique", flat=True)) == ["email"]
    correction = AuditLog.objects.for_object(record).get(action="activity.corrected")
    assert correction.actor == coordinator
    assert "thématiques" in correction.description and "corrigé" in correction.description


def test_edit_days_setting(adviser, venue, settings):
    settings.CADRAN_ACTIVITY_EDIT_DAYS = 2
    record = create_activity_record(data=individual(venue), adviser=adviser, by=adviser)
    with time_machine.travel(record.created_at + dt.timedelta(days=2, minutes=1)):
        assert not may_edit(adviser, record)


def test_coordinator_of_another_territory_cannot_correct(adviser, venue):
    stranger = f.UserFactory(coordinator=True)
    record = create_activity_record(data=individual(venue), adviser=adviser, by=adviser)
    with pytest.raises(ValidationError):
        update_activity_record(record=record, data=individual(venue), by=stranger)


def test_database_refuses_inconsistent_rows(adviser, venue):
    record = create_activity_record(data=individual(venue), adviser=adviser, by=adviser)
    for change in ({"anon_total": 2}, {"venue": None}, {"duration_minutes": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ActivityRecord.objects.filter(pk=record.pk).update(**change)


def test_statistics_survive_the_beneficiary_purge(adviser, venue, seen_appointment):
    data = individual(venue)
    data.participants[0].beneficiary_id = seen_appointment.beneficiary_id
    record = create_activity_record(
        data=data, adviser=adviser, by=adviser, appointment=seen_appointment
    )
    beneficiary = seen_appointment.beneficiary
    seen_appointment.topics.all().delete()
    seen_appointment.delete()
    beneficiary.delete()
    record.refresh_from_db()
    participant = record.participants.get()
    assert record.appointment_id is None and participant.beneficiary_id is None
    assert (participant.genre, participant.tranche_age) == ("feminin", "soixante_dix_plus")
