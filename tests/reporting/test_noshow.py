"""Issue 16: the no-show rate, per month, commune, permanence and workshop format."""

from __future__ import annotations

import datetime as dt

import pytest

from cadran.reporting.exports import MASKED, dashboard_document, report_document, to_csv
from cadran.reporting.selectors import (
    AppointmentCounts,
    attendance_report,
    noshow_rate,
    noshow_rate_by_confirmation,
    territory_dashboard,
)
from cadran.scheduling.enums import AppointmentStatus
from cadran.workshops.enums import RegistrationStatus, SessionStatus
from cadran.workshops.models import Attendance
from tests import factories as f
from tests.workshops.factories import (
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
)

from .conftest import NOVEMBER, WEDNESDAYS, add_appointments, at

S = AppointmentStatus


def test_the_rate_is_absences_among_attendances_recorded():
    assert noshow_rate(0, 0) is None  # nothing recorded: no figure, not 0 %
    assert noshow_rate(0, 1) == 0.0
    assert noshow_rate(1, 6) == 16.7
    assert noshow_rate(3, 3) == 100.0
    counts = AppointmentCounts()
    for status in (S.SEEN, S.SEEN, S.NOSHOW, S.EXCUSED, S.REVOKED, S.BOOKED):
        counts.add_status(status, 1, 30)
    # Cancellations and appointments not yet marked are not recorded attendances.
    assert (counts.recorded, counts.noshow_rate) == (3, 33.3)


def test_commune_report_rate(history, estaires):
    report = attendance_report(commune=estaires, period=NOVEMBER)
    # November in Estaires: 5 « venu », 1 « absent », 1 excused, 1 revoked.
    assert (report.appointments.recorded, report.appointments.noshow) == (6, 1)
    assert report.appointments.noshow_rate == 16.7
    assert [(r.counts.recorded, r.counts.noshow) for r in report.by_permanence] == [(6, 1)]
    assert report.by_confirmation == []  # nobody was asked « Vous venez toujours ? »
    doc = report_document(report, masked=False)
    keys = dict((row[0], row[1]) for row in doc.tables[0].rows)
    assert keys["Taux d'absence aux rendez-vous (%)"] == 16.7
    month = next(t for t in doc.tables if t.key == "mois")
    assert month.headers[-1] == "Taux d'absence (%)"
    assert month.rows[0][-1] == 16.7
    # One permanence: its rate is the key figure, no table of one row.
    assert "absences_permanences" not in [t.key for t in doc.tables]


def test_what_goes_to_the_commune_hides_a_rate_that_gives_one_or_two_people_away(history, estaires):
    doc = report_document(attendance_report(commune=estaires, period=NOVEMBER), masked=True)
    keys = dict((row[0], row[1]) for row in doc.tables[0].rows)
    assert keys["Taux d'absence aux rendez-vous (%)"] == MASKED  # 1 absence
    assert "16,7" not in to_csv(doc) and "16.7" not in to_csv(doc)


def test_two_permanences_get_their_table_with_a_chart(history, estaires, permanence, adviser):
    other = f.PermanenceFactory(
        commune=estaires, adviser=adviser, venue=permanence.venue, weekday=4
    )
    day = dt.date(2026, 11, 6)
    add_appointments(other, [(day, 9, S.NOSHOW), (day, 10, S.NOSHOW), (day, 11, S.SEEN)])
    doc = report_document(
        attendance_report(commune=estaires, period=NOVEMBER), masked=False
    ).with_charts()
    table = next(t for t in doc.tables if t.key == "absences_permanences")
    assert sorted(row[1] for row in table.rows) == [16.7, 66.7]
    assert 'id="graphique-absences_permanences-bar-1"' in table.chart


def test_dashboard_rates(history, territory):
    board = territory_dashboard(territory=territory, period=NOVEMBER)
    doc = dashboard_document(board)
    tables = {t.key: t for t in doc.tables}
    assert tables["absences_mois"].rows == [["Novembre 2026", 9, 1, 11.1]]
    communes = {row[0]: row[1:] for row in tables["absences_communes"].rows}
    assert communes["Estaires"] == [6, 1, 16.7]
    assert communes["Merville"] == [3, 0, 0.0]
    assert communes["Tout le territoire"] == [9, 1, 11.1]
    assert sorted(row[3] for row in tables["absences_permanences"].rows) == [0.0, 16.7]
    # The workshop held in November: 3 present, 1 absent at the call.
    assert [row[1:] for row in tables["absences_formats"].rows] == [[4, 1, 25.0]]


