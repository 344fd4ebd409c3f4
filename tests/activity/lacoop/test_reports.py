"""The commune report folds in the activities read from La Coop: added to its figures,
shown with their origin, an activity recorded in both tools counted once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadran.activity.lacoop.models import ImportedActivity, LaCoopKind
from cadran.activity.lacoop.sync import mark_duplicates
from cadran.reporting.exports import FROM_LACOOP, FROM_LACOOP_F, report_document, report_json
from cadran.reporting.selectors import Period, attendance_report
from tests.activity.factories import ActivityRecordFactory, ImportedActivityFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
DAY = dt.date(2026, 11, 25)


@pytest.fixture
def own(adviser, estaires):
    """Cadran's record: an individual help of 60 minutes in Estaires on the 25th."""
    return ActivityRecordFactory(
        adviser=adviser, date=DAY, duration_minutes=60, venue__commune=estaires
    )


def _imported(adviser, commune, **kwargs):
    return ImportedActivityFactory(adviser=adviser, commune=commune, date=DAY, **kwargs)


def activity(commune):
    return attendance_report(commune=commune, period=NOVEMBER).activity


@pytest.mark.parametrize(("minutes", "counted"), [(65, 1), (55, 1), (66, 2), (54, 2)])
def test_duration_off_by_5_is_the_same_activity_by_6_another(
    own, adviser, estaires, minutes, counted
):
    _imported(adviser, estaires, duration_minutes=minutes)
    act = activity(estaires)
    assert act.individual == counted
    assert act.lacoop_duplicates == 2 - counted
    assert act.lacoop_individual == counted - 1


def test_a_duplicated_activity_counts_once_and_is_marked(own, adviser, estaires):
    imported = _imported(adviser, estaires, duration_minutes=60, accompaniments=1)
    act = activity(estaires)
    assert (act.individual, act.accompaniments) == (1, 1)
    assert (act.from_lacoop, act.lacoop_duplicates) == (0, 1)
    assert mark_duplicates(adviser.territory_id) == 1
    imported.refresh_from_db()
    assert imported.duplicate_of == own
    assert mark_duplicates(adviser.territory_id) == 0  # idempotent


def test_the_same_activity_located_elsewhere_is_not_counted_twice(own, adviser, merville):
    # Recorded in Cadran in Estaires, in La Coop in Merville: counted in Estaires only.
    _imported(adviser, merville, duration_minutes=60)
    assert activity(merville).individual == 0
    assert activity(merville).lacoop_duplicates == 1


def test_imported_activities_are_added_with_their_origin(own, adviser, estaires):
    _imported(
        adviser,
        estaires,
        duration_minutes=30,
        kind=LaCoopKind.DEMARCHE,
        thematiques=["aide_aux_demarches_administratives", "email"],
        autonomie="autonome",
        oriented=True,
        structure_redirection="administration",
    )
    _imported(adviser, estaires, kind=LaCoopKind.COLLECTIF, duration_minutes=120, accompaniments=9)
    act = activity(estaires)
    assert (act.individual, act.collective) == (2, 1)
    assert (act.lacoop_individual, act.lacoop_collective) == (1, 1)
    assert act.accompaniments == 1 + 1 + 9
    assert act.lacoop_accompaniments == 10
    thematiques = {t.key: t.value for t in act.by_thematique}
    assert thematiques["aide_aux_demarches_administratives"] == 2
    assert thematiques["email"] == 2  # the workshop's too
    assert {t.key: t.value for t in act.by_autonomy}["autonome"] == 1
    assert {t.key: t.value for t in act.by_redirection}["administration"] == 1
    assert sum(t.value for t in act.by_autonomy) == act.individual

    report = attendance_report(commune=estaires, period=NOVEMBER)
    key_figures = next(t for t in report_document(report, masked=False).tables)
    labels = [row[0] for row in key_figures.rows]
    assert FROM_LACOOP in labels and FROM_LACOOP_F in labels
    origin = next(t for t in report_document(report, masked=False).tables if t.key == "la_coop")
    assert origin.rows[0] == ["Accompagnements individuels comptés", 1]
    assert report_json(report, masked=False)["activities"]["from_lacoop"]["collective"] == 1


def test_unmatched_and_deleted_ones_are_not_folded(adviser, estaires, frozen_now):
    ImportedActivityFactory(adviser=None, territory=adviser.territory, commune=estaires, date=DAY)
    _imported(adviser, estaires, deleted_at=frozen_now)
    act = activity(estaires)
    assert (act.individual, act.from_lacoop, act.lacoop_unmatched) == (0, 0, 1)


def test_a_report_without_la_coop_shows_no_la_coop_line(own, estaires):
    report = attendance_report(commune=estaires, period=NOVEMBER)
    assert not report.activity.has_lacoop
    document = report_document(report, masked=False)
    assert all(t.key != "la_coop" for t in document.tables)
    assert FROM_LACOOP not in [row[0] for row in document.tables[0].rows]


def test_folding_never_counts_less_than_own_nor_more_than_both(adviser, estaires, own):
    ActivityRecordFactory(adviser=adviser, date=DAY, collective=True, venue__commune=estaires)
    for minutes in (58, 61, 70):
        _imported(adviser, estaires, duration_minutes=minutes)
    _imported(adviser, estaires, kind=LaCoopKind.COLLECTIF, duration_minutes=90)
    act = activity(estaires)
    own_count = 2
    imported_count = ImportedActivity.objects.count()
    total = act.individual + act.collective
    assert own_count <= total <= own_count + imported_count
    # 58 is the record (closest free within 5 minutes), 61 and 70 are not; the workshop is.
    assert (act.individual, act.collective, act.lacoop_duplicates) == (3, 1, 2)


def test_the_report_page_shows_the_origin(client, culture_user, own, adviser, estaires):
    _imported(adviser, estaires, duration_minutes=20)
    client.force_login(culture_user)
    page = client.get(
        reverse("reporting:commune", args=[estaires.insee_code]),
        {"du": "2026-11-01", "au": "2026-11-30"},
    ).content.decode()
    assert FROM_LACOOP_F in page
    assert "Activités saisies dans La Coop de la médiation numérique" in page
