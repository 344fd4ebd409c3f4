"""Booking services against the database: every rule, every refusal, and atomicity."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cadran.core import audit
from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.core.tokens import hash_token, new_token
from cadran.scheduling import services
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import Appointment, AppointmentTopic, Beneficiary, Closure
from cadran.scheduling.services import (
    BeneficiaryData,
    SlotTaken,
    book_appointment,
    cancel_appointment,
    create_closure,
    get_appointment_by_token,
    mark_attendance,
    move_appointment,
)
from cadran.scheduling.slots import make_slot_id
from tests import factories as f

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NINE = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)  # next Estaires slot after "now"
TEN = NINE + dt.timedelta(hours=1)
TOPIC = "aide_aux_demarches_administratives"


def person(**overrides) -> BeneficiaryData:
    data = {"first_name": "Jeanne", "last_name": "Lefebvre", "phone": "06 12 34 56 78"}
    data.update(overrides)
    return BeneficiaryData(**data)


def counts() -> tuple[int, int, int, int]:
    return (
        Appointment.objects.count(),
        Beneficiary.objects.count(),
        AppointmentTopic.objects.count(),
        AuditLog.objects.count(),
    )


def error_messages(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict


@pytest.fixture
def slot(permanence):
    return make_slot_id(permanence.pk, NINE)


@pytest.fixture(autouse=True)
def _now(frozen_now):
    return frozen_now


# --- book_appointment ---------------------------------------------------------------------


def test_public_booking_creates_exactly_one_of_each(permanence, slot):
    booking = book_appointment(
        slot_id=slot, topics=[TOPIC, "sante", TOPIC], channel=Channel.ONLINE, person=person()
    )
    appointment = booking.appointment
    assert counts() == (1, 1, 2, 1)
    assert appointment.permanence == permanence
    assert appointment.start == NINE and appointment.end == TEN
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.created_by is None
    assert sorted(appointment.topics.values_list("thematique", flat=True)) == [TOPIC, "sante"]
    beneficiary = appointment.beneficiary
    assert (beneficiary.first_name, beneficiary.last_name) == ("Jeanne", "Lefebvre")
    assert beneficiary.phone == "0612345678"
    assert beneficiary.territory == permanence.commune.territory
    # The private link works, and only its hash is stored.
    assert booking.token and booking.token not in appointment.token_hash
    assert appointment.token_hash == hash_token(booking.token)
    entry = AuditLog.objects.get()
    assert entry.action == "appointment.booked"
    assert entry.actor is None
    assert entry.territory == permanence.commune.territory
    assert entry.object_id == str(appointment.pk)
    assert appointment.reference in entry.description
    assert "02/12/2026 à 09:00" in entry.description


def test_staff_booking_records_who_booked(permanence, slot, adviser):
    booking = book_appointment(
        slot_id=slot, topics=[TOPIC], channel=Channel.PHONE, person=person(), by=adviser
    )
    assert booking.appointment.created_by == adviser
    assert AuditLog.objects.get().actor == adviser


def test_booking_for_a_known_person_creates_no_new_beneficiary(permanence, slot):
    known = f.BeneficiaryFactory(territory=permanence.commune.territory)
    booking = book_appointment(
        slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, beneficiary=known
    )
    assert booking.appointment.beneficiary == known
    assert Beneficiary.objects.count() == 1


def test_a_person_of_another_territory_is_refused(permanence, slot):
    stranger = f.BeneficiaryFactory(territory=f.TerritoryFactory())
    with pytest.raises(ValidationError, match="pas suivie sur ce territoire"):
        book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, beneficiary=stranger)
    assert Appointment.objects.count() == 0


def test_someone_must_be_named(permanence, slot):
    with pytest.raises(ValidationError, match="pour qui"):
        book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE)


@pytest.mark.parametrize(
    ("topics", "message"),
    [
        ([], "Choisissez au moins un motif."),
        (["sante", "pirater_la_nasa"], "Motif inconnu : pirater_la_nasa."),
    ],
)
def test_topics_are_validated(permanence, slot, topics, message):
    with pytest.raises(ValidationError) as exc:
        book_appointment(slot_id=slot, topics=topics, channel=Channel.ONLINE, person=person())
    assert error_messages(exc.value) == {"topics": [message]}
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("channel", ["", "fax", "ONLINE"])
def test_channel_is_validated(permanence, slot, channel):
    with pytest.raises(ValidationError) as exc:
        book_appointment(slot_id=slot, topics=[TOPIC], channel=channel, person=person())
    assert error_messages(exc.value) == {"channel": ["Canal de prise de rendez-vous inconnu."]}
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("data", "by_staff", "errors"),
    [
        (
            {"first_name": "  ", "last_name": ""},
            False,
            {"first_name": ["Indiquez le prénom."], "last_name": ["Indiquez le nom."]},
        ),
        (
            {"phone": "", "email": ""},
            False,
            {
                "phone": [
                    "Indiquez un numéro de téléphone ou une adresse e-mail, pour vous prévenir "
                    "en cas de changement."
                ]
            },
        ),
        # "Without phone" is for staff only: the public must leave a way to reach them.
        (
            {"phone": "", "email": "", "no_phone": True},
            False,
            {
                "phone": [
                    "Indiquez un numéro de téléphone ou une adresse e-mail, pour vous prévenir "
                    "en cas de changement."
                ]
            },
        ),
        (
            {"phone": "06 12 34"},
            False,
            {"phone": ["Ce numéro de téléphone ne semble pas complet : il faut 10 chiffres."]},
        ),
        (
            {"phone": "06 12 34 56 78 90 12 34"},
            True,
            {"phone": ["Ce numéro de téléphone ne semble pas complet : il faut 10 chiffres."]},
        ),
        (
            {"phone": "", "email": "jeanne@"},
            False,
            {
                "email": [
                    "Cette adresse e-mail ne semble pas correcte, par exemple : nom@exemple.fr."
                ]
            },
        ),
        (
            {"first_name": "J" * 101},
            True,
            {"first_name": ["Le prénom est trop long : 100 lettres au plus."]},
        ),
    ],
)
def test_person_validation_messages_in_french(permanence, slot, adviser, data, by_staff, errors):
    with pytest.raises(ValidationError) as exc:
        book_appointment(
            slot_id=slot,
            topics=[TOPIC],
            channel=Channel.PHONE,
            person=person(**data),
            by=adviser if by_staff else None,
        )
    assert error_messages(exc.value) == errors
    assert counts() == (0, 0, 0, 0)


def test_staff_may_book_for_someone_without_phone(permanence, slot, adviser):
    booking = book_appointment(
        slot_id=slot,
        topics=[TOPIC],
        channel=Channel.WALK_IN,
        person=person(phone="", email="", no_phone=True),
        by=adviser,
    )
    beneficiary = booking.appointment.beneficiary
    assert beneficiary.no_phone is True
    assert beneficiary.contact_label == "Sans téléphone ni e-mail"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("+33 6 12 34 56 78", "0612345678"), ("06.12.34.56.78", "0612345678")],
)
def test_phone_is_normalised_and_no_phone_dropped_when_a_contact_exists(
    permanence, slot, adviser, raw, stored
):
    booking = book_appointment(
        slot_id=slot,
        topics=[TOPIC],
        channel=Channel.PHONE,
        person=person(phone=raw, email=" Jeanne@Example.ORG ", no_phone=True),
        by=adviser,
    )
    beneficiary = booking.appointment.beneficiary
    assert (beneficiary.phone, beneficiary.email, beneficiary.no_phone) == (
        stored,
        "jeanne@example.org",
        False,
    )


def test_public_is_bound_by_notice_and_window_staff_is_not(permanence, adviser):
    # Now is Friday 27 Nov 10h. A slot in five months: too far for the public.
    far = make_slot_id(permanence.pk, dt.datetime(2027, 4, 28, 9, 0, tzinfo=PARIS))
    with pytest.raises(ValidationError) as exc:
        book_appointment(slot_id=far, topics=[TOPIC], channel=Channel.ONLINE, person=person())
    assert error_messages(exc.value) == {"slot": [services.SLOT_UNAVAILABLE]}
    booking = book_appointment(
        slot_id=far, topics=[TOPIC], channel=Channel.PHONE, person=person(), by=adviser
    )
    assert booking.appointment.start == dt.datetime(2027, 4, 28, 7, 0, tzinfo=UTC)


def test_within_the_notice_only_staff_may_book(permanence, adviser):
    slot = make_slot_id(permanence.pk, NINE)
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=PARIS), tick=False):
        with pytest.raises(ValidationError) as exc:
            book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person())
        assert error_messages(exc.value) == {"slot": [services.SLOT_UNAVAILABLE]}
        book_appointment(
            slot_id=slot, topics=[TOPIC], channel=Channel.PHONE, person=person(), by=adviser
        )
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 30, tzinfo=PARIS), tick=False):
        # Nobody books a slot that has begun.
        started = make_slot_id(permanence.pk, TEN)
        with pytest.raises(ValidationError):
            book_appointment(
                slot_id=started, topics=[TOPIC], channel=Channel.PHONE, person=person(), by=adviser
            )
    assert Appointment.objects.count() == 1


def test_closed_online_booking_refuses_the_public_only(permanence, slot, adviser):
    permanence.online_booking = False
    permanence.save()
    with pytest.raises(ValidationError) as exc:
        book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person())
    assert error_messages(exc.value) == {"slot": ["Ce créneau n'existe pas."]}
    book_appointment(
        slot_id=slot, topics=[TOPIC], channel=Channel.PHONE, person=person(), by=adviser
    )


@pytest.mark.parametrize(
    "slot_id",
    [
        "n'importe quoi",
        "999999-202612020900",  # no such permanence
        "{pk}-202612020930",  # not a slot start
        "{pk}-202612030900",  # a Thursday
        "{pk}-202611110900",  # Armistice
        "{pk}-202603290230",  # does not exist in Paris
    ],
)
def test_slot_ids_that_are_not_free_slots_are_refused(permanence, slot_id):
    with pytest.raises(ValidationError) as exc:
        book_appointment(
            slot_id=slot_id.format(pk=permanence.pk),
            topics=[TOPIC],
            channel=Channel.ONLINE,
            person=person(),
        )
    assert not isinstance(exc.value, SlotTaken)
    assert list(error_messages(exc.value)) == ["slot"]
    assert counts() == (0, 0, 0, 0)


def test_booking_a_taken_slot_raises_slot_taken(permanence, slot):
    book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person())
    with pytest.raises(SlotTaken) as exc:
        book_appointment(
            slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person(first_name="Marcel")
        )
    assert error_messages(exc.value) == {"slot": [services.SLOT_TAKEN]}
    assert counts() == (1, 1, 1, 1)


def test_a_closed_slot_is_not_offered(permanence, slot, culture_user):
    create_closure(
        territory=permanence.commune.territory,
        start=NINE,
        end=TEN,
        reason="Formation",
        by=culture_user,
    )
    with pytest.raises(ValidationError) as exc:
        book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person())
    assert not isinstance(exc.value, SlotTaken)


def test_a_cancelled_appointment_frees_its_slot_for_a_new_booking(permanence, slot):
    first = book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person())
    cancel_appointment(appointment=first.appointment)
    second = book_appointment(
        slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person(first_name="Marcel")
    )
    assert second.appointment.start == first.appointment.start
    assert Appointment.objects.active().count() == 1


def test_a_failure_half_way_leaves_nothing_behind(permanence, slot, monkeypatch):
    def broken_record(**kwargs):
        raise RuntimeError("journal indisponible")

    monkeypatch.setattr(audit, "record", broken_record)
    with pytest.raises(RuntimeError, match="journal indisponible"):
        book_appointment(
            slot_id=slot, topics=[TOPIC, "sante"], channel=Channel.ONLINE, person=person()
        )
    assert counts() == (0, 0, 0, 0)
    monkeypatch.undo()
    # The slot is still free.
    book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person())
    assert counts() == (1, 1, 1, 1)


def test_a_failure_inside_a_caller_transaction_rolls_back_with_it(permanence, slot):
    with pytest.raises(RuntimeError), transaction.atomic():
        book_appointment(slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person())
        raise RuntimeError("plus loin, autre chose échoue")
    assert counts() == (0, 0, 0, 0)


# --- The database constraint, bypassing the service ---------------------------------------


def raw_appointment(permanence, start, *, status=AppointmentStatus.BOOKED) -> Appointment:
    return Appointment.objects.create(
        permanence=permanence,
        start=start,
        end=start + dt.timedelta(hours=1),
        beneficiary=f.BeneficiaryFactory(territory=permanence.commune.territory),
        channel=Channel.PHONE,
        status=status,
        reference=new_token()[:12],
        token_hash=hash_token(new_token()),
    )


@pytest.mark.parametrize("second_status", [AppointmentStatus.BOOKED, AppointmentStatus.SEEN])
def test_the_database_refuses_two_active_appointments_on_one_slot(permanence, second_status):
    raw_appointment(permanence, NINE)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_appointment(permanence, NINE, status=second_status)
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("cancelled", [AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED])
def test_a_cancelled_appointment_does_not_block_the_slot_in_the_database(permanence, cancelled):
    raw_appointment(permanence, NINE, status=cancelled)
    raw_appointment(permanence, NINE, status=cancelled)
    raw_appointment(permanence, NINE)
    assert Appointment.objects.filter(start=NINE).count() == 3


def test_the_same_time_in_another_permanence_is_allowed(permanence, merville):
    raw_appointment(permanence, NINE)
    raw_appointment(f.PermanenceFactory(commune=merville), NINE)
    assert Appointment.objects.count() == 2


# --- cancel_appointment -------------------------------------------------------------------


@pytest.fixture
def booked(permanence, slot):
    return book_appointment(
        slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person()
    ).appointment


def test_cancel_by_the_person_is_excused(booked):
    cancelled = cancel_appointment(appointment=booked, reason="malade")
    assert cancelled.status == AppointmentStatus.EXCUSED
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.EXCUSED
    entry = AuditLog.objects.filter(action="appointment.cancelled").get()
    assert entry.actor is None
    assert "annulé par la personne" in entry.description
    assert "Motif : malade" in entry.description


def test_cancel_by_staff_is_revoked(booked, adviser):
    cancelled = cancel_appointment(appointment=booked, by=adviser)
    assert cancelled.status == AppointmentStatus.REVOKED
    entry = AuditLog.objects.filter(action="appointment.cancelled").get()
    assert entry.actor == adviser
    assert "annulé par le service" in entry.description


def test_double_cancel_is_refused(booked, adviser):
    cancel_appointment(appointment=booked)
    with pytest.raises(ValidationError, match="déjà annulé ou terminé"):
        cancel_appointment(appointment=booked)
    with pytest.raises(ValidationError, match="déjà annulé ou terminé"):
        cancel_appointment(appointment=booked, by=adviser)
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.EXCUSED
    assert AuditLog.objects.filter(action="appointment.cancelled").count() == 1


def test_the_person_cannot_cancel_a_past_appointment(booked, adviser):
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS), tick=False):
        with pytest.raises(ValidationError, match="déjà passé"):
            cancel_appointment(appointment=booked)
        booked.refresh_from_db()
        assert booked.status == AppointmentStatus.BOOKED
        # The service still can (for instance the adviser was ill).
        assert cancel_appointment(appointment=booked, by=adviser).status == (
            AppointmentStatus.REVOKED
        )


# --- move_appointment ---------------------------------------------------------------------


def test_move_to_a_free_slot(booked, permanence, adviser):
    target = make_slot_id(permanence.pk, dt.datetime(2026, 12, 9, 11, 0, tzinfo=PARIS))
    moved = move_appointment(appointment=booked, slot_id=target, by=adviser)
    booked.refresh_from_db()
    assert booked.start == dt.datetime(2026, 12, 9, 10, 0, tzinfo=UTC) == moved.start
    assert booked.end == dt.datetime(2026, 12, 9, 11, 0, tzinfo=UTC)
    entry = AuditLog.objects.get(action="appointment.moved")
    assert entry.actor == adviser
    assert "02/12/2026 09:00" in entry.description and "09/12/2026 11:00" in entry.description
    # The old slot is free again.
    book_appointment(
        slot_id=make_slot_id(permanence.pk, NINE),
        topics=[TOPIC],
        channel=Channel.ONLINE,
        person=person(first_name="Marcel"),
    )


def test_move_to_another_permanence_of_the_territory(booked, merville, culture_user):
    other = f.PermanenceFactory(
        commune=merville, weekday=3, start_time=dt.time(14), end_time=dt.time(17)
    )
    target = make_slot_id(other.pk, dt.datetime(2026, 12, 3, 15, 0, tzinfo=PARIS))
    move_appointment(appointment=booked, slot_id=target, by=culture_user)
    booked.refresh_from_db()
    assert booked.permanence == other


def test_adviser_cannot_move_to_a_permanence_they_do_not_serve(booked, merville, adviser):
    other = f.PermanenceFactory(
        commune=merville, weekday=3, start_time=dt.time(14), end_time=dt.time(17)
    )
    target = make_slot_id(other.pk, dt.datetime(2026, 12, 3, 15, 0, tzinfo=PARIS))
    with pytest.raises(ValidationError, match="Vous ne pouvez pas gérer"):
        move_appointment(appointment=booked, slot_id=target, by=adviser)
    booked.refresh_from_db()
    assert booked.permanence_id != other.pk


@pytest.mark.parametrize("role", ["referent", "librarian"])
def test_referents_and_librarians_cannot_book_as_staff(permanence, role, request):
    user = request.getfixturevalue(role)
    nine = make_slot_id(permanence.pk, NINE)
    with pytest.raises(ValidationError, match="Vous ne pouvez pas gérer"):
        book_appointment(
            slot_id=nine, topics=[TOPIC], channel=Channel.PHONE, person=person(), by=user
        )
    assert not Appointment.objects.exists()


def test_staff_of_another_territory_cannot_cancel(booked):
    outsider = f.UserFactory(culture_service=True)
    with pytest.raises(ValidationError, match="Vous ne pouvez pas gérer"):
        cancel_appointment(appointment=booked, by=outsider)
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


def test_move_to_a_taken_slot_is_refused(booked, permanence, adviser):
    ten = make_slot_id(permanence.pk, TEN)
    book_appointment(slot_id=ten, topics=[TOPIC], channel=Channel.ONLINE, person=person())
    with pytest.raises(SlotTaken):
        move_appointment(appointment=booked, slot_id=ten, by=adviser)
    booked.refresh_from_db()
    assert booked.start == NINE
    assert not AuditLog.objects.filter(action="appointment.moved").exists()


def test_move_to_another_territory_is_refused(booked, adviser):
    elsewhere = f.PermanenceFactory()
    target = make_slot_id(elsewhere.pk, NINE)
    with pytest.raises(ValidationError, match="Ce créneau n'existe pas."):
        move_appointment(appointment=booked, slot_id=target, by=adviser)
    booked.refresh_from_db()
    assert booked.permanence_id != elsewhere.pk


def test_a_cancelled_appointment_cannot_be_moved(booked, permanence, adviser):
    cancel_appointment(appointment=booked)
    with pytest.raises(ValidationError, match="Seul un rendez-vous à venir"):
        move_appointment(appointment=booked, slot_id=make_slot_id(permanence.pk, TEN), by=adviser)


# --- mark_attendance ----------------------------------------------------------------------


def test_attendance_before_the_start_is_refused(booked, adviser):
    with pytest.raises(ValidationError, match="pas encore commencé"):
        mark_attendance(appointment=booked, status=AppointmentStatus.SEEN, by=adviser)
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize("status", [AppointmentStatus.SEEN, AppointmentStatus.NOSHOW])
def test_attendance_once_started(booked, adviser, status):
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS), tick=False):
        marked = mark_attendance(appointment=booked, status=status, by=adviser)
    assert marked.status == status
    booked.refresh_from_db()
    assert booked.status == status
    entry = AuditLog.objects.get(action="appointment.attendance")
    assert entry.actor == adviser
    assert "Réservé →" in entry.description


def test_attendance_of_a_cancelled_appointment_or_unknown_status_is_refused(booked, adviser):
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=PARIS), tick=False):
        with pytest.raises(ValidationError, match="État inconnu"):
            mark_attendance(appointment=booked, status=AppointmentStatus.EXCUSED, by=adviser)
        cancel_appointment(appointment=booked, by=adviser)
        with pytest.raises(ValidationError, match="a été annulé"):
            mark_attendance(appointment=booked, status=AppointmentStatus.SEEN, by=adviser)


# --- create_closure -----------------------------------------------------------------------


def test_create_closure_records_and_counts_booked_appointments(booked, permanence, culture_user):
    closure = create_closure(
        territory=permanence.commune.territory,
        commune=permanence.commune,
        start=dt.datetime(2026, 12, 2, 0, 0, tzinfo=PARIS),
        end=dt.datetime(2026, 12, 3, 0, 0, tzinfo=PARIS),
        reason="  Mairie fermée  ",
        by=culture_user,
    )
    assert closure.reason == "Mairie fermée"
    assert closure.created_by == culture_user
    entry = AuditLog.objects.get(action="closure.created")
    assert entry.actor == culture_user and entry.object_id == str(closure.pk)
    assert "Commune : Estaires" in entry.description
    assert "1 rendez-vous déjà pris" in entry.description


def test_closure_end_must_be_after_start(permanence, culture_user):
    with pytest.raises(ValidationError) as exc:
        create_closure(
            territory=permanence.commune.territory,
            start=TEN,
            end=TEN,
            reason="Formation",
            by=culture_user,
        )
    assert error_messages(exc.value) == {
        "end": ["La fin de la fermeture doit être après son début."]
    }
    assert Closure.objects.count() == 0


def test_closure_needs_a_reason(permanence, culture_user):
    with pytest.raises(ValidationError) as exc:
        create_closure(
            territory=permanence.commune.territory, start=NINE, end=TEN, reason=" ", by=culture_user
        )
    assert error_messages(exc.value) == {"reason": ["Indiquez le motif de la fermeture."]}


@pytest.mark.parametrize("field", ["commune", "venue", "adviser"])
def test_closure_of_something_of_another_territory_is_refused(permanence, culture_user, field):
    foreign = f.PermanenceFactory()  # its own territory, commune, venue and adviser
    with pytest.raises(ValidationError) as exc:
        create_closure(
            territory=permanence.commune.territory,
            start=NINE,
            end=TEN,
            reason="Formation",
            by=culture_user,
            **{field: getattr(foreign, field)},
        )
    assert error_messages(exc.value) == {field: ["Ce choix n'appartient pas à votre territoire."]}
    assert Closure.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_delete_closure_is_audited(permanence, culture_user):
    closure = create_closure(
        territory=permanence.commune.territory, start=NINE, end=TEN, reason="Grève", by=culture_user
    )
    services.delete_closure(closure=closure, by=culture_user)
    assert Closure.objects.count() == 0
    assert AuditLog.objects.filter(action="closure.deleted").count() == 1


# --- get_appointment_by_token -------------------------------------------------------------


def test_get_appointment_by_token(permanence, slot):
    booking = book_appointment(
        slot_id=slot, topics=[TOPIC], channel=Channel.ONLINE, person=person()
    )
    assert get_appointment_by_token(booking.token) == booking.appointment
    assert (
        get_appointment_by_token(booking.token[:-1] + ("A" if booking.token[-1] != "A" else "B"))
        is None
    )
    assert get_appointment_by_token("") is None
    assert get_appointment_by_token(booking.appointment.token_hash) is None  # the hash is no key
    assert get_appointment_by_token("x" * 10_000) is None
