"""Every access to a person's record and every change of rights is audit-logged; the log
cannot be edited from the application."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cadran.accounts.enums import Role
from cadran.core.models import AuditLog
from cadran.scheduling.models import Beneficiary
from tests import factories as f

pytestmark = pytest.mark.django_db


def viewed(person) -> list[AuditLog]:
    return list(AuditLog.objects.for_object(person).filter(action="person.viewed"))


def test_opening_an_appointment_logs_an_access_to_the_person(
    client, frozen_now, adviser, permanence
):
    appointment = f.AppointmentFactory(permanence=permanence)
    client.force_login(adviser)
    assert client.get(reverse("staff:appointment", args=[appointment.pk])).status_code == 200
    (entry,) = viewed(appointment.beneficiary)
    assert entry.actor == adviser
    assert entry.territory_id == permanence.commune.territory_id
    assert appointment.reference in entry.description


def test_a_refused_access_is_not_an_access(client, frozen_now, referent, permanence):
    appointment = f.AppointmentFactory(permanence=permanence)
    client.force_login(referent)
    assert client.get(reverse("staff:appointment", args=[appointment.pk])).status_code == 403
    assert viewed(appointment.beneficiary) == []


def test_a_search_logs_each_person_shown(client, frozen_now, adviser, territory):
    shown = f.BeneficiaryFactory.create_batch(3, territory=territory, last_name="Dupont")
    other = f.BeneficiaryFactory(territory=territory, last_name="Martin")
    client.force_login(adviser)
    client.get(reverse("staff:beneficiary_search") + "?q=Dupont", headers={"HX-Request": "true"})
    for person in shown:
        assert len(viewed(person)) == 1
    assert viewed(other) == []
    content_type = ContentType.objects.get_for_model(Beneficiary)
    assert AuditLog.objects.filter(content_type=content_type, action="person.viewed").count() == 3


def test_a_role_change_in_the_admin_is_logged(client, culture_user, territory, estaires):
    person = f.UserFactory(adviser=True, territory=territory, communes=[estaires])
    client.force_login(culture_user)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": "",
        "role": Role.COORDINATOR,
        "communes": [estaires.pk],
        "library": "",
        "is_active": "on",
        "is_staff": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.role == Role.COORDINATOR
    entry = AuditLog.objects.for_object(person).get(action="account.role_changed")
    assert entry.actor == culture_user
    assert "Conseiller numérique" in entry.description or "adviser" in entry.description
    assert "coordinator" in entry.description
    assert entry.territory_id == territory.pk


def test_saving_without_a_change_of_rights_logs_nothing(client, culture_user, territory):
    person = f.UserFactory(adviser=True, territory=territory)
    client.force_login(culture_user)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    data = {
        "email": person.email,
        "first_name": "Nouveau prénom",
        "last_name": person.last_name,
        "phone": "",
        "role": Role.ADVISER,
        "library": "",
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    assert not AuditLog.objects.filter(action="account.role_changed").exists()


def test_the_audit_log_cannot_be_edited_from_the_application(client, territory, culture_user):
    from django.contrib.admin import site

    from cadran.core.admin import AuditLogAdmin

    entry = AuditLog.objects.create(
        territory=territory,
        action="appointment.booked",
        description="Entrée",
        content_type=ContentType.objects.get_for_model(AuditLog),
        object_id="1",
    )
    superuser = f.UserFactory(culture_service=True, territory=territory, is_superuser=True)
    model_admin = site._registry[AuditLog]
    assert isinstance(model_admin, AuditLogAdmin)
    client.force_login(superuser)
    request = client.get("/").wsgi_request
    request.user = superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    # Through HTTP: no add, no change, no delete, even for a superuser.
    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    response = client.post(
        reverse("admin:core_auditlog_change", args=[entry.pk]), {"description": "Effacé"}
    )
    assert response.status_code == 403
    assert (
        client.post(
            reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    response = client.post(
        reverse("admin:core_auditlog_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    entry.refresh_from_db()
    assert entry.description == "Entrée"
    # The staff page of the log is read-only too.
    client.force_login(culture_user)
    client.post(reverse("staff:audit_log"), {"description": "x", "action": "x"})
    assert AuditLog.objects.filter(pk=entry.pk, description="Entrée").exists()
