"""The audit log: what ``record`` writes and who may read it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from cadran.core import audit
from cadran.core.models import AuditLog
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_record_writes_one_entry_about_the_object(permanence, adviser, territory):
    entry = audit.record(
        actor=adviser,
        obj=permanence,
        action="permanence.changed",
        description="Horaires modifiés.",
        territory_id=territory.pk,
    )
    assert AuditLog.objects.count() == 1
    entry.refresh_from_db()
    assert entry.actor == adviser
    assert entry.territory == territory
    assert entry.action == "permanence.changed"
    assert entry.description == "Horaires modifiés."
    assert entry.content_type.model_class() is type(permanence)
    assert entry.object_id == str(permanence.pk)
    assert list(AuditLog.objects.for_object(permanence)) == [entry]
    assert list(AuditLog.objects.for_object(permanence.commune)) == []
    assert entry.created_at is not None
    assert "Horaires modifiés." in str(entry)


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_an_inhabitant_or_the_system_is_recorded_without_actor(permanence, actor):
    entry = audit.record(
        actor=actor, obj=permanence, action="x", description="y", territory_id=None
    )
    assert entry.actor is None
    assert entry.territory is None


def test_long_descriptions_are_cut_to_the_column(permanence):
    entry = audit.record(
        actor=None, obj=permanence, action="x", description="é" * 800, territory_id=None
    )
    entry.refresh_from_db()
    assert entry.description == "é" * 500


def test_entries_are_newest_first(permanence, frozen_now):
    first = audit.record(actor=None, obj=permanence, action="a", description="1", territory_id=None)
    second = audit.record(
        actor=None, obj=permanence, action="b", description="2", territory_id=None
    )
    assert list(AuditLog.objects.all()) == [second, first]


@pytest.fixture
def entries(territory, permanence):
    mine = audit.record(
        actor=None, obj=permanence, action="a", description="ici", territory_id=territory.pk
    )
    other_territory = f.TerritoryFactory()
    theirs = audit.record(
        actor=None,
        obj=other_territory,
        action="a",
        description="ailleurs",
        territory_id=other_territory.pk,
    )
    return mine, theirs


@pytest.mark.parametrize("role", ["culture_user", "coordinator"])
def test_territory_managers_see_their_territory_only(request, entries, role):
    user = request.getfixturevalue(role)
    mine, _theirs = entries
    assert list(AuditLog.objects.visible_to(user)) == [mine]


@pytest.mark.parametrize("role", ["adviser", "referent", "librarian"])
def test_other_roles_see_no_audit_entry(request, entries, role):
    user = request.getfixturevalue(role)
    assert not AuditLog.objects.visible_to(user).exists()


def test_anonymous_sees_nothing_and_superuser_everything(entries):
    assert not AuditLog.objects.visible_to(AnonymousUser()).exists()
    admin = f.UserFactory(is_superuser=True, is_staff=True, territory=None)
    assert AuditLog.objects.visible_to(admin).count() == 2
