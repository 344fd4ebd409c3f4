"""The venue change (convention, art. 3): declared by the commune, confirmed or refused by
the Service Culture; on confirmation everything after the date moves, once, and people are
told. Against the database, every rule and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment, Permanence
from cadran.scheduling.services import BeneficiaryData, book_appointment
from cadran.scheduling.slots import make_slot_id
from cadran.territory.models import Venue, VenueChange, VenueChangeStatus
from cadran.territory.selectors import impact
from cadran.territory.services import (
    VenueData,
    confirm_venue_change,
    declare_venue_change,
    refuse_venue_change,
)
from cadran.workshops.enums import RegistrationStatus
from cadran.workshops.models import Session
from tests import factories as f
from tests.workshops.factories import (
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date(2026, 12, 9)  # a Wednesday, twelve days after the tests' "now"


def at(day: int, hour: int, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=PARIS)


def declare(commune, old, new, by, day=D):
    return declare_venue_change(
        commune=commune, old_venue=old, new_venue=new, effective_date=day, by=by
    )


@pytest.fixture
def booked(permanence, territory):
    """Appointments at the mairie: one before the date, two after, one cancelled after."""
    person = f.BeneficiaryFactory(
        territory=territory, first_name="Josiane", email="josiane@example.org"
    )
    return {
        "before": f.AppointmentFactory(permanence=permanence, start=at(2, 9)),
        "on_day": f.AppointmentFactory(permanence=permanence, start=at(9, 9), beneficiary=person),
        "after": f.AppointmentFactory(permanence=permanence, start=at(16, 10)),
        "cancelled": f.AppointmentFactory(permanence=permanence, start=at(16, 9), cancelled=True),
    }


@pytest.fixture
def sessions(territory, mairie, adviser):
    workshop = WorkshopFactory(territory=territory, title="Arnaques en ligne")
    return {
        "before": SessionFactory(workshop=workshop, venue=mairie, start=at(5, 10)),
        "after": SessionFactory(
            workshop=workshop, venue=mairie, start=at(12, 10), advisers=[adviser]
        ),
        "cancelled": SessionFactory(
            workshop=workshop, venue=mairie, start=at(19, 10), cancelled=True
        ),
    }


# --- Declaring -------------------------------------------------------------------------------


def test_referent_declares_a_change(frozen_now, estaires, referent, mairie, salle):
    change = declare(estaires, mairie, salle, referent)
    assert change.status == VenueChangeStatus.PENDING
    assert (change.old_venue, change.new_venue, change.effective_date) == (mairie, salle, D)
    assert change.declared_by == referent
    entry = AuditLog.objects.for_object(change).get()
    assert entry.action == "venue_change.declared"
    assert entry.actor == referent
    assert "Salle Jean Moulin" in entry.description


def test_declaring_a_new_venue_creates_it_with_its_conditions(
    frozen_now, estaires, referent, mairie
):
    change = declare_venue_change(
        commune=estaires,
        old_venue=mairie,
        venue_data=VenueData(
            name="Salle des fêtes",
            address="2 rue Pasteur",
            room="Grande salle",
            wifi=True,
            heated=True,
            insured=True,
            has_tables_chairs=True,
        ),
        effective_date=D,
        by=referent,
    )
    venue = change.new_venue
    assert venue.commune == estaires
    assert (venue.name, venue.address, venue.room) == (
        "Salle des fêtes",
        "2 rue Pasteur",
        "Grande salle",
    )
    assert venue.wifi and venue.heated and venue.insured and venue.has_tables_chairs
    assert not venue.confidential and not venue.has_projector


def test_a_new_venue_needs_a_name_and_an_address(frozen_now, estaires, referent, mairie):
    with pytest.raises(ValidationError) as exc:
        declare_venue_change(
            commune=estaires,
            old_venue=mairie,
            venue_data=VenueData(name=" ", address=""),
            effective_date=D,
            by=referent,
        )
    assert set(exc.value.message_dict) == {"name", "address"}
    assert not VenueChange.objects.exists()


@pytest.mark.parametrize("day", [dt.date(2026, 11, 27), dt.date(2026, 11, 20)])
def test_the_date_must_be_in_advance(frozen_now, estaires, referent, mairie, salle, day):
    with pytest.raises(ValidationError) as exc:
        declare(estaires, mairie, salle, referent, day=day)
    assert "à partir de demain" in exc.value.message_dict["effective_date"][0]
    assert not VenueChange.objects.exists()


def test_tomorrow_is_in_advance(frozen_now, estaires, referent, mairie, salle):
    assert declare(estaires, mairie, salle, referent, day=dt.date(2026, 11, 28)).pk


def test_a_referent_of_another_commune_is_refused(
    frozen_now, territory, estaires, merville, mairie, salle
):
    other = f.UserFactory(referent=True, territory=territory, communes=[merville])
    with pytest.raises(ValidationError, match="cette commune"):
        declare(estaires, mairie, salle, other)
    assert not VenueChange.objects.exists()


@pytest.mark.parametrize("role", ["adviser", "librarian"])
def test_advisers_and_librarians_do_not_declare(
    frozen_now, territory, estaires, mairie, salle, role
):
    user = f.UserFactory(territory=territory, communes=[estaires], **{role: True})
    with pytest.raises(ValidationError):
        declare(estaires, mairie, salle, user)


def test_the_service_culture_may_declare_for_the_commune(
    frozen_now, estaires, culture_user, mairie, salle
):
    assert declare(estaires, mairie, salle, culture_user).declared_by == culture_user


def test_the_venues_must_be_the_communes_and_differ(
    frozen_now, estaires, merville, referent, mairie, salle
):
    elsewhere = f.VenueFactory(commune=merville)
    with pytest.raises(ValidationError) as exc:
        declare(estaires, mairie, elsewhere, referent)
    assert "new_venue" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        declare(estaires, elsewhere, salle, referent)
    assert "old_venue" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        declare(estaires, mairie, mairie, referent)
    assert "différent" in exc.value.message_dict["new_venue"][0]


def test_one_pending_change_per_venue(frozen_now, estaires, referent, mairie, salle, cold_room):
    declare(estaires, mairie, salle, referent)
    with pytest.raises(ValidationError, match="déjà en attente"):
        declare(estaires, mairie, cold_room, referent, day=D + dt.timedelta(days=7))
    assert VenueChange.objects.count() == 1


# --- Confirming ------------------------------------------------------------------------------


def test_confirmation_splits_the_permanence_at_the_date(
    frozen_now, estaires, referent, culture_user, permanence, mairie, salle, booked
):
    change = declare(estaires, mairie, salle, referent)
    result = confirm_venue_change(change=change, by=culture_user)

    permanence.refresh_from_db()
    assert permanence.venue == mairie
    assert permanence.valid_until == dt.date(2026, 12, 8)
    successor = Permanence.objects.exclude(pk=permanence.pk).get()
    assert successor.venue == salle
    assert successor.valid_from == D and successor.valid_until is None
    for name in (
        "commune_id",
        "adviser_id",
        "weekday",
        "start_time",
        "end_time",
        "adviser_arrival_time",
        "slot_minutes",
        "online_booking",
        "min_notice_minutes",
        "booking_window_days",
    ):
        assert getattr(successor, name) == getattr(permanence, name), name
    assert result.permanences == [successor]

    for key in ("before", "on_day", "after", "cancelled"):
        booked[key].refresh_from_db()
    assert booked["before"].permanence == permanence
    assert booked["before"].permanence.venue == mairie
    for key in ("on_day", "after", "cancelled"):
        assert booked[key].permanence == successor, key
        assert booked[key].permanence.venue == salle
    assert {a.pk for a in result.appointments} == {booked["on_day"].pk, booked["after"].pk}

    change.refresh_from_db()
    assert change.status == VenueChangeStatus.CONFIRMED
    assert change.decided_by == culture_user and change.decided_at is not None
    assert (change.appointments_moved, change.sessions_moved) == (2, 0)


def test_a_permanence_ending_before_the_date_is_left_alone(
    frozen_now, estaires, adviser, referent, culture_user, mairie, salle
):
    ended = f.PermanenceFactory(
        commune=estaires, adviser=adviser, venue=mairie, weekday=3, valid_until=dt.date(2026, 12, 8)
    )
    change = declare(estaires, mairie, salle, referent)
    confirm_venue_change(change=change, by=culture_user)
    ended.refresh_from_db()
    assert ended.venue == mairie and ended.valid_until == dt.date(2026, 12, 8)


def test_a_permanence_starting_after_the_date_just_changes_venue(
    frozen_now, estaires, adviser, referent, culture_user, mairie, salle
):
    later = f.PermanenceFactory(
        commune=estaires, adviser=adviser, venue=mairie, weekday=4, valid_from=dt.date(2027, 1, 4)
    )
    change = declare(estaires, mairie, salle, referent)
    confirm_venue_change(change=change, by=culture_user)
    later.refresh_from_db()
    assert later.venue == salle and later.valid_from == dt.date(2027, 1, 4)
    assert Permanence.objects.filter(weekday=4).count() == 1


def test_sessions_after_the_date_move_the_others_stay(
    frozen_now, estaires, referent, culture_user, mairie, salle, sessions
):
    change = declare(estaires, mairie, salle, referent)
    result = confirm_venue_change(change=change, by=culture_user)
    for s in sessions.values():
        s.refresh_from_db()
    assert sessions["before"].venue == mairie
    assert sessions["after"].venue == salle
    assert sessions["cancelled"].venue == mairie  # a cancelled session keeps its history
    assert [s.pk for s in result.sessions] == [sessions["after"].pk]
    assert VenueChange.objects.get().sessions_moved == 1


def test_the_private_page_shows_the_new_venue(
    client, frozen_now, estaires, referent, culture_user, permanence, mairie, salle
):
    before = book_appointment(
        slot_id=make_slot_id(permanence.pk, at(2, 9)),
        topics=["sante"],
        channel="online",
        person=BeneficiaryData(first_name="Jean", last_name="Avant", phone="0611111111"),
    )
    after = book_appointment(
        slot_id=make_slot_id(permanence.pk, at(9, 10)),
        topics=["sante"],
        channel="online",
        person=BeneficiaryData(first_name="Jeanne", last_name="Après", phone="0622222222"),
    )
    confirm_venue_change(change=declare(estaires, mairie, salle, referent), by=culture_user)

    page = client.get(reverse("public:appointment", kwargs={"token": after.token}))
    assert page.status_code == 200
    assert "Salle Jean Moulin" in page.text and "12 rue de la Gare" in page.text
    assert mairie.name not in page.text
    page = client.get(reverse("public:appointment", kwargs={"token": before.token}))
    assert mairie.name in page.text and "Salle Jean Moulin" not in page.text


def test_people_are_told_once(
    frozen_now, estaires, referent, culture_user, adviser, mairie, salle, booked, sessions
):
    registration = RegistrationFactory(session=sessions["after"], email="paul@example.org")
    RegistrationFactory(session=sessions["after"], status=RegistrationStatus.CANCELLED)
    RegistrationFactory(session=sessions["before"], email="early@example.org")
    change = declare(estaires, mairie, salle, referent)
    confirm_venue_change(change=change, by=culture_user)

    moved = Message.objects.filter(event="appointment_venue_changed")
    # Josiane (e-mail and SMS) on the 9th, another person (SMS) on the 16th; nobody else.
    assert sorted(moved.values_list("object_id", "channel")) == sorted(
        [
            (booked["on_day"].pk, "email"),
            (booked["on_day"].pk, "sms"),
            (booked["after"].pk, "sms"),
        ]
    )
    email = moved.get(channel="email")
    assert "Salle Jean Moulin" in email.body and "12 rue de la Gare" in email.body
    assert "mercredi 9 décembre 2026 à 9h" in email.body
    assert "Mairie" in email.body  # the old place, « n'y allez pas »
    assert "SEQUENCE:1" in email.ics and "Salle Jean Moulin" in email.ics
    assert "Salle Jean Moulin" in moved.get(object_id=booked["after"].pk).body

    workshop = Message.objects.filter(event="workshop_venue_changed")
    assert list(workshop.values_list("object_id", "recipient")) == [
        (registration.pk, "paul@example.org")
    ]
    assert "Salle Jean Moulin" in workshop.get().body

    staff = Message.objects.filter(event="venue_change_staff")
    assert list(staff.values_list("recipient", flat=True)) == [adviser.email]
    assert "mercredi" in staff.get().body and "Arnaques en ligne" in staff.get().body
    decided = Message.objects.get(event="venue_change_decided")
    assert decided.recipient == referent.email and "confirmé" in decided.subject

    # A second confirmation is refused and queues nothing more.
    count = Message.objects.count()
    with pytest.raises(ValidationError, match="déjà été confirmé"):
        confirm_venue_change(change=change, by=culture_user)
    assert Message.objects.count() == count


def test_a_cycle_registrant_gets_one_message_for_the_moved_sessions(
    frozen_now, territory, estaires, referent, culture_user, mairie, salle
):
    workshop = WorkshopFactory(territory=territory, cycle=True, title="Bien débuter")
    first = SessionFactory(workshop=workshop, venue=mairie, start=at(2, 14))
    first.cycle_group = first
    first.save()
    second = SessionFactory(workshop=workshop, venue=mairie, start=at(9, 14), cycle_group=first)
    third = SessionFactory(workshop=workshop, venue=mairie, start=at(16, 14), cycle_group=first)
    registration = RegistrationFactory(session=first, email="cycle@example.org")
    waiting = RegistrationFactory(
        session=first, email="attente@example.org", status=RegistrationStatus.WAITING
    )

    confirm_venue_change(change=declare(estaires, mairie, salle, referent), by=culture_user)

    first.refresh_from_db()
    assert first.venue == mairie
    assert set(Session.objects.filter(venue=salle)) == {second, third}
    messages = Message.objects.filter(event="workshop_venue_changed").order_by("recipient")
    assert [m.object_id for m in messages] == [waiting.pk, registration.pk]
    body = messages.get(object_id=registration.pk).body
    assert "mercredi 9 décembre 2026" in body and "mercredi 16 décembre 2026" in body
    assert "mercredi 2 décembre" not in body


def test_confirmation_is_audited(
    frozen_now, estaires, referent, culture_user, mairie, salle, booked, sessions
):
    change = declare(estaires, mairie, salle, referent)
    confirm_venue_change(change=change, by=culture_user)
    actions = list(
        AuditLog.objects.filter(actor=culture_user).order_by("pk").values_list("action", flat=True)
    )
    assert actions.count("venue_change.confirmed") == 1
    assert actions.count("appointment.venue_changed") == 2
    assert actions.count("session.venue_changed") == 1
    assert actions.count("permanence.venue_changed") == 1
    entry = AuditLog.objects.for_object(change).get(action="venue_change.confirmed")
    assert "2 rendez-vous et 1 séance(s)" in entry.description
    assert (
        AuditLog.objects.for_object(booked["on_day"])
        .filter(action="appointment.venue_changed")
        .exists()
    )


def test_only_the_territory_decides(
    frozen_now, territory, estaires, referent, adviser, mairie, salle
):
    change = declare(estaires, mairie, salle, referent)
    other_territory = f.UserFactory(culture_service=True, territory=f.TerritoryFactory())
    for user in (referent, adviser, other_territory):
        with pytest.raises(ValidationError):
            confirm_venue_change(change=change, by=user)
        with pytest.raises(ValidationError):
            refuse_venue_change(change=change, reason="Non", by=user)
    change.refresh_from_db()
    assert change.status == VenueChangeStatus.PENDING


def test_the_coordinator_may_confirm(frozen_now, estaires, referent, coordinator, mairie, salle):
    result = confirm_venue_change(change=declare(estaires, mairie, salle, referent), by=coordinator)
    assert result.change.status == VenueChangeStatus.CONFIRMED


def test_a_change_whose_date_came_cannot_be_confirmed(
    frozen_now, estaires, referent, culture_user, permanence, mairie, salle, booked
):
    change = declare(estaires, mairie, salle, referent)
    with (
        time_machine.travel(dt.datetime(2026, 12, 9, 8, 0, tzinfo=PARIS)),
        pytest.raises(ValidationError, match="passée"),
    ):
        confirm_venue_change(change=change, by=culture_user)
    assert Permanence.objects.count() == 1
    booked["on_day"].refresh_from_db()
    assert booked["on_day"].permanence.venue == mairie


# --- Conditions ------------------------------------------------------------------------------


def test_a_venue_lacking_conditions_is_flagged(
    frozen_now, territory, estaires, referent, mairie, cold_room, booked
):
    projection = WorkshopFormatFactory(territory=territory, needs_projector=True, name="Projection")
    SessionFactory(
        workshop=WorkshopFactory(territory=territory, format=projection, title="Photos"),
        venue=mairie,
        start=at(12, 14),
    )
    change = declare(estaires, mairie, cold_room, referent)
    shortfalls = {s.missing: s.needed_for for s in impact(change).shortfalls}
    assert shortfalls["le lieu n'est pas chauffé"] == [
        "la permanence le mercredi de 9h à 12h",
        "l'atelier « Photos »",
    ]
    assert shortfalls["il n'y a pas de vidéoprojecteur"] == ["l'atelier « Photos »"]
    assert "il n'y a pas de wifi" not in shortfalls


def test_missing_conditions_must_be_accepted_explicitly(
    frozen_now, estaires, referent, culture_user, mairie, cold_room, booked
):
    change = declare(estaires, mairie, cold_room, referent)
    with pytest.raises(ValidationError) as exc:
        confirm_venue_change(change=change, by=culture_user)
    assert "accept_missing_conditions" in exc.value.message_dict
    change.refresh_from_db()
    assert change.status == VenueChangeStatus.PENDING
    assert not Message.objects.filter(event="appointment_venue_changed").exists()
    booked["after"].refresh_from_db()
    assert booked["after"].permanence.venue == mairie

    confirm_venue_change(change=change, by=culture_user, accept_missing_conditions=True)
    change.refresh_from_db()
    assert change.status == VenueChangeStatus.CONFIRMED
    assert "pas chauffé" in change.missing_conditions
    assert (
        "Conditions manquantes acceptées"
        in AuditLog.objects.for_object(change).get(action="venue_change.confirmed").description
    )


def test_a_venue_with_everything_needs_no_acceptance(
    frozen_now, estaires, referent, culture_user, mairie, salle, booked, sessions
):
    change = declare(estaires, mairie, salle, referent)
    assert impact(change).shortfalls == []
    confirm_venue_change(change=change, by=culture_user)
    change.refresh_from_db()
    assert change.missing_conditions == ""


# --- Refusing --------------------------------------------------------------------------------


def test_refusal_needs_a_reason_and_moves_nothing(
    frozen_now, estaires, referent, culture_user, permanence, mairie, salle, booked, sessions
):
    change = declare(estaires, mairie, salle, referent)
    with pytest.raises(ValidationError) as exc:
        refuse_venue_change(change=change, reason="  ", by=culture_user)
    assert "reason" in exc.value.message_dict

    refused = refuse_venue_change(
        change=change, reason="La salle n'est pas libre le mercredi.", by=culture_user
    )
    assert refused.status == VenueChangeStatus.REFUSED
    assert refused.refusal_reason == "La salle n'est pas libre le mercredi."
    assert Permanence.objects.get() == permanence
    assert not Appointment.objects.filter(permanence__venue=salle).exists()
    assert not Session.objects.filter(venue=salle).exists()
    assert not Message.objects.exclude(event="venue_change_decided").exists()
    decided = Message.objects.get(event="venue_change_decided")
    assert "refusé" in decided.subject and "pas libre le mercredi" in decided.body
    assert AuditLog.objects.for_object(change).filter(action="venue_change.refused").exists()
    with pytest.raises(ValidationError, match="déjà été confirmé ou refusé"):
        confirm_venue_change(change=change, by=culture_user)
    # Refused, the venue is free for another declaration.
    assert declare(estaires, mairie, salle, referent).pk != change.pk


def test_appointment_status_untouched(
    frozen_now, estaires, referent, culture_user, mairie, salle, booked
):
    confirm_venue_change(change=declare(estaires, mairie, salle, referent), by=culture_user)
    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses[booked["cancelled"].pk] == AppointmentStatus.EXCUSED
    assert statuses[booked["after"].pk] == AppointmentStatus.BOOKED
    assert Venue.objects.filter(pk=mairie.pk).exists()
