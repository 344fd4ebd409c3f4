"""Retention under time-machine: what is past its time disappears, the figures stay."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cadran.activity.models import ActivityParticipant, ActivityRecord
from cadran.core.models import AuditLog
from cadran.core.sweep import run_sweep
from cadran.notifications.enums import MessageStatus
from cadran.notifications.models import Message
from cadran.privacy.models import PurgeRun, RetentionPolicy
from cadran.privacy.selectors import due_counts, months_before
from cadran.privacy.services import purge_due
from cadran.privacy.sweepers import purge_personal_data
from cadran.reporting import exports
from cadran.reporting.selectors import Period, attendance_report, territory_dashboard
from cadran.scheduling.models import Appointment, AppointmentTopic, Beneficiary
from cadran.workshops.models import Attendance, Registration
from tests import factories as f
from tests.workshops.factories import RegistrationFactory, SessionFactory

from .conftest import (
    APPOINTMENT_TOKEN,
    EMAIL,
    FIRST,
    LAST,
    NOTES,
    PHONE,
    REGISTRATION_TOKEN,
    make_message,
    paris,
)

pytestmark = pytest.mark.django_db


def test_months_before_keeps_the_paris_wall_clock():
    assert months_before(paris(2027, 12, 2, 9), 12) == paris(2026, 12, 2, 9)
    assert months_before(paris(2027, 3, 31, 3), 1) == paris(2027, 2, 28, 3)
    assert months_before(paris(2027, 1, 15, 0), 3) == paris(2026, 10, 15, 0)


def test_beneficiary_is_anonymised_12_months_after_the_last_appointment_not_before(person, travel):
    b, appointment = person["beneficiary"], person["appointment"]
    just_before = paris(2027, 12, 2, 8, 59)
    travel(just_before)
    purge_due(just_before)
    b.refresh_from_db()
    assert (b.first_name, b.last_name, b.phone, b.email) == (FIRST, LAST, PHONE, EMAIL)

    after = paris(2027, 12, 2, 9, 1)
    travel(after)
    report = purge_due(after)
    b.refresh_from_db()
    assert (b.first_name, b.last_name, b.phone, b.email) == ("Anonyme", "Anonyme", "", "")
    assert b.birth_year is None and b.residence_insee == "" and b.no_phone
    assert not b.notify_sms and not b.notify_email
    assert report.counts[b.territory_id]["beneficiaries"] == 1
    # The appointment stays, with everything the figures count.
    appointment.refresh_from_db()
    assert appointment.beneficiary_id == b.pk
    assert appointment.status == "seen" and appointment.start == paris(2026, 12, 2, 9)
    assert sorted(
        AppointmentTopic.objects.filter(appointment=appointment).values_list(
            "thematique", flat=True
        )
    ) == ["email", "sante"]
    # The free-text notes go with the person; the record and its profile stay.
    record = ActivityRecord.objects.get(pk=person["record"].pk)
    assert record.notes == ""
    participant = ActivityParticipant.objects.get(record=record)
    assert participant.birth_year is None and participant.tranche_age == "soixante_dix_plus"
    # Her messages are emptied (the rows stay: they count the messages sent).
    for message in Message.objects.filter(beneficiary=b):
        assert (message.recipient, message.subject, message.body) == ("", "", "")


def test_a_newer_appointment_postpones_the_anonymisation(person, permanence, travel):
    b = person["beneficiary"]
    f.AppointmentFactory(
        permanence=permanence, beneficiary=b, start=paris(2027, 6, 2, 9), end=paris(2027, 6, 2, 10)
    )
    travel(paris(2027, 12, 10, 3))
    purge_due(paris(2027, 12, 10, 3))
    b.refresh_from_db()
    assert b.last_name == LAST
    travel(paris(2028, 6, 3, 3))
    purge_due(paris(2028, 6, 3, 3))
    b.refresh_from_db()
    assert b.last_name == "Anonyme"


def test_registration_contacts_go_3_months_after_the_session(person, travel):
    registration = person["registration"]  # session on 12 Dec 2026, 10h–12h
    travel(paris(2027, 3, 12, 11, 59))
    purge_due(paris(2027, 3, 12, 11, 59))
    registration.refresh_from_db()
    assert registration.phone == PHONE and registration.library_card == "ESP-123456"

    travel(paris(2027, 3, 12, 12, 1))
    purge_due(paris(2027, 3, 12, 12, 1))
    registration.refresh_from_db()
    assert (registration.first_name, registration.last_name) == ("Anonyme", "Anonyme")
    assert (registration.phone, registration.email, registration.library_card) == ("", "", "")
    # What the workshop's figures count stays.
    assert registration.status == "present" and registration.commune_insee == "59212"
    message = Message.objects.get(object_id=registration.pk, content_type__model="registration")
    assert (message.recipient, message.body) == ("", "")
    # The beneficiary (appointments) is not due yet.
    person["beneficiary"].refresh_from_db()
    assert person["beneficiary"].last_name == LAST


def test_a_cycle_is_kept_until_3_months_after_its_last_session(territory, permanence, travel):
    travel(paris(2026, 11, 27, 10))
    first = SessionFactory(
        workshop__territory=territory, venue=permanence.venue, start=paris(2026, 12, 1, 10)
    )
    first.cycle_group = first
    first.save()
    SessionFactory(
        workshop=first.workshop,
        venue=permanence.venue,
        start=paris(2027, 1, 12, 10),
        end=paris(2027, 1, 12, 12),
        cycle_group=first,
    )
    registration = RegistrationFactory(session=first)
    moment = paris(2027, 3, 20, 3)  # 3 months after the first session, not after the last
    travel(moment)
    purge_due(moment)
    registration.refresh_from_db()
    assert registration.last_name != "Anonyme"
    moment = paris(2027, 4, 13, 3)
    travel(moment)
    purge_due(moment)
    registration.refresh_from_db()
    assert registration.last_name == "Anonyme"


def test_private_links_stop_working(client, person, travel):
    assert client.get(reverse("public:appointment", args=[APPOINTMENT_TOKEN])).status_code == 200
    travel(paris(2028, 1, 5, 3))
    purge_due(paris(2028, 1, 5, 3))
    assert client.get(reverse("public:appointment", args=[APPOINTMENT_TOKEN])).status_code == 404
    response = client.get(reverse("public:workshop_registration", args=[REGISTRATION_TOKEN]))
    assert response.status_code == 404


def test_pending_messages_to_the_person_are_withdrawn(person, territory, travel):
    pending = make_message(
        territory=territory,
        target=person["appointment"],
        recipient=PHONE,
        beneficiary=person["beneficiary"],
        status=MessageStatus.PENDING,
    )
    travel(paris(2028, 1, 5, 3))
    purge_due(paris(2028, 1, 5, 3))
    pending.refresh_from_db()
    assert pending.status == MessageStatus.WITHDRAWN and pending.recipient == ""


def test_running_the_purge_twice_is_harmless(person, travel):
    moment = paris(2028, 1, 5, 3)
    travel(moment)
    first = purge_due(moment)
    snapshot = _personal_rows()
    second = purge_due(moment)
    assert first.total > 0
    assert second.total == 0
    assert _personal_rows() == snapshot
    assert PurgeRun.objects.count() == 1  # one mark per territory and day


def _personal_rows():
    return (
        list(Beneficiary.objects.order_by("pk").values()),
        list(Appointment.objects.order_by("pk").values()),
        list(Registration.objects.order_by("pk").values()),
        list(Message.objects.order_by("pk").values("recipient", "body", "status")),
        list(ActivityRecord.objects.order_by("pk").values("notes")),
    )


def test_cancellation_reasons_are_cut_from_the_audit_log(person, territory, travel):
    travel(paris(2027, 6, 1, 10))  # a line younger than the journal's 12 months
    AuditLog.objects.create(
        territory=territory,
        action="appointment.cancelled",
        description="Rendez-vous X annulé par le service. Motif : hospitalisée",
        content_type=ContentType.objects.get_for_model(Appointment),
        object_id=str(person["appointment"].pk),
    )
    travel(paris(2027, 12, 5, 3))
    purge_due(paris(2027, 12, 5, 3))
    entry = AuditLog.objects.get(action="appointment.cancelled")
    assert "hospitalisée" not in entry.description
    assert entry.description.startswith("Rendez-vous X annulé par le service.")


def test_person_audit_lines_go_after_the_policy_s_months_others_stay(person, territory, travel):
    travel(paris(2026, 11, 27, 10))
    f.ClosureFactory(territory=territory)  # an unrelated object
    from cadran.core import audit

    audit.record(
        actor=None,
        obj=person["beneficiary"],
        action="person.viewed",
        description="Fiche vue.",
        territory_id=territory.pk,
    )
    closure = f.ClosureFactory(territory=territory)
    audit.record(
        actor=None,
        obj=closure,
        action="closure.created",
        description="x",
        territory_id=territory.pk,
    )
    travel(paris(2027, 11, 28, 3))
    purge_due(paris(2027, 11, 28, 3))
    assert not AuditLog.objects.filter(action="person.viewed").exists()
    assert AuditLog.objects.filter(action="closure.created").exists()


def test_a_shorter_policy_purges_sooner(person, territory, travel):
    RetentionPolicy.objects.create(territory=territory, beneficiary_months=6)
    travel(paris(2027, 6, 3, 3))
    purge_due(paris(2027, 6, 3, 3))
    person["beneficiary"].refresh_from_db()
    assert person["beneficiary"].last_name == "Anonyme"


def test_due_counts_announce_the_next_purge(person, territory, travel):
    travel(paris(2027, 12, 1, 10))
    policy = RetentionPolicy.objects.for_territory(territory)
    now = due_counts(policy, paris(2027, 12, 1, 10))
    soon = due_counts(policy, paris(2027, 12, 31, 10))
    assert (now.beneficiaries, now.registrations) == (0, 1)
    assert (soon.beneficiaries, soon.registrations) == (1, 1)


# --- The figures survive -----------------------------------------------------------------------

AUTUMN = Period(dt.date(2026, 10, 1), dt.date(2026, 11, 30))
NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def _figures(territory, estaires):
    reports = [attendance_report(commune=estaires, period=p) for p in (NOVEMBER, AUTUMN)]
    board = territory_dashboard(territory=territory, period=AUTUMN)
    as_json = (
        [exports.report_json(r, masked=False) for r in reports],
        [exports.report_json(r, masked=True) for r in reports],
        exports.dashboard_json(board),
    )
    return reports, board, as_json


def test_reports_give_the_same_figures_before_and_after_a_purge(
    frozen_now, history, territory, estaires, travel
):
    # frozen_now first: the history is created in November 2026, whatever today is.
    # Notes and messages on the history, so the purge has everything to do.
    ActivityRecord.objects.update(notes="Notes sur la personne")
    for appointment in Appointment.objects.select_related("beneficiary"):
        make_message(
            territory=territory,
            target=appointment,
            recipient=appointment.beneficiary.phone,
            beneficiary=appointment.beneficiary,
        )
    moment = paris(2028, 1, 5, 3, 30)
    travel(moment)
    before = _figures(territory, estaires)
    report = purge_due(moment)
    counts = report.counts[territory.pk]
    assert counts["beneficiaries"] == Beneficiary.objects.count() > 0
    assert counts["registrations"] == Registration.objects.count() > 0
    assert not Beneficiary.objects.exclude(last_name="Anonyme").exists()
    assert not Attendance.objects.exclude(registration__last_name="Anonyme").exists()
    after = _figures(territory, estaires)
    assert after[0] == before[0]  # the commune reports (dataclasses)
    assert after[1] == before[1]  # the territory dashboard
    assert after[2] == before[2]  # and their JSON
    assert before[0][0].appointments.seen > 0 and before[0][0].people_helped > 0
    assert dataclasses.asdict(before[1].total) == dataclasses.asdict(after[1].total)
    # And once more: nothing changes.
    assert purge_due(moment).total == 0
    assert _figures(territory, estaires) == after


# --- The sweep -----------------------------------------------------------------------------------


def test_the_sweeper_asks_nothing_outside_the_purge_hour(person, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert purge_personal_data(paris(2028, 1, 5, 10, 30)) == 0


def test_the_sweep_purges_once_a_night(person, travel, settings):
    assert "cadran.privacy.sweepers.purge_personal_data" in settings.CADRAN_SWEEPERS
    night = paris(2028, 1, 5, 3, 0)
    travel(night)
    first = run_sweep(now=night)
    assert first.counts["cadran.privacy.sweepers.purge_personal_data"] > 0
    assert not first.errors
    person["beneficiary"].refresh_from_db()
    assert person["beneficiary"].last_name == "Anonyme"
    later = night + dt.timedelta(minutes=1)
    travel(later)
    assert run_sweep(now=later).counts["cadran.privacy.sweepers.purge_personal_data"] == 0
    assert PurgeRun.objects.get().day == dt.date(2028, 1, 5)
    entry = AuditLog.objects.get(action="privacy.purged")
    assert "personne(s) anonymisée(s)" in entry.description
    assert LAST not in entry.description and NOTES not in entry.description
