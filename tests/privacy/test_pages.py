"""The policy page, the processing register, the notices and the warnings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cadran.core.models import AuditLog
from cadran.privacy.models import RetentionPolicy
from cadran.scheduling.slots import make_slot_id
from tests import factories as f
from tests.activity.factories import ActivityRecordFactory

from .conftest import paris

pytestmark = pytest.mark.django_db


@pytest.fixture
def culture(client, culture_user):
    client.force_login(culture_user)
    return client


def test_policy_page_shows_the_rules_and_the_next_purges(culture, person):
    page = culture.get(reverse("privacy:policy")).content.decode()
    assert "<h1>Données personnelles : durées de conservation</h1>" in page
    assert "12 mois après le dernier rendez-vous" in page
    assert "3 mois après l'atelier" in page
    assert "Prochaines purges" in page and '<th scope="row">Personnes accompagnées</th>' in page


def test_policy_can_be_shortened_and_is_logged(culture, territory):
    url = reverse("privacy:policy")
    response = culture.post(
        url, {"beneficiary_months": "6", "registration_months": "2", "audit_log_months": "12"}
    )
    assert response.status_code == 302
    policy = RetentionPolicy.objects.get(territory=territory)
    assert (policy.beneficiary_months, policy.registration_months) == (6, 2)
    assert AuditLog.objects.filter(action="privacy.policy_changed").exists()
    # The notices follow.
    page = culture.get(reverse("public:privacy")).content.decode()
    assert "6 mois après votre dernier rendez-vous" in page
    assert "2 mois après l&#x27;atelier" in page or "2 mois après l'atelier" in page


def test_policy_refuses_a_too_long_duration(culture, territory):
    response = culture.post(
        reverse("privacy:policy"),
        {"beneficiary_months": "60", "registration_months": "3", "audit_log_months": "12"},
    )
    assert response.status_code == 200
    assert "Au plus 36 mois" in response.content.decode()


def test_register_is_written_from_the_settings_and_the_policy(culture, territory, settings):
    settings.CADRAN_STAFF_IDLE_MINUTES = 20
    RetentionPolicy.objects.create(territory=territory, registration_months=2)
    page = culture.get(reverse("privacy:register")).content.decode()
    assert "<h1>Registre des traitements</h1>" in page
    assert "Communauté de communes Flandre Lys" in page
    assert "2 mois après l" in page and "12 mois après le dernier rendez-vous" in page
    assert "20 minutes" in page
    assert "article 6, paragraphe 1, point e" in page
    assert "Prêts de matériel" in page


def test_public_privacy_page_covers_workshops_and_statistics(client, territory):
    page = client.get(reverse("public:privacy")).content.decode()
    assert "12 mois après votre dernier rendez-vous" in page
    assert "3 mois après l" in page
    assert "Statistiques nationales des conseillers numériques" in page


def test_notice_before_the_public_booking_form(client, territory, permanence, frozen_now):
    slot = make_slot_id(permanence.pk, paris(2026, 12, 2, 9))
    page = client.get(reverse("public:book", args=["estaires", slot])).content.decode()
    # A two-line notice (controller, purpose) before the form, the full text one link away.
    assert page.index('id="notice-short"') < page.index("<form")
    assert territory.name in page and "organiser votre rendez-vous" in page
    privacy = reverse("public:privacy")
    assert f'href="{privacy}"' in page
    full = client.get(privacy).content.decode()
    assert "12 mois après votre dernier rendez-vous" in full


def test_staff_booking_form_reminds_to_read_the_notice(client, adviser, permanence, frozen_now):
    client.force_login(adviser)
    slot = make_slot_id(permanence.pk, paris(2026, 12, 2, 9))
    page = client.get(reverse("staff:book") + f"?creneau={slot}").content.decode()
    assert (
        "Lire les mentions d&#x27;information" in page or "Lire les mentions d'information" in page
    )


def test_free_text_notes_carry_the_warning(client, adviser, permanence, frozen_now):
    client.force_login(adviser)
    record = ActivityRecordFactory(adviser=adviser, venue=permanence.venue)
    page = client.get(reverse("activity:record_edit", args=[record.pk])).content.decode()
    assert "sensitive-warning" in page and "santé" in page


def test_notice_before_the_public_workshop_registration_form(client, person, travel):
    travel(paris(2026, 11, 27, 10))
    session = person["session"]
    session.status = "scheduled"
    session.save()
    page = client.get(reverse("public:session_register", args=[session.pk])).content.decode()
    assert page.index("Vos données personnelles") < page.index('<form method="post"')
    assert "3 mois après l" in page


def test_cancel_reason_carries_the_warning(client, adviser, permanence, frozen_now):
    client.force_login(adviser)
    booked = f.AppointmentFactory(permanence=permanence, start=paris(2026, 12, 2, 9))
    page = client.get(reverse("staff:appointment", args=[booked.pk]))
    assert 'id="avertissement-motif"' in page.content.decode()
