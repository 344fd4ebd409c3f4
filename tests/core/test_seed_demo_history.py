"""The demo has a year of life: appointments seen, missed and cancelled, records, workshops
held and cancelled under the minimum, loans returned, today's work, and reports that show
it. The clock is frozen (tests/conftest.py, Friday 27 November 2026, 10:00 in Paris)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from cadran.activity.models import ActivityRecord, ActivityThematique
from cadran.core import clock
from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Loan
from cadran.privacy import selectors as privacy
from cadran.privacy.models import RetentionPolicy
from cadran.reporting import selectors as reporting
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment, Beneficiary
from cadran.territory.models import Commune, Territory
from cadran.workshops.enums import SessionStatus
from cadran.workshops.models import Session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())
    return Territory.objects.get(slug="ccfl")


def _last_twelve_months() -> reporting.Period:
    today = clock.today()
    return reporting.Period(today - dt.timedelta(days=365), today)


def test_the_past_has_appointments_of_every_outcome(demo):
    now = clock.now()
    past = Appointment.objects.filter(permanence__commune__territory=demo, start__lt=now)
    by_status = {s: past.filter(status=s).count() for s in AppointmentStatus.values}
    assert by_status[AppointmentStatus.SEEN] > 300
    assert by_status[AppointmentStatus.NOSHOW] > 10
    assert by_status[AppointmentStatus.EXCUSED] > 10  # cancelled by the person
    assert by_status[AppointmentStatus.REVOKED] > 5  # cancelled by the service
    assert by_status[AppointmentStatus.SEEN] > 0.6 * past.count()  # most came
    # Over the year, at every permanence, but not every slot is taken.
    communes = set(past.values_list("permanence__commune__insee_code", flat=True))
    assert len(communes) == 8
    earliest = past.order_by("start").first().start
    assert earliest < now - dt.timedelta(days=365)
    # No appointment on a public holiday: 11 November 2026 is a Wednesday (Estaires).
    assert not past.filter(start__date=dt.date(2026, 11, 11)).exists()
    # Different people, from several communes of the territory and a few from outside.
    homes = set(
        Beneficiary.objects.filter(territory=demo).values_list("residence_insee", flat=True)
    )
    territory_codes = set(
        Commune.objects.filter(territory=demo).values_list("insee_code", flat=True)
    )
    assert len(homes & territory_codes) == 8 and homes - territory_codes - {""}
    assert Beneficiary.objects.filter(territory=demo).count() > 200


def test_every_appointment_seen_before_today_has_its_record(demo):
    start_of_today = dt.datetime.combine(clock.today(), dt.time.min, tzinfo=clock.PARIS)
    seen = Appointment.objects.filter(
        permanence__commune__territory=demo,
        status=AppointmentStatus.SEEN,
        start__lt=start_of_today,
    )
    assert seen.filter(activity_record__isnull=True).count() == 0
    records = ActivityRecord.objects.filter(appointment__in=seen)
    assert records.count() == seen.count()
    # Varied: several thématiques and autonomy levels; dated the day of the appointment.
    codes = ActivityThematique.objects.filter(record__in=records).values("thematique")
    assert codes.distinct().count() >= 8
    assert records.values("autonomie").distinct().count() == 3
    record = records.select_related("appointment").order_by("date").first()
    assert record.date == clock.paris(record.appointment.start).date()
    assert record.created_at < clock.now() - dt.timedelta(days=300)


def test_workshops_were_held_and_one_cancelled_under_the_minimum(demo):
    now = clock.now()
    past = Session.objects.filter(workshop__territory=demo, start__lt=now)
    held = past.filter(status=SessionStatus.HELD)
    assert held.count() >= 4
    assert all(s.attendances.filter(present=True).exists() for s in held)
    assert held.filter(activity_record__isnull=False).count() == held.count()
    cancelled = past.get(status=SessionStatus.CANCELLED_LOW_ATTENDANCE)
    assert cancelled.registrations.count() < cancelled.min_attendance
    assert "jauge minimale" in cancelled.decision_reason  # the service's own reason


def test_loans_were_returned_in_the_past(demo):
    returned = Loan.objects.filter(equipment__territory=demo, status=LoanStatus.RETURNED)
    assert returned.count() >= 5
    assert returned.filter(end_date__lt=clock.today() - dt.timedelta(days=90)).exists()


def test_today_and_this_week_have_appointments(demo):
    today = clock.today()  # a Friday: Haverskerque in the morning, Sailly in the afternoon
    todays = Appointment.objects.filter(
        permanence__commune__territory=demo,
        start__gte=dt.datetime.combine(today, dt.time.min, tzinfo=clock.PARIS),
        start__lt=dt.datetime.combine(
            today + dt.timedelta(days=1), dt.time.min, tzinfo=clock.PARIS
        ),
    )
    assert todays.count() >= 2
    assert todays.filter(status=AppointmentStatus.BOOKED).exists()
    week = Appointment.objects.filter(
        permanence__commune__territory=demo,
        status=AppointmentStatus.BOOKED,
        start__gte=clock.now(),
        start__lt=clock.now() + dt.timedelta(days=7),
    )
    assert week.values("permanence").distinct().count() >= 5


def test_the_estaires_report_of_the_last_twelve_months_is_not_empty(demo):
    estaires = Commune.objects.get(territory=demo, insee_code="59212")
    report = reporting.attendance_report(commune=estaires, period=_last_twelve_months())
    assert report.people_helped > 0
    assert report.appointments.seen > 50 and report.appointments.cancelled > 0
    assert len([t for t in report.by_topic if t.value]) >= 5
    bars = [row.counts.seen for row in report.by_month]
    assert len(bars) >= 12 and sum(1 for b in bars if b) >= 10
    assert report.activity.individual > 0 and report.sessions.held > 0


def test_the_dashboard_has_figures(demo):
    board = reporting.territory_dashboard(territory=demo, period=_last_twelve_months())
    assert board.total.appointments.seen > 300
    assert board.total.people_helped > 100
    assert all(row.appointments.booked > 0 for row in board.communes)
    assert sum(row.records for row in board.advisers) > 300


def test_the_retention_purge_has_something_to_show(demo):
    policy = RetentionPolicy.objects.for_territory(demo)
    due = privacy.due_counts(policy, clock.now())
    assert due.beneficiaries > 0  # only seen thirteen or fourteen months ago
    assert due.registrations > 0  # workshops over for more than three months
    assert due.audit_entries > 0


def test_the_history_is_the_same_shape_on_every_run(demo):
    counts = {s: Appointment.objects.filter(status=s).count() for s in AppointmentStatus.values}
    assert "déjà présentes" in _seed_again()
    assert {s: Appointment.objects.filter(status=s).count() for s in AppointmentStatus.values} == (
        counts
    )


def _seed_again() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()
