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

from .conftest import (
    AUTUMN,
    NOVEMBER,
    RECORDS_OF_COMMUNE,
    WEDNESDAYS,
    add_appointments,
    add_collective_record,
    add_record,
    at,
    sql_appointments,
    sql_counts,
    sql_scalar,
)

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


def test_activity_figures_match_sql(history, estaires, adviser, permanence):
    """Every figure taken from the activity records, against a count made in SQL: a
    workshop record (known and anonymous participants) and a walk-in record outside the
    bookings (autonomy and orientation not given) come on top of the fixture's four."""
    add_collective_record(
        commune=estaires,
        adviser=adviser,
        venue=permanence.venue,
        day=dt.date(2026, 11, 14),
        known=3,
        first_visits=2,
        anonymous=5,
    )
    add_record(
        commune=estaires,
        adviser=adviser,
        venue=permanence.venue,
        day=dt.date(2026, 11, 20),
        thematiques=("diagnostic_numerique",),
        first_visit=True,
    )
    act = attendance_report(commune=estaires, period=NOVEMBER).activity
    params = [estaires.pk, NOVEMBER.start, NOVEMBER.end]
    individual = f"{RECORDS_OF_COMMUNE} AND r.kind = 'individuel'"

    kinds = sql_counts(f"SELECT r.kind, COUNT(*) {RECORDS_OF_COMMUNE} GROUP BY r.kind", params)
    assert (act.individual, act.collective) == (kinds["individuel"], kinds["collectif"]) == (5, 1)

    autonomy = sql_counts(f"SELECT r.autonomie, COUNT(*) {individual} GROUP BY r.autonomie", params)
    assert by_key(act.by_autonomy) == {k or "non_renseigne": n for k, n in autonomy.items()}
    assert by_key(act.by_autonomy) == {
        "entierement_accompagne": 1,
        "partiellement_autonome": 1,
        "autonome": 2,
        "non_renseigne": 1,
    }

    oriented = sql_counts(f"SELECT r.oriented, COUNT(*) {individual} GROUP BY r.oriented", params)
    names = {None: "non_renseigne", True: "oui", False: "non"}
    assert by_key(act.by_orientation) == {
        names[None if k is None else bool(k)]: n for k, n in oriented.items()
    }
    assert by_key(act.by_orientation) == {"oui": 2, "non": 2, "non_renseigne": 1}

    redirection = sql_counts(
        f"SELECT r.structure_redirection, COUNT(*) {individual} AND r.oriented = %s "
        "GROUP BY r.structure_redirection",
        [*params, True],
    )
    assert {k: v for k, v in by_key(act.by_redirection).items() if v} == redirection
    assert redirection == {"administration": 2}

    thematiques = sql_counts(
        "SELECT t.thematique, COUNT(*) FROM activity_activitythematique t "
        "JOIN activity_activityrecord r ON r.id = t.record_id "
        "WHERE r.commune_id = %s AND r.date >= %s AND r.date <= %s GROUP BY t.thematique",
        params,
    )
    assert {k: v for k, v in by_key(act.by_thematique).items() if v} == thematiques
    assert thematiques == {
        "sante": 4,
        "email": 2,
        "securite_numerique": 1,
        "diagnostic_numerique": 1,
    }

    participants = (
        "SELECT COUNT(*) FROM activity_activityparticipant pa "
        "JOIN activity_activityrecord r ON r.id = pa.record_id "
        "WHERE r.commune_id = %s AND r.date >= %s AND r.date <= %s"
    )
    # Three individual first visits, one walk-in, two at the workshop.
    assert (
        act.first_visits
        == sql_scalar(f"{participants} AND pa.first_visit = %s", [*params, True])
        == 3 + 1 + 2
    )
    assert act.participants == sql_scalar(participants, params) == 4 + 1 + 3
    assert act.anonymous == sql_scalar(f"SELECT SUM(r.anon_total) {RECORDS_OF_COMMUNE}", params)
    assert act.accompaniments == 8 + 5


