"""After the session: who came (present, absent), those who came without registering."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cadran.core.models import AuditLog
from cadran.workshops import services
from cadran.workshops.enums import RegistrationStatus, SessionStatus
from cadran.workshops.models import Attendance
from tests import factories as f

from .factories import SessionFactory, make_person

pytestmark = pytest.mark.usefixtures("frozen_now")


def registered(session, n):
    return [
        services.register(session=session, person=make_person(i)).registration for i in range(n)
    ]


def test_adviser_takes_attendance_after_the_start(session, adviser):
    regs = registered(session, 4)
    with pytest.raises(ValidationError, match="pas encore commencé"):
        services.record_attendance(session=session, present_ids=[regs[0].pk], by=adviser)
    with time_machine.travel(session.start + dt.timedelta(minutes=10)):
        services.record_attendance(
            session=session, present_ids=[r.pk for r in regs[:3]], by=adviser, anonymous_count=2
        )
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert session.anonymous_count == 2
    assert [r.status for r in session.registrations.order_by("pk")] == ["present"] * 3 + ["absent"]
    assert Attendance.objects.filter(session=session, present=True).count() == 3
    entry = AuditLog.objects.for_object(session).get(action="session.attendance")
    assert entry.actor == adviser and "3 présent(s) sur 4" in entry.description


def test_attendance_can_be_corrected(session, adviser):
    regs = registered(session, 2)
    with time_machine.travel(session.start + dt.timedelta(hours=3)):
        services.record_attendance(session=session, present_ids=[regs[0].pk], by=adviser)
        services.record_attendance(session=session, present_ids=[regs[1].pk], by=adviser)
    statuses = dict(session.registrations.values_list("pk", "status"))
    assert statuses == {
        regs[0].pk: RegistrationStatus.ABSENT,
        regs[1].pk: RegistrationStatus.PRESENT,
    }
    assert Attendance.objects.filter(session=session).count() == 2


def test_attendance_refusals(session, adviser, territory, librarian):
    regs = registered(session, 1)
    other = f.UserFactory(adviser=True, territory=territory)
    with time_machine.travel(session.start + dt.timedelta(minutes=10)):
        with pytest.raises(ValidationError, match="pas inscrite"):
            services.record_attendance(session=session, present_ids=[999999], by=adviser)
        for user in (other, librarian):
            with pytest.raises(ValidationError):
                services.record_attendance(session=session, present_ids=[regs[0].pk], by=user)
    cancelled = SessionFactory(
        workshop=session.workshop,
        venue=session.venue,
        start=session.start - dt.timedelta(days=10),
        cancelled=True,
        advisers=[adviser],
    )
    with pytest.raises(ValidationError, match="annulée"):
        services.record_attendance(session=cancelled, present_ids=[], by=adviser)


def test_waiting_people_are_not_on_the_attendance_list(session, adviser):
    session.capacity = 1
    session.save()
    regs = registered(session, 2)
    with (
        time_machine.travel(session.start + dt.timedelta(minutes=10)),
        pytest.raises(ValidationError),
    ):
        services.record_attendance(session=session, present_ids=[regs[1].pk], by=adviser)


def test_each_session_of_a_cycle_has_its_own_attendance(territory, library_venue, adviser):
    first = SessionFactory(
        workshop__territory=territory, workshop__cycle=True, venue=library_venue, advisers=[adviser]
    )
    second = SessionFactory(
        workshop=first.workshop,
        venue=library_venue,
        start=first.start + dt.timedelta(weeks=1),
        decision_at=first.decision_at,
        advisers=[adviser],
    )
    for s in (first, second):
        s.cycle_group = first
        s.save()
    regs = registered(first, 2)
    with time_machine.travel(first.start + dt.timedelta(minutes=5)):
        services.record_attendance(session=first, present_ids=[regs[0].pk], by=adviser)
    with time_machine.travel(second.start + dt.timedelta(minutes=5)):
        services.record_attendance(session=second, present_ids=[regs[1].pk], by=adviser)
    assert Attendance.objects.filter(session=first, present=True).get().registration == regs[0]
    assert Attendance.objects.filter(session=second, present=True).get().registration == regs[1]
    # Each came at least once.
    assert set(first.registrations.values_list("status", flat=True)) == {"present"}
