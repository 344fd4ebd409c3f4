"""The programme through the CCFL's circuit (Service Culture → COTECH Esperluette →
Commission Culture, as its data gives it): draft → proposed (COTECH) → approved | refused
(Commission) → published → archived; only the Service Culture moves it; every step is kept
and audit-logged. Other circuits: test_circuit.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cadran.core.models import AuditLog
from cadran.workshops import services
from cadran.workshops.enums import WorkshopStatus
from tests import factories as f

from .factories import SessionFactory, WorkshopFactory

pytestmark = pytest.mark.usefixtures("frozen_now", "ccfl_circuit")

COTECH = dt.date(2026, 10, 8)
COMMISSION = dt.date(2026, 10, 22)


@pytest.fixture
def draft(territory, fmt, culture_user):
    return services.create_workshop(
        territory=territory,
        title="Premiers pas sur l'ordinateur",
        description="Allumer, la souris, le clavier.",
        format=fmt,
        is_cycle=True,
        by=culture_user,
    )


def test_create_workshop_is_a_draft_with_the_format_level(draft, fmt, culture_user):
    assert draft.status == WorkshopStatus.DRAFT
    assert draft.level == fmt.level
    entry = AuditLog.objects.for_object(draft).get()
    assert entry.action == "workshop.created"
    assert entry.actor == culture_user


def test_the_whole_workflow_keeps_every_step_with_who_when_and_remarks(draft, culture_user):
    services.propose_workshop(
        workshop=draft, meeting_date=COTECH, remarks="Bon accueil", by=culture_user
    )
    services.approve_workshop(workshop=draft, meeting_date=COMMISSION, by=culture_user)
    services.publish_workshop(workshop=draft, by=culture_user)
    workshop = services.archive_workshop(workshop=draft, by=culture_user, remarks="Fin de saison")
    assert workshop.status == WorkshopStatus.ARCHIVED
    steps = list(
        workshop.reviews.values_list(
            "from_status", "to_status", "step_name", "meeting_date", "remarks", "by"
        )
    )
    assert steps == [
        ("draft", "proposed", "COTECH Esperluette", COTECH, "Bon accueil", culture_user.pk),
        ("proposed", "approved", "Commission Culture", COMMISSION, "", culture_user.pk),
        ("approved", "published", "Service Culture", None, "", culture_user.pk),
        ("published", "archived", "Service Culture", None, "Fin de saison", culture_user.pk),
    ]
    assert all(r.at is not None for r in workshop.reviews.all())
    actions = list(
        AuditLog.objects.for_object(workshop).order_by("pk").values_list("action", "actor")
    )
    assert actions == [
        ("workshop.created", culture_user.pk),
        ("workshop.proposed", culture_user.pk),
        ("workshop.approved", culture_user.pk),
        ("workshop.published", culture_user.pk),
        ("workshop.archived", culture_user.pk),
    ]
    proposed = AuditLog.objects.for_object(workshop).get(action="workshop.proposed")
    assert "08/10/2026" in proposed.description and "Bon accueil" in proposed.description


def test_refusal_needs_remarks_and_a_refused_workshop_can_be_changed_and_proposed_again(
    draft, culture_user
):
    services.propose_workshop(workshop=draft, meeting_date=COTECH, by=culture_user)
    with pytest.raises(ValidationError, match="pourquoi"):
        services.refuse_workshop(
            workshop=draft, meeting_date=COMMISSION, remarks=" ", by=culture_user
        )
    services.refuse_workshop(
        workshop=draft,
        meeting_date=COMMISSION,
        remarks="Trop proche d'un autre",
        by=culture_user,
    )
    services.update_workshop(
        workshop=draft, title="Premiers pas (nouvelle version)", by=culture_user
    )
    workshop = services.propose_workshop(
        workshop=draft, meeting_date=dt.date(2026, 11, 12), by=culture_user
    )
    assert workshop.status == WorkshopStatus.PROPOSED
    assert workshop.title == "Premiers pas (nouvelle version)"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (WorkshopStatus.DRAFT, "approve"),
        (WorkshopStatus.DRAFT, "publish"),
        (WorkshopStatus.PROPOSED, "publish"),
        (WorkshopStatus.PROPOSED, "propose"),
        (WorkshopStatus.APPROVED, "propose"),
        (WorkshopStatus.REFUSED, "publish"),
        (WorkshopStatus.PUBLISHED, "approve"),
        (WorkshopStatus.ARCHIVED, "publish"),
        (WorkshopStatus.ARCHIVED, "archive"),
    ],
)
def test_illegal_transitions_are_refused_and_leave_no_trace(
    territory, culture_user, status, action
):
    workshop = WorkshopFactory(territory=territory, status=status)
    calls = {
        "propose": lambda: services.propose_workshop(
            workshop=workshop, meeting_date=COTECH, by=culture_user
        ),
        "approve": lambda: services.approve_workshop(
            workshop=workshop, meeting_date=COMMISSION, by=culture_user
        ),
        "publish": lambda: services.publish_workshop(workshop=workshop, by=culture_user),
        "archive": lambda: services.archive_workshop(workshop=workshop, by=culture_user),
    }
    with pytest.raises(ValidationError, match="Impossible"):
        calls[action]()
    workshop.refresh_from_db()
    assert workshop.status == status
    assert not workshop.reviews.exists()
    assert not AuditLog.objects.for_object(workshop).exists()


@pytest.mark.parametrize("role", ["coordinator", "adviser", "librarian", "referent"])
def test_only_the_service_culture_moves_the_workflow(draft, territory, role):
    other = f.UserFactory(territory=territory, **{role: True})
    with pytest.raises(ValidationError) as excinfo:
        services.propose_workshop(workshop=draft, meeting_date=COTECH, by=other)
    assert excinfo.value.code == "forbidden"


def test_service_culture_of_another_territory_cannot(draft):
    stranger = f.UserFactory(culture_service=True, territory=f.TerritoryFactory(slug="autre"))
    with pytest.raises(ValidationError):
        services.propose_workshop(workshop=draft, meeting_date=COTECH, by=stranger)


def test_commission_date_must_be_past_and_after_the_cotech(draft, culture_user):
    """The Commission's date (the last step's) has passed and follows the COTECH's."""
    services.propose_workshop(workshop=draft, meeting_date=COTECH, by=culture_user)
    with pytest.raises(ValidationError, match="déjà eu lieu"):
        services.approve_workshop(
            workshop=draft, meeting_date=dt.date(2026, 12, 10), by=culture_user
        )
    with pytest.raises(ValidationError, match="après « COTECH Esperluette » du 08/10/2026"):
        services.approve_workshop(
            workshop=draft, meeting_date=dt.date(2026, 10, 1), by=culture_user
        )


def test_a_proposed_workshop_can_no_longer_be_edited(draft, culture_user):
    services.propose_workshop(workshop=draft, meeting_date=COTECH, by=culture_user)
    with pytest.raises(ValidationError, match="déjà été proposé"):
        services.update_workshop(workshop=draft, title="Autre", by=culture_user)


def test_archiving_is_refused_while_sessions_are_to_come(session, culture_user):
    with pytest.raises(ValidationError, match="encore prévues"):
        services.archive_workshop(workshop=session.workshop, by=culture_user)


def test_archiving_after_the_sessions_is_fine(territory, culture_user):
    workshop = WorkshopFactory(territory=territory)
    SessionFactory(workshop=workshop, cancelled=True)
    assert (
        services.archive_workshop(workshop=workshop, by=culture_user).status
        == WorkshopStatus.ARCHIVED
    )
