"""Registering: eligibility, places, waiting list, overbooking by staff, cancelling,
promotion from the waiting list exactly once per freed place, in order."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.workshops import services
from cadran.workshops.enums import EligibilityBasis, RegistrationStatus, SessionStatus
from cadran.workshops.selectors import get_registration_by_token, waiting_position
from tests import factories as f

from .factories import RegistrationFactory, SessionFactory, make_person

pytestmark = pytest.mark.usefixtures("frozen_now")


def statuses(session):
    return list(session.registrations.order_by("created_at", "pk").values_list("status", flat=True))


def test_public_registration_is_confirmed_with_a_private_link_and_a_message(session):
    result = services.register(session=session, person=make_person(1))
    registration = result.registration
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.eligibility_basis == EligibilityBasis.RESIDENT
    assert registration.created_by is None
    assert get_registration_by_token(result.token) == registration
    message = Message.objects.get(event="workshop_registered")
    assert message.recipient == "habitant1@example.org"
    assert "Arnaques en ligne" in message.subject
    assert result.token in message.body
    assert "samedi 5 décembre 2026" in message.body
    entry = AuditLog.objects.for_object(registration).get()
    assert entry.action == "registration.created" and entry.actor is None


def test_sms_is_short_with_title_day_hour_and_place(session):
    services.register(
        session=session, person=make_person(1, email="", phone="06 12 34 56 78", notify_sms=True)
    )
    sms = Message.objects.get(event="workshop_registered", channel="sms")
    assert "Arnaques en ligne" in sms.body
    assert "sam. 5/12" in sms.body and "10h" in sms.body and "Médiathèque d'Estaires" in sms.body
    assert len(sms.body) < 320


def test_library_member_from_outside_is_eligible(session):
    result = services.register(
        session=session, person=make_person(1, commune_insee="75056", library_card="0012 3456")
    )
    assert result.registration.eligibility_basis == EligibilityBasis.LIBRARY_MEMBER
    assert result.registration.library_card == "00123456"


def test_ineligible_person_is_told_why_and_whom_to_call(session):
    with pytest.raises(ValidationError) as excinfo:
        services.register(session=session, person=make_person(1, commune_insee="75056"))
    message = excinfo.value.message_dict["commune_insee"][0]
    assert "réservés aux habitants" in message
    assert "03 28 00 00 00" in message and "culture@example.org" in message
    assert not session.registrations.exists()


def test_card_format_is_configured_per_territory(session, territory):
    territory.library_card_pattern = r"^ESP[0-9]{5}$"
    territory.save()
    with pytest.raises(ValidationError) as excinfo:
        services.register(
            session=session, person=make_person(1, commune_insee="", library_card="123456")
        )
    assert "library_card" in excinfo.value.message_dict
    ok = services.register(
        session=session, person=make_person(2, commune_insee="", library_card="esp12345")
    )
    assert ok.registration.library_card == "ESP12345"


def test_contact_is_required_for_the_public(session):
    with pytest.raises(ValidationError) as excinfo:
        services.register(session=session, person=make_person(1, email=""))
    assert "phone" in excinfo.value.message_dict


def test_same_person_twice_is_refused(session):
    services.register(session=session, person=make_person(1))
    with pytest.raises(ValidationError, match="déjà inscrit"):
        services.register(session=session, person=make_person(1, first_name="prénom1"))


def test_full_session_puts_people_on_the_waiting_list_in_order(session):
    session.capacity = 2
    session.save()
    results = [services.register(session=session, person=make_person(n)) for n in range(4)]
    assert [r.registration.status for r in results] == [
        "confirmed",
        "confirmed",
        "waiting",
        "waiting",
    ]
    assert [r.waiting_position for r in results] == [None, None, 1, 2]
    waiting = Message.objects.filter(event="workshop_waiting").order_by("pk")
    assert [m.recipient for m in waiting] == ["habitant2@example.org", "habitant3@example.org"]
    assert "place n° 2" in waiting[1].body


def test_staff_may_overbook_on_purpose_and_it_is_logged(session, culture_user):
    session.capacity = 1
    session.save()
    services.register(session=session, person=make_person(0))
    # By default staff fill the waiting list too.
    assert services.register(session=session, person=make_person(1), by=culture_user).waiting
    result = services.register(
        session=session, person=make_person(2), by=culture_user, allow_overbooking=True
    )
    assert result.registration.status == RegistrationStatus.CONFIRMED
    assert result.registration.overbooked
    assert result.registration.created_by == culture_user
    entry = AuditLog.objects.for_object(result.registration).get()
    assert entry.action == "registration.overbooked" and entry.actor == culture_user


def test_the_public_cannot_overbook(session):
    with pytest.raises(ValidationError):
        services.register(session=session, person=make_person(0), allow_overbooking=True)


def test_staff_register_someone_without_phone_or_email(session, adviser):
    result = services.register(
        session=session, person=make_person(0, email="", no_phone=True), by=adviser
    )
    assert result.registration.status == RegistrationStatus.CONFIRMED
    assert not Message.objects.exists()


def test_librarian_cannot_register_people(session, librarian):
    with pytest.raises(ValidationError) as excinfo:
        services.register(session=session, person=make_person(0), by=librarian)
    assert excinfo.value.code == "forbidden"


@pytest.mark.parametrize(
    "status",
    [
        SessionStatus.CANCELLED_BY_SERVICE,
        SessionStatus.CANCELLED_LOW_ATTENDANCE,
        SessionStatus.HELD,
    ],
)
def test_registration_refused_when_session_closed(session, status):
    session.status = status
    session.save()
    with pytest.raises(services.SessionClosed) as excinfo:
        services.register(session=session, person=make_person(0))
    assert excinfo.value.code == "closed"


def test_registration_refused_once_the_session_has_begun(session):
    with (
        time_machine.travel(session.start + dt.timedelta(minutes=1)),
        pytest.raises(services.SessionClosed, match="commencé"),
    ):
        services.register(session=session, person=make_person(0))


def test_cancel_by_token_frees_the_place_for_the_first_waiting_who_is_told(session):
    session.capacity = 1
    session.save()
    first = services.register(session=session, person=make_person(0))
    second = services.register(session=session, person=make_person(1))
    third = services.register(session=session, person=make_person(2))
    registration = get_registration_by_token(first.token)
    services.cancel_registration(registration=registration)
    assert statuses(session) == ["cancelled", "confirmed", "waiting"]
    second.registration.refresh_from_db()
    assert second.registration.promoted_at is not None
    promoted = Message.objects.get(event="workshop_promoted")
    assert promoted.recipient == "habitant1@example.org"
    assert "place s'est libérée" in promoted.subject
    assert waiting_position(third.registration) == 1
    assert Message.objects.filter(event="workshop_registration_cancelled").count() == 1
    assert AuditLog.objects.filter(action="registration.promoted").count() == 1


def test_cancelling_a_waiting_registration_promotes_nobody(session):
    session.capacity = 1
    session.save()
    services.register(session=session, person=make_person(0))
    waiting = services.register(session=session, person=make_person(1))
    services.register(session=session, person=make_person(2))
    services.cancel_registration(registration=waiting.registration)
    assert statuses(session) == ["confirmed", "cancelled", "waiting"]
    assert not Message.objects.filter(event="workshop_promoted").exists()


def test_cancelling_twice_is_refused(session):
    result = services.register(session=session, person=make_person(0))
    services.cancel_registration(registration=result.registration)
    with pytest.raises(ValidationError, match="déjà annulée"):
        services.cancel_registration(registration=result.registration)


def test_cancel_after_start_only_by_staff(session, culture_user):
    result = services.register(session=session, person=make_person(0))
    with time_machine.travel(session.start + dt.timedelta(minutes=5)):
        with pytest.raises(ValidationError, match="commencé"):
            services.cancel_registration(registration=result.registration)
        services.cancel_registration(
            registration=result.registration, by=culture_user, reason="Malade"
        )
    result.registration.refresh_from_db()
    assert result.registration.status == RegistrationStatus.CANCELLED


def test_an_overbooked_session_promotes_nobody_until_a_place_is_really_free(session, culture_user):
    session.capacity = 1
    session.save()
    a = services.register(session=session, person=make_person(0))
    services.register(
        session=session, person=make_person(1), by=culture_user, allow_overbooking=True
    )
    services.register(session=session, person=make_person(2))
    services.cancel_registration(registration=a.registration)
    assert statuses(session) == ["cancelled", "confirmed", "waiting"]


def test_more_places_go_to_the_people_waiting_in_order(session, culture_user):
    session.capacity = 1
    session.save()
    for n in range(4):
        services.register(session=session, person=make_person(n))
    services.update_session(session=session, capacity=3, by=culture_user)
    assert statuses(session) == ["confirmed", "confirmed", "confirmed", "waiting"]
    assert Message.objects.filter(event="workshop_promoted").count() == 2


class TestPromotionSequences(HypothesisTestCase):
    """Any sequence of registrations and cancellations: the people holding a place are
    always the earliest ones still there, never more than the places, each promoted once."""

    @settings(max_examples=25, deadline=None)
    @given(
        capacity=st.integers(min_value=1, max_value=4),
        ops=st.lists(
            st.one_of(st.just("register"), st.integers(min_value=0, max_value=9)), max_size=14
        ),
    )
    def test_waiting_list_model(self, capacity, ops):
        with time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC), tick=True):
            territory = f.TerritoryFactory(slug="hyp")
            commune = f.CommuneFactory(territory=territory, insee_code="59212", slug="hyp-estaires")
            session = SessionFactory(
                workshop__territory=territory, venue__commune=commune, capacity=capacity
            )
            alive: list[int] = []  # registration ids in arrival order, not cancelled
            made: list[int] = []
            for n, op in enumerate(ops):
                if op == "register":
                    r = services.register(session=session, person=make_person(n)).registration
                    made.append(r.pk)
                    alive.append(r.pk)
                elif op < len(made) and made[op] in alive:
                    reg = session.registrations.get(pk=made[op])
                    services.cancel_registration(registration=reg)
                    alive.remove(made[op])
                expected_confirmed = set(alive[:capacity])
                confirmed = set(
                    session.registrations.filter(status="confirmed").values_list("pk", flat=True)
                )
                assert confirmed == expected_confirmed
                waiting = list(session.registrations.waiting().values_list("pk", flat=True))
                assert waiting == alive[capacity:]
            promoted = Message.objects.filter(event="workshop_promoted", object_id__in=made)
            keys = list(promoted.values_list("dedupe_key", flat=True))
            assert len(keys) == len(set(keys))
            assert (
                promoted.count() == session.registrations.filter(promoted_at__isnull=False).count()
            )


def test_registration_on_a_later_cycle_session_goes_to_the_first(territory, library_venue, adviser):
    first = SessionFactory(workshop__territory=territory, workshop__cycle=True, venue=library_venue)
    second = SessionFactory(
        workshop=first.workshop,
        venue=library_venue,
        start=first.start + dt.timedelta(weeks=1),
        decision_at=first.decision_at,
    )
    first.cycle_group = first
    first.save()
    second.cycle_group = first
    second.save()
    result = services.register(session=second, person=make_person(0))
    assert result.registration.session == first
    message = Message.objects.get(event="workshop_registered")
    assert "cycle de 2 séances" in message.body
    assert "samedi 12 décembre 2026" in message.body


def test_factory_traits(db):
    assert RegistrationFactory(waiting=True).status == "waiting"
    assert SessionFactory(confirmed=True).status == "confirmed"