def test_dashboard_month_rate_only_counts_the_period(history, territory):
    board = territory_dashboard(territory=territory, period=NOVEMBER)
    assert [(m.label, m.counts.recorded, m.counts.noshow) for m in board.by_month] == [
        ("novembre 2026", 9, 1)
    ]


def test_nobody_asked_gives_no_confirmation_rows(history, estaires):
    from django.db.models import Q

    assert noshow_rate_by_confirmation(NOVEMBER, Q(permanence__commune_id=estaires.pk)) == []


def test_the_rate_among_those_who_confirmed_and_those_who_did_not_answer(
    history, estaires, permanence, django_assert_num_queries
):
    from django.db.models import Q

    from cadran.scheduling.models import Appointment

    day = dt.date(2026, 11, 24)  # a Tuesday: no appointment of the history
    confirmed = add_appointments(
        permanence, [(day, 9, S.SEEN), (day, 10, S.SEEN), (day, 11, S.NOSHOW)]
    )
    silent = add_appointments(permanence, [(day, 14, S.NOSHOW), (day, 15, S.SEEN)])
    declined = add_appointments(permanence, [(day, 16, S.EXCUSED)])
    asked = at(dt.date(2026, 11, 22), 10)
    Appointment.objects.filter(pk__in=[a.pk for a in confirmed]).update(
        confirmation_asked_at=asked, confirmation_answer="yes", confirmation_answered_at=asked
    )
    Appointment.objects.filter(pk__in=[a.pk for a in silent]).update(confirmation_asked_at=asked)
    Appointment.objects.filter(pk__in=[a.pk for a in declined]).update(
        confirmation_asked_at=asked, confirmation_answer="no", confirmation_answered_at=asked
    )
    with django_assert_num_queries(1):
        rows = noshow_rate_by_confirmation(NOVEMBER, Q(permanence__commune_id=estaires.pk))
    assert [(r.label, r.counts.recorded, r.counts.noshow, r.counts.noshow_rate) for r in rows] == [
        ("Ont confirmé (« Je viens »)", 3, 1, 33.3),
        ("N'ont pas répondu", 2, 1, 50.0),
    ]
    doc = report_document(attendance_report(commune=estaires, period=NOVEMBER), masked=False)
    table = next(t for t in doc.tables if t.key == "absences_confirmation")
    assert [row[0] for row in table.rows] == [r.label for r in rows]


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_rates(
    django_assert_num_queries, history, territory, estaires, merville, adviser, permanence
):
    with django_assert_num_queries(15):
        territory_dashboard(territory=territory, period=NOVEMBER)
    for i in range(3):
        perm = f.PermanenceFactory(commune=merville, adviser=adviser, weekday=i)
        day = dt.date(2026, 11, 2 + i)
        add_appointments(perm, [(day, 9, S.NOSHOW), (day, 10, S.SEEN)])
        fmt = WorkshopFormatFactory(territory=territory, name=f"Format ajouté {i}")
        held = SessionFactory(
            workshop=WorkshopFactory(territory=territory, format=fmt),
            venue=permanence.venue,
            start=at(dt.date(2026, 11, 10 + i), 14),
            status=SessionStatus.HELD,
        )
        for present in (True, False):
            reg = RegistrationFactory(
                session=held,
                status=RegistrationStatus.PRESENT if present else RegistrationStatus.ABSENT,
            )
            Attendance.objects.create(session=held, registration=reg, present=present)
    add_appointments(permanence, [(WEDNESDAYS[0], 10, S.NOSHOW)])  # October
    with django_assert_num_queries(15):
        board = territory_dashboard(territory=territory, period=NOVEMBER)
    assert len(board.by_permanence) == 5
    with django_assert_num_queries(12):  # 10 + La Coop + the answers to the confirmations
        attendance_report(commune=merville, period=NOVEMBER)