def test_people_helped_counts_a_person_once_per_commune_and_once_in_total(
    history, territory, estaires, merville
):
    # Zéphyrine, seen twice in Estaires, is also seen once in Merville.
    person = history["same_person"]
    add_appointments(
        history["other"],
        [(dt.date(2026, 11, 12), 9, AppointmentStatus.SEEN)],
        people={0: person},
    )
    start, end = NOVEMBER.bounds()
    seen = (
        "FROM scheduling_appointment a JOIN scheduling_permanence p ON p.id = a.permanence_id "
        "JOIN territory_commune c ON c.id = p.commune_id "
        "WHERE c.territory_id = %s AND a.start >= %s AND a.start < %s AND a.status = 'seen'"
    )
    params = [territory.pk, start, end]
    by_commune = sql_counts(
        f"SELECT c.insee_code, COUNT(DISTINCT a.beneficiary_id) {seen} GROUP BY c.insee_code",
        params,
    )
    total = sql_scalar(f"SELECT COUNT(DISTINCT a.beneficiary_id) {seen}", params)

    board = territory_dashboard(territory=territory, period=NOVEMBER)
    assert {r.insee: r.people_helped for r in board.communes} == by_commune
    assert by_commune == {"59212": 4, "59400": 4}
    assert board.total.people_helped == total == 7  # not 8: she counts once
    merville_report = attendance_report(commune=merville, period=NOVEMBER)
    assert merville_report.people_helped == by_commune["59400"]


def test_dashboard_figures_and_comparison_match_sql(
    history, territory, estaires, merville, adviser, permanence
):
    # October (the previous period): a first visit recorded, on top of one appointment seen.
    add_record(
        commune=estaires,
        adviser=adviser,
        venue=permanence.venue,
        day=dt.date(2026, 10, 28),
        first_visit=True,
    )
    board = territory_dashboard(territory=territory, period=NOVEMBER)
    previous = board.previous_period

    def appointments(period, status):
        start, end = period.bounds()
        return sql_counts(
            "SELECT p.commune_id, COUNT(*) FROM scheduling_appointment a "
            "JOIN scheduling_permanence p ON p.id = a.permanence_id "
            "WHERE a.start >= %s AND a.start < %s AND a.status = %s GROUP BY p.commune_id",
            [start, end, status],
        )

    def first_visits(period):
        return sql_counts(
            "SELECT r.commune_id, COUNT(*) FROM activity_activityparticipant pa "
            "JOIN activity_activityrecord r ON r.id = pa.record_id "
            "WHERE r.territory_id = %s AND r.date >= %s AND r.date <= %s AND pa.first_visit = %s "
            "GROUP BY r.commune_id",
            [territory.pk, period.start, period.end, True],
        )

    seen, visits = appointments(NOVEMBER, "seen"), first_visits(NOVEMBER)
    for row, commune in ((board.communes[0], estaires), (board.communes[1], merville)):
        assert row.appointments.seen == seen.get(commune.pk, 0)
        assert row.appointments.noshow == appointments(NOVEMBER, "noshow").get(commune.pk, 0)
        assert row.first_visits == visits.get(commune.pk, 0)
    assert [r.first_visits for r in board.communes] == [3, 1]

    by_adviser = sql_counts(
        "SELECT p.adviser_id, COUNT(*) FROM scheduling_appointment a "
        "JOIN scheduling_permanence p ON p.id = a.permanence_id "
        "WHERE a.start >= %s AND a.start < %s AND a.status = 'seen' GROUP BY p.adviser_id",
        list(NOVEMBER.bounds()),
    )
    assert board.advisers[0].appointments.seen == by_adviser[adviser.pk] == 8

    compared = {c.key: (c.current, c.previous) for c in board.comparison}
    assert (
        compared["seen"]
        == (
            sum(seen.values()),
            sum(appointments(previous, "seen").values()),
        )
        == (8, 1)
    )
    assert (
        compared["first_visits"]
        == (
            sum(visits.values()),
            sum(first_visits(previous).values()),
        )
        == (4, 1)
    )
    assert compared["people_helped"] == (7, 1)
    # From 2 October: Estaires' Wednesdays 7, 14, 21, 28 and Merville's Thursdays 8, 15, 22,
    # 29, three hours each.
    assert compared["offered_hours"] == (3 * 3 + 4 * 3, 8 * 3)
    assert compared["sessions_held"] == (1, 0)


def test_report_queries_do_not_grow(
    django_assert_num_queries, history, territory, estaires, adviser, permanence
):
    with django_assert_num_queries(12):  # 10 + La Coop + the answers to the confirmations
        attendance_report(commune=estaires, period=AUTUMN)
    with django_assert_num_queries(15):
        territory_dashboard(territory=territory, period=NOVEMBER)
    add_appointments(
        permanence, [(day, hour, "seen") for day in WEDNESDAYS[:3] for hour in (10, 11)]
    )
    for day in WEDNESDAYS:
        add_record(commune=estaires, adviser=adviser, venue=permanence.venue, day=day)
    with django_assert_num_queries(12):  # 10 + La Coop + the answers to the confirmations
        attendance_report(commune=estaires, period=AUTUMN)
    with django_assert_num_queries(15):
        territory_dashboard(territory=territory, period=NOVEMBER)


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
