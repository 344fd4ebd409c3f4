from __future__ import annotations

import datetime as dt

import pytest

from cadran.core.clock import PARIS
from cadran.reporting.selectors import (
    Period,
    attendance_report,
    preset_period,
    territory_dashboard,
)
from cadran.scheduling.enums import AppointmentStatus
from tests import factories as f

from .conftest import AUTUMN, NOVEMBER, at, sql_appointments, sql_scalar

pytestmark = pytest.mark.django_db


def by_key(counts):
    return {c.key: c.value for c in counts}


def test_report_figures_match_sql(history, estaires):
    report = attendance_report(commune=estaires, period=NOVEMBER)
    a = report.appointments
    assert a.booked == sql_appointments(estaires.pk, NOVEMBER) == 8
    assert a.seen == sql_appointments(estaires.pk, NOVEMBER, AppointmentStatus.SEEN) == 5
    assert a.noshow == sql_appointments(estaires.pk, NOVEMBER, AppointmentStatus.NOSHOW) == 1
    assert a.excused == 1 and a.revoked == 1 and a.upcoming == 0
    start, end = NOVEMBER.bounds()
    assert (
        report.people_helped
        == sql_scalar(
            "SELECT COUNT(DISTINCT a.beneficiary_id) FROM scheduling_appointment a "
            "JOIN scheduling_permanence p ON p.id = a.permanence_id "
            "WHERE p.commune_id = %s AND a.start >= %s AND a.start < %s AND a.status = 'seen'",
            [estaires.pk, start, end],
        )
        == 4
    )
    assert a.used_minutes == 300
    # Wednesdays 4, 18 and 25 November; the 11th is a public holiday.
    assert report.offered_minutes == 3 * 180
    assert by_key(report.by_topic)["sante"] == 2
    assert by_key(report.by_topic)["email"] == 2
    assert by_key(report.by_topic)["aide_aux_demarches_administratives"] == 3
    act = report.activity
    assert act.individual == 4 and act.first_visits == 3
    assert by_key(act.by_autonomy) == {
        "entierement_accompagne": 1,
        "partiellement_autonome": 1,
        "autonome": 2,
    }
    assert by_key(act.by_orientation) == {"oui": 2, "non": 2}
    assert by_key(act.by_redirection)["administration"] == 2
    assert (
        by_key(act.by_thematique)["sante"]
        == sql_scalar(
            "SELECT COUNT(*) FROM activity_activitythematique t "
            "JOIN activity_activityrecord r ON r.id = t.record_id "
            "WHERE r.commune_id = %s AND r.date >= %s AND r.date <= %s AND t.thematique = 'sante'",
            [estaires.pk, NOVEMBER.start, NOVEMBER.end],
        )
        == 4
    )
    s = report.sessions
    assert (s.held, s.cancelled_low_attendance, s.present, s.anonymous) == (1, 1, 3, 2)


def test_months_split_in_paris_time(history, estaires, permanence):
    report = attendance_report(commune=estaires, period=AUTUMN)
    assert [m.month for m in report.by_month] == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    assert [m.counts.seen for m in report.by_month] == [1, 5]
    # 1 November 00:30 in Paris is 31 October 23:30 UTC: it belongs to November.
    f.AppointmentFactory(
        permanence=permanence,
        start=dt.datetime(2026, 11, 1, 0, 30, tzinfo=PARIS),
        end=dt.datetime(2026, 11, 1, 1, 0, tzinfo=PARIS),
        status=AppointmentStatus.SEEN,
    )
    report = attendance_report(commune=estaires, period=AUTUMN)
    assert [m.counts.seen for m in report.by_month] == [1, 6]


def test_closure_removes_offered_hours(history, estaires, territory):
    f.ClosureFactory(
        territory=territory,
        commune=estaires,
        start=at(dt.date(2026, 11, 18), 10),
        end=at(dt.date(2026, 11, 18), 12),
    )
    report = attendance_report(commune=estaires, period=NOVEMBER)
    assert report.offered_minutes == 3 * 180 - 120


def test_dashboard_sums_communes_and_compares(history, territory, estaires, merville):
    board = territory_dashboard(territory=territory, period=NOVEMBER)
    rows = {r.insee: r for r in board.communes}
    assert rows["59212"].appointments.seen == 5
    assert rows["59400"].appointments.seen == 3
    assert board.total.appointments.seen == 8
    assert board.total.people_helped == 4 + 3
    assert board.previous_period == Period(dt.date(2026, 10, 2), dt.date(2026, 10, 31))
    seen = next(c for c in board.comparison if c.key == "seen")
    assert (seen.current, seen.previous) == (8, 1)  # 28 October
    assert board.advisers[0].appointments.seen == 8
    assert board.formats[0].sessions.participants == 5


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mois", (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("mois_precedent", (dt.date(2026, 10, 1), dt.date(2026, 10, 31))),
        ("trimestre", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ("trimestre_precedent", (dt.date(2026, 7, 1), dt.date(2026, 9, 30))),
        ("annee", (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        ("annee_precedente", (dt.date(2025, 1, 1), dt.date(2025, 12, 31))),
    ],
)
def test_presets(name, expected):
    period = preset_period(name, today=dt.date(2026, 11, 27))
    assert (period.start, period.end) == expected
