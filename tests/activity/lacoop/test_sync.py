"""The sync: matched by e-mail, kept aside when unmatched, idempotent, incremental,
following changes and deletions, storing its errors in French."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine

from cadran.activity.lacoop.client import LaCoopClient, isoformat
from cadran.activity.lacoop.models import ImportedActivity, LaCoopConnection
from cadran.activity.lacoop.sync import SYNCED_FIELDS, sync_connection
from cadran.core.clock import PARIS
from tests import factories as f
from tests.activity.factories import ActivityRecordFactory
from tests.activity.lacoop.standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    activite,
    structure,
    utilisateur,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

MEDIATEUR = str(uuid.uuid4())
STRANGER = str(uuid.uuid4())


def _activity(**attrs):
    base = {
        "mediateur_id": MEDIATEUR,
        "type": "individuel",
        "date": "2026-11-25",
        "duree": 60,
        "accompagnements": 1,
        "type_lieu": "domicile",
        "structure_id": None,
        "lieu_code_insee": "59212",
        "creation": "2026-11-25T10:00:00Z",
        "modification": "2026-11-25T10:00:00Z",
        "suppression": None,
        "thematiques": ["email", "sante"],
    }
    return activite(**{**base, **attrs})


@pytest.fixture
def world(lacoop, connection, adviser, estaires, merville):
    """Four activities of the adviser (one at a structure in Merville), one of an unknown
    médiateur in Estaires (kept aside), one of a médiateur elsewhere (not stored)."""
    lacoop.items["/utilisateurs"] += [
        utilisateur(adviser.email.upper(), MEDIATEUR),
        utilisateur("quelquun@ailleurs.fr", STRANGER),
    ]
    hall = structure("59400", nom="Salle des fêtes")
    lacoop.items["/structures"].append(hall)
    lacoop.activities.extend(
        [
            _activity(),
            _activity(type="demarche_administrative", duree=45),
            _activity(
                type="collectif",
                duree=120,
                accompagnements=8,
                type_lieu="lieu_activite",
                structure_id=hall["id"],
                lieu_code_insee=None,
            ),
            _activity(date="2026-11-20"),
            _activity(mediateur_id=STRANGER),
            _activity(mediateur_id=STRANGER, lieu_code_insee="75056"),
        ]
    )
    # Listed (latest modification first) in this order.
    for minute, item in zip(range(50, 0, -1), lacoop.activities, strict=False):
        item["attributes"]["modification"] = f"2026-11-25T10:{minute:02d}:00Z"
    return lacoop


def _snapshot():
    return sorted(
        ImportedActivity.objects.values_list("external_id", *SYNCED_FIELDS, "imported_at")
    )


def test_first_sync_matches_by_email_and_keeps_unmatched_aside(world, connection, adviser):
    result = sync_connection(connection)
    assert (result.read, result.created, result.skipped) == (6, 5, 1)
    assert ImportedActivity.objects.filter(adviser=adviser).count() == 4
    aside = ImportedActivity.objects.get(adviser__isnull=True)
    assert aside.commune.insee_code == "59212"
    workshop = ImportedActivity.objects.get(kind="collectif")
    assert workshop.commune.insee_code == "59400"  # the structure's code INSEE
    assert workshop.accompaniments == 8 and workshop.duration_minutes == 120
    assert ImportedActivity.objects.get(kind="demarche_administrative").thematiques == [
        "email",
        "sante",
    ]
    connection.refresh_from_db()
    assert connection.last_error == ""
    assert connection.unmatched_count == 1
    # The moment the sync started (the clock is frozen at NOW, ticking).
    started = dt.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
    assert dt.timedelta(0) <= connection.last_synced_at - started < dt.timedelta(minutes=1)
    # Only the structures needed were asked for.
    assert world.requests_to("/structures") == [
        {"page[size]": "500", "ids": world.items["/structures"][0]["id"]}
    ]


def test_second_sync_changes_nothing_and_asks_only_for_changes(world, connection):
    sync_connection(connection)
    before = _snapshot()
    connection.refresh_from_db()
    first_start = connection.last_synced_at
    result = sync_connection(connection)
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert _snapshot() == before
    last_call = world.requests_to("/activites")[-1]
    assert last_call["filter[modification][depuis]"] == isoformat(first_start)


def test_full_resync_of_the_same_data_changes_nothing(world, connection):
    sync_connection(connection)
    before = _snapshot()
    LaCoopConnection.objects.filter(pk=connection.pk).update(last_synced_at=None)
    connection.refresh_from_db()
    result = sync_connection(connection)
    assert (result.created, result.updated, result.unchanged, result.skipped) == (0, 0, 5, 1)
    assert _snapshot() == before


def test_modified_and_deleted_activities_follow(world, connection):
    sync_connection(connection)
    changed, removed = world.activities[0], world.activities[3]
    changed["attributes"].update(duree=90, modification="2026-11-27T12:00:00Z")
    removed["attributes"].update(
        modification="2026-11-27T12:30:00Z", suppression="2026-11-27T12:30:00Z"
    )
    connection.refresh_from_db()
    with time_machine.travel(dt.datetime(2026, 11, 27, 15, 0, tzinfo=PARIS), tick=False):
        result = sync_connection(connection)
    assert (result.read, result.updated, result.deleted, result.created) == (2, 1, 1, 0)
    assert ImportedActivity.objects.get(external_id=changed["id"]).duration_minutes == 90
    gone = ImportedActivity.objects.get(external_id=removed["id"])
    assert gone.deleted_at == dt.datetime(2026, 11, 27, 12, 30, tzinfo=dt.UTC)
    assert not ImportedActivity.objects.countable().filter(pk=gone.pk).exists()


def test_errors_are_stored_in_french_and_cleared_by_the_next_success(world, connection):
    connection.client_secret = "mauvais"
    connection.save()
    result = sync_connection(connection)
    connection.refresh_from_db()
    assert "refuse les identifiants" in result.error
    assert connection.last_error == result.error
    assert connection.last_synced_at is None
    assert not ImportedActivity.objects.exists()
    connection.client_secret = "secret-de-test-0123456789"
    connection.save()
    sync_connection(connection)
    connection.refresh_from_db()
    assert connection.last_error == "" and connection.last_synced_at is not None


def test_an_activity_kept_aside_is_matched_when_the_adviser_appears(world, connection, territory):
    sync_connection(connection)
    newcomer = f.UserFactory(adviser=True, territory=territory, email="quelquun@ailleurs.fr")
    connection.refresh_from_db()
    result = sync_connection(connection)
    assert result.rematched == 1
    assert ImportedActivity.objects.filter(adviser=newcomer).count() == 1
    connection.refresh_from_db()
    assert connection.unmatched_count == 0


def test_another_territory_adviser_with_the_address_is_not_matched(world, connection, adviser):
    other = f.TerritoryFactory(slug="ccco")
    f.UserFactory(adviser=True, territory=other, email="quelquun@ailleurs.fr")
    sync_connection(connection)
    assert ImportedActivity.objects.filter(adviser__territory=other).count() == 0


def test_sync_marks_an_activity_already_recorded_in_cadran(world, connection, adviser, estaires):
    own = ActivityRecordFactory(
        adviser=adviser, date=dt.date(2026, 11, 25), duration_minutes=55, venue__commune=estaires
    )
    sync_connection(connection)
    individual = ImportedActivity.objects.get(
        kind="individuel", date=dt.date(2026, 11, 25), adviser=adviser
    )
    assert individual.duplicate_of == own
    # The démarche of the same day (45 min) is not the same activity: 10 minutes apart.
    assert ImportedActivity.objects.get(kind="demarche_administrative").duplicate_of is None


def test_a_sync_cut_short_keeps_its_pages_and_the_next_one_finishes(world, connection):
    small_pages = LaCoopClient(world.base_url, CLIENT_ID, CLIENT_SECRET, page_size=2)
    world.fail_with, world.fail_after_cursor = 503, True
    result = sync_connection(connection, client=small_pages)
    assert "momentanément indisponible" in result.error
    assert ImportedActivity.objects.count() == 2  # the first page
    connection.refresh_from_db()
    assert connection.last_synced_at is None and connection.last_error == result.error
    world.fail_with = None
    result = sync_connection(connection, client=small_pages)
    assert (result.error, result.created, result.unchanged) == ("", 3, 2)
    assert len(world.requests_to("/activites")) == 2 + 3  # cut at page 2, then all 3 pages
