"""Rights of the person: find, see, export, correct, erase; each logged without a name."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.scheduling.models import Beneficiary
from tests import factories as f

from .conftest import APPOINTMENT_TOKEN, EMAIL, FIRST, LAST, NOTES, PHONE, paris

pytestmark = pytest.mark.django_db


@pytest.fixture
def culture(client, culture_user):
    client.force_login(culture_user)
    return client


def _query(person) -> str:
    return f"b={person['beneficiary'].pk}&r={person['registration'].pk}"


def _no_name_in_audit():
    for entry in AuditLog.objects.all():
        assert FIRST not in entry.description and LAST not in entry.description, entry


@pytest.mark.parametrize("words", [LAST, FIRST.lower(), "06 11 22 33 44", EMAIL])
def test_search_finds_the_person_everywhere_and_is_logged(culture, person, words):
    response = culture.post(reverse("privacy:search"), {"q": words})
    assert response.status_code == 200
    page = response.content.decode()
    b, r = person["beneficiary"], person["registration"]
    assert f'name="b" value="{b.pk}"' in page
    assert f'name="r" value="{r.pk}"' in page
    assert AuditLog.objects.filter(action="privacy.search").count() == 3  # search + 2 rows
    _no_name_in_audit()


def test_search_is_posted_never_in_the_url(culture, person):
    response = culture.get(reverse("privacy:search"), {"q": LAST})
    assert LAST not in response.content.decode()
    assert not AuditLog.objects.filter(action="privacy.search").exists()


def test_person_page_shows_everything_and_is_logged(culture, person):
    response = culture.get(f"{reverse('privacy:person')}?{_query(person)}")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        f"{FIRST} {LAST}",
        PHONE,
        EMAIL,
        person["appointment"].reference,
        person["registration"].reference,
        "ESP-123456",
        "Découvrir la tablette",
        NOTES,
        "votre rendez-vous est confirmé",
    ):
        assert text in page, text
    assert AuditLog.objects.filter(action="privacy.viewed").count() == 2
    _no_name_in_audit()


def test_person_page_queries_do_not_grow(culture, person, permanence, django_assert_num_queries):
    url = f"{reverse('privacy:person')}?{_query(person)}"
    culture.get(url)
    with django_assert_num_queries(16) as one:
        culture.get(url)
    b = person["beneficiary"]
    for week in range(1, 30):
        start = paris(2026, 12, 2, 10) + dt.timedelta(weeks=week)
        f.AppointmentFactory(permanence=permanence, beneficiary=b, start=start)
    with django_assert_num_queries(len(one.captured_queries)):
        culture.get(url)


def test_export_json_holds_everything_found(culture, person):
    culture.get(f"{reverse('privacy:person')}?{_query(person)}")
    response = culture.get(f"{reverse('privacy:person_export', args=['json'])}?{_query(person)}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert LAST not in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["personnes"][0]["nom"] == LAST
    assert data["personnes"][0]["telephone"] == PHONE
    assert data["personnes"][0]["annee_de_naissance"] == 1950
    assert data["rendez_vous"][0]["reference"] == person["appointment"].reference
    assert (
        sorted(data["rendez_vous"][0]["motifs"]) == ["E-mail", "Santé"]
        or len(data["rendez_vous"][0]["motifs"]) == 2
    )
    assert data["inscriptions"][0]["carte_de_mediatheque"] == "ESP-123456"
    assert len(data["messages"]) == 3
    assert data["comptes_rendus"][0]["notes"] == NOTES
    assert {e["action"] for e in data["journal"]} == {"privacy.viewed"}
    entries = AuditLog.objects.filter(action="privacy.exported")
    assert entries.count() == 2 and "JSON" in entries[0].description
    _no_name_in_audit()


def test_export_pdf_reads_back_with_the_name(culture, person):
    response = culture.get(f"{reverse('privacy:person_export', args=['pdf'])}?{_query(person)}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert LAST in text
    assert person["appointment"].reference in text
    assert AuditLog.objects.filter(action="privacy.exported").exists()
    _no_name_in_audit()


def test_correction_changes_the_fields_and_is_logged(culture, person):
    b = person["beneficiary"]
    url = reverse("privacy:correct_beneficiary", args=[b.pk])
    assert culture.get(url).status_code == 200
    data = {
        "first_name": FIRST,
        "last_name": "Brocoliaux-Martin",
        "phone": "07 00 11 22 33",
        "email": EMAIL,
        "notify_sms": "on",
        "residence_insee": "59212",
        "birth_year": "1951",
    }
    response = culture.post(url, data)
    assert response.status_code == 302
    b.refresh_from_db()
    assert (b.last_name, b.phone, b.birth_year, b.notify_email) == (
        "Brocoliaux-Martin",
        "07 00 11 22 33",
        1951,
        False,
    )
    entry = AuditLog.objects.get(action="privacy.corrected")
    assert "nom" in entry.description and "téléphone" in entry.description
    assert "07 00" not in entry.description and "Brocoliaux" not in entry.description


def test_registration_correction(culture, person):
    r = person["registration"]
    url = reverse("privacy:correct_registration", args=[r.pk])
    response = culture.post(
        url,
        {
            "first_name": FIRST,
            "last_name": LAST,
            "email": "nouvelle@example.org",
            "commune_insee": "59212",
            "library_card": "",
        },
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.email == "nouvelle@example.org" and r.library_card == ""
    assert AuditLog.objects.filter(action="privacy.corrected", object_id=str(r.pk)).exists()


def test_correction_refuses_a_bad_phone(culture, person):
    url = reverse("privacy:correct_beneficiary", args=[person["beneficiary"].pk])
    response = culture.post(url, {"first_name": FIRST, "last_name": LAST, "phone": "abc"})
    assert response.status_code == 200
    assert "Écrivez le numéro de téléphone en chiffres" in response.content.decode()


def test_erase_asks_for_confirmation_then_anonymises_and_logs(client, culture_user, person, travel):
    travel(paris(2027, 1, 10, 10))  # the appointment and the workshop are past
    client.force_login(culture_user)
    culture = client
    url = f"{reverse('privacy:erase')}?{_query(person)}"
    assert culture.get(url).status_code == 200
    ids = {"b": [person["beneficiary"].pk], "r": [person["registration"].pk]}
    response = culture.post(reverse("privacy:erase"), ids)
    assert response.status_code == 200
    assert "Cochez la case" in response.content.decode()
    response = culture.post(reverse("privacy:erase"), {**ids, "confirm": "on"})
    assert response.status_code == 302
    b = Beneficiary.objects.get(pk=person["beneficiary"].pk)
    assert (b.first_name, b.last_name, b.phone, b.email) == ("Anonyme", "Anonyme", "", "")
    person["registration"].refresh_from_db()
    assert person["registration"].library_card == "" and person["registration"].email == ""
    person["record"].refresh_from_db()
    assert person["record"].notes == ""
    assert not Message.objects.exclude(recipient="").filter(body__contains=FIRST).exists()
    assert AuditLog.objects.filter(action="privacy.erased").count() == 2
    _no_name_in_audit()
    # Erasing again is harmless.
    response = culture.post(reverse("privacy:erase"), {**ids, "confirm": "on"})
    assert response.status_code == 302
    # And the person is no longer found.
    page = culture.post(reverse("privacy:search"), {"q": LAST}).content.decode()
    assert "Aucune fiche ne correspond" in page
    client.logout()
    assert client.get(reverse("public:appointment", args=[APPOINTMENT_TOKEN])).status_code == 404


def test_erase_is_refused_while_an_appointment_is_to_come(culture, person, permanence):
    upcoming = f.AppointmentFactory(
        permanence=permanence,
        beneficiary=person["beneficiary"],
        start=paris(2026, 12, 9, 9),
        end=paris(2026, 12, 9, 10),
    )
    response = culture.post(
        reverse("privacy:erase"), {"b": [person["beneficiary"].pk], "confirm": "on"}
    )
    assert response.status_code == 200
    assert upcoming.reference in response.content.decode()
    person["beneficiary"].refresh_from_db()
    assert person["beneficiary"].last_name == LAST


# --- Scope ------------------------------------------------------------------------------------


def test_culture_service_of_another_territory_reaches_nothing(client, person):
    other = f.TerritoryFactory(slug="autre")
    client.force_login(f.UserFactory(culture_service=True, territory=other))
    b, r = person["beneficiary"], person["registration"]
    assert client.get(f"{reverse('privacy:person')}?b={b.pk}").status_code == 404
    assert client.get(f"{reverse('privacy:person')}?r={r.pk}").status_code == 404
    assert (
        client.get(f"{reverse('privacy:person_export', args=['json'])}?b={b.pk}").status_code == 404
    )
    assert client.get(reverse("privacy:correct_beneficiary", args=[b.pk])).status_code == 404
    assert client.get(reverse("privacy:correct_registration", args=[r.pk])).status_code == 404
    assert client.post(reverse("privacy:erase"), {"b": b.pk, "confirm": "on"}).status_code == 404
    page = client.post(reverse("privacy:search"), {"q": LAST}).content.decode()
    assert "Aucune fiche ne correspond" in page
    b.refresh_from_db()
    assert b.last_name == LAST


@pytest.mark.parametrize("role", ["coordinator", "adviser", "referent", "librarian"])
def test_other_roles_are_refused(client, person, territory, estaires, role):
    extra = {"communes": [estaires]} if role in ("adviser", "referent") else {}
    client.force_login(f.UserFactory(territory=territory, **{role: True}, **extra))
    assert client.get(f"{reverse('privacy:person')}?{_query(person)}").status_code == 403
    assert client.post(reverse("privacy:search"), {"q": LAST}).status_code == 403


def test_nav_link_only_for_the_culture_service(client, culture_user, coordinator):
    client.force_login(culture_user)
    assert "Données personnelles" in client.get(reverse("staff:home")).content.decode()
    client.force_login(coordinator)
    assert "Données personnelles</a>" not in client.get(reverse("staff:home")).content.decode()
