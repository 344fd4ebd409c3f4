"""The data migration gives the territories that existed the circuit and minimum that were
in the code, and keeps the steps already taken as they were (0003_circuit_data)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("workshops", "0001_initial")
AFTER = ("workshops", "0004_remove_review_body")


def _migrate(target):
    """Migrate the workshops to ``target`` (the other apps stay as they are) and return the
    models as they were then."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] != "workshops"]
    return executor.loader.project_state([target, *others]).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Whatever this test migrated to, the next tests find every migration applied (a
    migration added after ``AFTER`` would otherwise be missing for them)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_territories_keep_the_ccfl_circuit_and_minimum():
    old = _migrate(BEFORE)
    Territory = old.get_model("territory", "Territory")
    WorkshopFormat = old.get_model("workshops", "WorkshopFormat")
    Workshop = old.get_model("workshops", "Workshop")
    WorkshopReview = old.get_model("workshops", "WorkshopReview")
    territory = Territory.objects.create(name="CC", short_name="CC", slug="cc")
    fmt = WorkshopFormat.objects.create(
        territory=territory, name="Cours", kind="beginner_course", min_attendance=4
    )
    own = WorkshopFormat.objects.create(
        territory=territory, name="Grand événement", kind="event", min_attendance=10
    )
    proposed = Workshop.objects.create(
        territory=territory, title="A", description="a", format=fmt, status="proposed"
    )
    published = Workshop.objects.create(
        territory=territory, title="B", description="b", format=fmt, status="published"
    )
    cotech, commission = dt.date(2024, 6, 13), dt.date(2024, 6, 27)
    WorkshopReview.objects.create(
        workshop=proposed,
        from_status="draft",
        to_status="proposed",
        body="cotech",
        meeting_date=cotech,
    )
    for from_status, to_status, body, meeting in [
        ("draft", "proposed", "cotech", cotech),
        ("proposed", "approved", "commission_culture", commission),
        ("approved", "published", "service_culture", None),
    ]:
        WorkshopReview.objects.create(
            workshop=published,
            from_status=from_status,
            to_status=to_status,
            body=body,
            meeting_date=meeting,
        )

    new = _migrate(AFTER)
    ReviewStep = new.get_model("workshops", "ReviewStep")
    WorkshopSettings = new.get_model("workshops", "WorkshopSettings")
    assert list(
        ReviewStep.objects.filter(territory_id=territory.pk)
        .order_by("position")
        .values_list("position", "name")
    ) == [(1, "Service Culture"), (2, "COTECH Esperluette"), (3, "Commission Culture")]
    assert WorkshopSettings.objects.get(territory_id=territory.pk).default_min_attendance == 4
    formats = new.get_model("workshops", "WorkshopFormat").objects
    assert formats.get(pk=fmt.pk).min_attendance is None  # the territory's 4
    assert formats.get(pk=own.pk).min_attendance == 10
    workshops = new.get_model("workshops", "Workshop").objects
    assert workshops.get(pk=proposed.pk).review_position == 3  # waits for the Commission
    assert workshops.get(pk=published.pk).review_position is None
    reviews = new.get_model("workshops", "WorkshopReview").objects
    assert list(
        reviews.filter(workshop_id=published.pk)
        .order_by("pk")
        .values_list("step_name", "step_position", "meeting_date")
    ) == [
        ("COTECH Esperluette", 2, cotech),
        ("Commission Culture", 3, commission),
        ("Service Culture", None, None),
    ]
