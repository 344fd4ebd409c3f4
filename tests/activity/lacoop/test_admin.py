"""The La Coop connection in the admin: entered by the Service Culture, the secret never
shown back; the imported activities read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cadran.activity.lacoop.models import PRODUCTION_URL, LaCoopConnection
from tests import factories as f
from tests.activity.factories import ImportedActivityFactory, LaCoopConnectionFactory

pytestmark = pytest.mark.django_db

SECRET = "tres-secret-0123456789-abcd"


def test_culture_service_adds_its_connection_with_production_default(client, culture_user):
    client.force_login(culture_user)
    url = reverse("admin:activity_lacoopconnection_add")
    page = client.get(url).content.decode()
    assert PRODUCTION_URL in page
    response = client.post(
        url,
        {
            "base_url": PRODUCTION_URL,
            "client_id": "ccfl",
            "client_secret": SECRET,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = LaCoopConnection.objects.get()
    assert connection.territory == culture_user.territory
    assert connection.bearer_token == f"ccfl:{SECRET}"
    # Only once per territory.
    assert client.get(url).status_code == 403


def test_secret_is_never_shown_back_and_kept_when_left_empty(client, culture_user):
    connection = LaCoopConnectionFactory(territory=culture_user.territory, client_secret=SECRET)
    client.force_login(culture_user)
    url = reverse("admin:activity_lacoopconnection_change", args=[connection.pk])
    page = client.get(url).content.decode()
    assert SECRET not in page
    assert SECRET[:-4] not in page
    assert "••••••••abcd" in page
    response = client.post(
        url,
        {"base_url": PRODUCTION_URL, "client_id": "autre", "client_secret": "", "is_active": "on"},
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.client_id == "autre"
    assert connection.client_secret == SECRET
    listing = client.get(reverse("admin:activity_lacoopconnection_changelist")).content.decode()
    assert SECRET not in listing


def test_coordinator_reads_but_does_not_change(client, coordinator):
    connection = LaCoopConnectionFactory(territory=coordinator.territory)
    client.force_login(coordinator)
    url = reverse("admin:activity_lacoopconnection_change", args=[connection.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert connection.client_secret not in page.content.decode()


def test_other_territory_connection_is_a_404(client, culture_user):
    other = LaCoopConnectionFactory(territory=f.TerritoryFactory(slug="ccco"))
    client.force_login(culture_user)
    url = reverse("admin:activity_lacoopconnection_change", args=[other.pk])
    assert client.get(url).status_code == 404


def test_imported_activities_are_read_only(client, culture_user, adviser):
    activity = ImportedActivityFactory(adviser=adviser)
    client.force_login(culture_user)
    assert client.get(reverse("admin:activity_importedactivity_changelist")).status_code == 200
    page = client.get(reverse("admin:activity_importedactivity_change", args=[activity.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:activity_importedactivity_add")).status_code == 403


def test_sync_now_action_queues_a_sync(
    client, culture_user, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    connection = LaCoopConnectionFactory(territory=culture_user.territory)
    client.force_login(culture_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:activity_lacoopconnection_changelist"),
            {"action": "sync_now", "_selected_action": [connection.pk]},
        )
    assert response.status_code == 302
    assert DBTaskResult.objects.get().args_kwargs["args"] == [connection.pk]


def test_coordinator_cannot_queue_a_sync(client, coordinator):
    LaCoopConnectionFactory(territory=coordinator.territory)
    client.force_login(coordinator)
    page = client.get(reverse("admin:activity_lacoopconnection_changelist")).content.decode()
    assert "sync_now" not in page
