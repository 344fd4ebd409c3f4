"""A librarian's request, accepted (with the adviser and venue checks) or refused;
off-site requests go through examination then arbitration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.workshops import services
from cadran.workshops.enums import RequestStatus, SessionStatus
from tests import factories as f

from .factories import InterventionRequestFactory, SessionFactory, WorkshopFactory, make_person

pytestmark = pytest.mark.usefixtures("frozen_now")

SAT = dt.datetime(2026, 12, 5, 10, 0, tzinfo=PARIS)
WED_9 = dt.datetime(2026, 12, 2, 9, 30, tzinfo=PARIS)  # Estaires permanence: Wednesday 9h–12h


@pytest.fixture
def request_(workshop, librarian):
    return services.request_intervention(
        workshop=workshop,
        library=librarian.library,
        by=librarian,
        wished_dates="Un samedi matin",
        date_options=[SAT],
        room="Salle d'animation",
        expected_public="Seniors",
        expected_size=10,
    )


def accept(request_, culture_user, venue, advisers, **kwargs):
    return services.accept_request(
        request=request_,
        by=culture_user,
        venue=venue,
        starts=kwargs.pop("starts", [SAT]),
        advisers=advisers,
        **kwargs,
    )


def test_librarian_requests_a_published_workshop(request_, librarian):
    assert request_.status == RequestStatus.REQUESTED
    assert request_.date_options == [SAT]
    entry = AuditLog.objects.for_object(request_).get()
    assert entry.action == "request.created" and entry.actor == librarian


def test_request_refusals(workshop, librarian, territory):
    with pytest.raises(ValidationError) as excinfo:
        services.request_intervention(workshop=workshop, library=librarian.library, by=librarian)
    assert "wished_dates" in excinfo.value.message_dict
    with pytest.raises(ValidationError, match="au plus 3"):
        services.request_intervention(
            workshop=workshop,
            library=librarian.library,
            by=librarian,
            date_options=[SAT + dt.timedelta(days=d) for d in range(4)],
        )
    draft = WorkshopFactory(territory=territory, draft=True)
    with pytest.raises(ValidationError, match="pas proposé"):
        services.request_intervention(
            workshop=draft, library=librarian.library, by=librarian, wished_dates="x"
        )
    other_library = f.LibraryFactory(commune__territory=territory)
    with pytest.raises(ValidationError) as excinfo:
        services.request_intervention(
            workshop=workshop, library=other_library, by=librarian, wished_dates="x"
        )
    assert excinfo.value.code == "forbidden"


def test_accept_creates_the_session_tells_the_librarian_and_the_adviser(
    request_, culture_user, library_venue, adviser, librarian
):
    sessions = accept(request_, culture_user, library_venue, [adviser], capacity=10)
    assert len(sessions) == 1
    session = sessions[0]
    assert session.status == SessionStatus.SCHEDULED
    assert session.capacity == 10 and session.min_attendance == 4
    assert session.decision_at == SAT - dt.timedelta(hours=48)
    assert list(session.advisers.all()) == [adviser]
    assert session.request == request_
    request_.refresh_from_db()
    assert request_.status == RequestStatus.ACCEPTED and request_.decided_by == culture_user
    decided = Message.objects.get(event="workshop_request_decided")
    assert decided.recipient == librarian.email and "acceptée" in decided.subject
    assert Message.objects.get(event="workshop_staff_session_scheduled").recipient == adviser.email
    assert (
        AuditLog.objects.for_object(session)
        .filter(action="session.scheduled", actor=culture_user)
        .exists()
    )
    assert AuditLog.objects.for_object(request_).filter(action="request.accepted").exists()


def test_adviser_busy_with_another_session_is_refused(
    request_, culture_user, library_venue, adviser
):
    other_venue = f.VenueFactory(commune=library_venue.commune, name="Salle des fêtes")
    SessionFactory(
        workshop=request_.workshop,
        venue=other_venue,
        start=SAT - dt.timedelta(hours=1),
        advisers=[adviser],
    )
    with pytest.raises(ValidationError) as excinfo:
        accept(request_, culture_user, library_venue, [adviser])
    assert "anime déjà" in excinfo.value.message_dict["advisers"][0]
    request_.refresh_from_db()
    assert request_.status == RequestStatus.REQUESTED


def test_adviser_holding_a_permanence_is_refused(
    request_, culture_user, library_venue, adviser, permanence
):
    with pytest.raises(ValidationError) as excinfo:
        accept(request_, culture_user, library_venue, [adviser], starts=[WED_9])
    assert "permanence" in excinfo.value.message_dict["advisers"][0]


def test_permanence_on_a_public_holiday_does_not_block(
    territory, culture_user, library_venue, adviser, workshop
):
    # Wednesday 11 November 2026 is a public holiday: no permanence that day.
    f.PermanenceFactory(
        commune=library_venue.commune, adviser=adviser, valid_from=dt.date(2024, 9, 1)
    )
    from cadran.workshops.selectors import adviser_conflicts

    holiday = dt.datetime(2026, 11, 11, 9, 30, tzinfo=PARIS)
    assert (
        adviser_conflicts(adviser=adviser, start=holiday, end=holiday + dt.timedelta(hours=2)) == []
    )
    assert adviser_conflicts(adviser=adviser, start=WED_9, end=WED_9 + dt.timedelta(hours=2))


def test_adviser_on_leave_is_refused(request_, culture_user, library_venue, adviser, territory):
    f.ClosureFactory(
        territory=territory,
        adviser=adviser,
        start=SAT - dt.timedelta(days=1),
        end=SAT + dt.timedelta(days=1),
        reason="Congés",
    )
    with pytest.raises(ValidationError) as excinfo:
        accept(request_, culture_user, library_venue, [adviser])
    assert "Congés" in excinfo.value.message_dict["advisers"][0]


def test_venue_lacking_what_the_format_needs_is_refused_in_french(
    request_, culture_user, adviser, estaires
):
    request_.workshop.format.needs_projector = True
    request_.workshop.format.save()
    cold = f.VenueFactory(
        commune=estaires,
        name="Salle froide",
        heated=False,
        has_projector=False,
        has_tables_chairs=False,
    )
    with pytest.raises(ValidationError) as excinfo:
        accept(request_, culture_user, cold, [adviser])
    message = excinfo.value.message_dict["venue"][0]
    assert "pas chauffé" in message and "vidéoprojecteur" in message and "tables" in message


def test_venue_already_taken_is_refused(request_, culture_user, library_venue, adviser):
    SessionFactory(workshop=request_.workshop, venue=library_venue, start=SAT)
    with pytest.raises(ValidationError) as excinfo:
        accept(request_, culture_user, library_venue, [adviser])
    assert "accueille déjà" in excinfo.value.message_dict["venue"][0]


def test_non_adviser_or_other_territory_refused(request_, culture_user, library_venue, librarian):
    stranger = f.UserFactory(adviser=True, territory=f.TerritoryFactory(slug="ailleurs"))
    with pytest.raises(ValidationError) as excinfo:
        accept(request_, culture_user, library_venue, [librarian, stranger])
    problems = excinfo.value.message_dict["advisers"]
    assert any("n'est pas conseiller" in p for p in problems)
    assert any("territoire" in p for p in problems)


def test_refuse_with_reason(request_, culture_user, librarian):
    with pytest.raises(ValidationError):
        services.refuse_request(request=request_, by=culture_user, reason="")
    services.refuse_request(
        request=request_, by=culture_user, reason="Pas de conseiller disponible en décembre"
    )
    request_.refresh_from_db()
    assert request_.status == RequestStatus.REFUSED and request_.decided_at is not None
    message = Message.objects.get(event="workshop_request_decided")
    assert "refusée" in message.subject and "Pas de conseiller" in message.body
    with pytest.raises(ValidationError, match="déjà été traitée"):
        services.refuse_request(request=request_, by=culture_user, reason="encore")


def test_only_the_service_culture_decides(request_, librarian, coordinator, library_venue, adviser):
    for user in (librarian, coordinator):
        with pytest.raises(ValidationError):
            accept(request_, user, library_venue, [adviser])


def test_off_site_goes_through_examination_then_arbitration(
    workshop, librarian, culture_user, adviser, estaires
):
    with pytest.raises(ValidationError) as excinfo:
        services.request_intervention(
            workshop=workshop,
            library=librarian.library,
            by=librarian,
            wished_dates="samedi",
            off_site=True,
            off_site_place_kind="market",
        )
    assert {"place_name", "place_address", "justification"} <= set(excinfo.value.message_dict)
    request_ = services.request_intervention(
        workshop=workshop,
        library=librarian.library,
        by=librarian,
        wished_dates="samedi",
        off_site=True,
        off_site_place_kind="market",
        place_name="Marché",
        place_address="Grand-Place",
        justification="Aller vers ceux qui ne viennent pas",
    )
    market = f.VenueFactory(
        commune=estaires, name="Marché d'Estaires", heated=False, has_tables_chairs=False
    )
    with pytest.raises(ValidationError, match="d'abord être mise à l'examen"):
        accept(request_, culture_user, market, [adviser], waive_venue_conditions=True)
    services.examine_request(request=request_, by=culture_user)
    request_.refresh_from_db()
    assert (
        request_.status == RequestStatus.UNDER_EXAMINATION and request_.examined_by == culture_user
    )
    with pytest.raises(ValidationError, match="pas chauffé"):
        accept(request_, culture_user, market, [adviser])
    sessions = accept(
        request_,
        culture_user,
        market,
        [adviser],
        waive_venue_conditions=True,
        remarks="Arbitrage favorable",
    )
    assert sessions[0].venue == market
    entry = AuditLog.objects.for_object(request_).get(action="request.accepted")
    assert "levées" in entry.description


def test_waiving_venue_conditions_is_only_for_off_site(
    request_, culture_user, library_venue, adviser
):
    with pytest.raises(ValidationError, match="hors les murs"):
        accept(request_, culture_user, library_venue, [adviser], waive_venue_conditions=True)


def test_examine_is_only_for_off_site(request_, culture_user):
    with pytest.raises(ValidationError):
        services.examine_request(request=request_, by=culture_user)


def test_withdraw(request_, librarian):
    services.withdraw_request(request=request_, by=librarian)
    request_.refresh_from_db()
    assert request_.status == RequestStatus.WITHDRAWN


def test_a_cycle_is_scheduled_as_one_group(territory, culture_user, library_venue, adviser, fmt):
    cycle = WorkshopFactory(territory=territory, format=fmt, cycle=True)
    starts = [SAT + dt.timedelta(weeks=w) for w in range(3)]
    with pytest.raises(ValidationError, match="au moins deux"):
        services.schedule_sessions(
            workshop=cycle,
            venue=library_venue,
            starts=starts[:1],
            advisers=[adviser],
            by=culture_user,
        )
    sessions = services.schedule_sessions(
        workshop=cycle, venue=library_venue, starts=starts, advisers=[adviser], by=culture_user
    )
    assert [s.cycle_group_id for s in sessions] == [sessions[0].pk] * 3
    assert all(s.decision_at == SAT - dt.timedelta(hours=48) for s in sessions)


def test_a_session_created_after_its_decision_time_is_decided_at_once(
    workshop, culture_user, library_venue, adviser
):
    soon = dt.datetime(2026, 11, 28, 14, 0, tzinfo=PARIS)  # tomorrow: the 48 hours are past
    sessions = services.schedule_sessions(
        workshop=workshop, venue=library_venue, starts=[soon], advisers=[adviser], by=culture_user
    )
    sessions[0].refresh_from_db()
    assert sessions[0].status == SessionStatus.CANCELLED_LOW_ATTENDANCE


def test_a_session_in_the_past_or_of_an_unpublished_workshop_is_refused(
    workshop, culture_user, library_venue, adviser, territory
):
    with pytest.raises(ValidationError, match="à venir"):
        services.schedule_sessions(
            workshop=workshop,
            venue=library_venue,
            starts=[SAT - dt.timedelta(days=30)],
            advisers=[adviser],
            by=culture_user,
        )
    with pytest.raises(ValidationError, match="publié"):
        services.schedule_sessions(
            workshop=WorkshopFactory(territory=territory, approved=True),
            venue=library_venue,
            starts=[SAT],
            advisers=[adviser],
            by=culture_user,
        )


def test_off_site_request_factory_trait(db):
    assert InterventionRequestFactory(off_site_market=True).off_site


def test_registration_then_attendance(workshop, culture_user, library_venue, adviser):
    [session] = services.schedule_sessions(
        workshop=workshop, venue=library_venue, starts=[SAT], advisers=[adviser], by=culture_user
    )
    services.register(session=session, person=make_person(0))
    assert session.registrations.count() == 1
