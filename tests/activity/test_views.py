"""Activity pages: pre-filled forms, scope (adviser: own; territory: all; others: 403),
every ``activity:`` URL checked, query counts that do not grow."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import URLPattern, get_resolver, reverse

from cadran.activity.models import ActivityRecord
from cadran.core.models import AuditLog
from tests import factories as f

from .factories import ActivityRecordFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


def login(client, user):
    client.force_login(user)
    return client


def checked(html: str, name: str) -> set[str]:
    """Values of the checked inputs called ``name``."""
    values = set()
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and "checked" in tag:
            values.add(re.search(r'value="([^"]*)"', tag).group(1))
    return values


def test_appointment_form_is_prefilled(client, adviser, seen_appointment):
    login(client, adviser)
    response = client.get(reverse("activity:from_appointment", args=[seen_appointment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert checked(html, "thematiques") == {"aide_aux_demarches_administratives", "sante"}
    assert checked(html, "duration") == {"60"}
    assert checked(html, "place_type") == {"lieu_activite"}
    assert checked(html, "first_visit") == {"oui"}
    assert f'<option value="{seen_appointment.permanence.venue_id}" selected>' in html
    assert 'value="1950"' in html  # birth year known from the booking
    assert 'name="anon_total"' not in html  # individual: no anonymous counts


def test_first_visit_is_no_after_an_earlier_seen_appointment(client, adviser, seen_appointment):
    f.AppointmentFactory(
        permanence=seen_appointment.permanence,
        beneficiary=seen_appointment.beneficiary,
        start=seen_appointment.start - dt.timedelta(days=7),
        seen=True,
    )
    login(client, adviser)
    html = client.get(reverse("activity:from_appointment", args=[seen_appointment.pk])).content
    assert checked(html.decode(), "first_visit") == {"non"}


def test_appointment_form_saves_and_links(client, adviser, seen_appointment):
    login(client, adviser)
    url = reverse("activity:from_appointment", args=[seen_appointment.pk])
    response = client.post(
        url,
        {
            "date": "2026-11-25",
            "duration": "personnaliser",
            "duration_hours": "1",
            "duration_extra_minutes": "20",
            "place_type": "lieu_activite",
            "venue": seen_appointment.permanence.venue_id,
            "thematiques": ["aide_aux_demarches_administratives"],
            "demarches": ["argent_impots"],
            "precisions_demarche": "Déclaration de revenus",
            "materiels": ["ordinateur"],
            "autonomie": "entierement_accompagne",
            "oriented": "oui",
            "structure_redirection": "administration",
            "first_visit": "oui",
            "genre": "feminin",
            "birth_year": "1950",
            "statut_social": "retraite",
            "commune_insee": "59212",
        },
    )
    record = ActivityRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("activity:record_detail", args=[record.pk])
    assert record.appointment == seen_appointment and record.duration_minutes == 80
    participant = record.participants.get()
    assert participant.beneficiary_id == seen_appointment.beneficiary_id
    assert participant.first_visit and participant.tranche_age == "soixante_dix_plus"
    # A second visit of the same address opens the record instead of a new form.
    assert client.get(url)["Location"] == reverse("activity:record_detail", args=[record.pk])


def test_form_errors_are_linked_to_fields(client, adviser, seen_appointment):
    login(client, adviser)
    url = reverse("activity:from_appointment", args=[seen_appointment.pk])
    response = client.post(url, {"date": "2026-11-25", "duration": "60", "place_type": "domicile"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#id_thematiques_0"' in html and "Cochez au moins une thématique." in html
    assert "Choisissez la commune du lieu." in html
    assert not ActivityRecord.objects.exists()


def test_unseen_appointment_sends_back(client, adviser, permanence):
    appointment = f.AppointmentFactory(permanence=permanence)
    login(client, adviser)
    response = client.get(reverse("activity:from_appointment", args=[appointment.pk]))
    assert response["Location"] == reverse("staff:appointment", args=[appointment.pk])


def test_session_form_is_prefilled_and_counts_present_people(client, adviser, held_session):
    login(client, adviser)
    url = reverse("activity:from_session", args=[held_session.pk])
    html = client.get(url).content.decode()
    assert checked(html, "level") == {"intermediaire"}
    assert 'value="Arnaques en ligne"' in html
    assert "Personnes inscrites et présentes (3)" in html
    assert re.search(r'name="anon_total" value="2"', html)
    response = client.post(
        url,
        {
            "date": "2026-11-21",
            "duration": "120",
            "place_type": "lieu_activite",
            "venue": held_session.venue_id,
            "thematiques": ["securite_numerique"],
            "level": "intermediaire",
            "title": "Arnaques en ligne",
            "anon_total": "2",
            "anon_genre_feminin": "1",
        },
    )
    assert response.status_code == 302
    record = ActivityRecord.objects.get()
    assert record.session == held_session and record.kind == "collectif"
    assert sorted(record.participants.values_list("commune_insee", flat=True)) == [
        "59212",
        "59212",
        "59400",
    ]
    assert record.anon_total == 2 and record.anon_genre_feminin == 1


def test_free_record(client, adviser, estaires):
    login(client, adviser)
    response = client.post(
        reverse("activity:record_new"),
        {
            "kind": "individuel",
            "date": "2026-11-26",
            "duration": "15",
            "place_type": "autre",
            "place_insee": "59212",
            "thematiques": ["email"],
            "materiels": ["telephone"],
        },
    )
    assert response.status_code == 302
    record = ActivityRecord.objects.get()
    assert (record.adviser, record.commune, record.appointment) == (adviser, estaires, None)


def test_coordinator_corrects_a_locked_record(client, adviser, coordinator):
    record = ActivityRecordFactory(adviser=adviser)
    with time_machine.travel(record.locked_at + dt.timedelta(minutes=1)):
        login(client, adviser)
        response = client.get(reverse("activity:record_edit", args=[record.pk]))
        assert response["Location"] == reverse("activity:record_detail", args=[record.pk])
        login(client, coordinator)
        url = reverse("activity:record_edit", args=[record.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url,
            {
                "date": "2026-11-25",
                "duration": "90",
                "place_type": "lieu_activite",
                "venue": record.venue_id,
                "thematiques": ["aide_aux_demarches_administratives"],
                "materiels": ["ordinateur"],
                "autonomie": "autonome",
                "oriented": "non",
            },
        )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.duration_minutes == 90
    entry = AuditLog.objects.for_object(record).get(action="activity.corrected")
    assert entry.actor == coordinator and "durée" in entry.description


def test_adviser_sees_only_own_records(client, adviser, territory, coordinator):
    other = f.UserFactory(adviser=True, territory=territory, last_name="Autre")
    mine = ActivityRecordFactory(adviser=adviser, title="")
    theirs = ActivityRecordFactory(adviser=other)
    login(client, adviser)
    html = client.get(reverse("activity:record_list")).content.decode()
    assert reverse("activity:record_detail", args=[mine.pk]) in html
    assert reverse("activity:record_detail", args=[theirs.pk]) not in html
    assert client.get(reverse("activity:record_detail", args=[theirs.pk])).status_code == 404
    login(client, coordinator)
    html = client.get(reverse("activity:record_list")).content.decode()
    assert reverse("activity:record_detail", args=[theirs.pk]) in html and "Autre" in html


def activity_urls():
    """Every URL of the ``activity`` namespace, with sample arguments."""
    resolver = get_resolver()
    _ns, sub = resolver.namespace_dict["activity"]
    for pattern in sub.url_patterns:
        assert isinstance(pattern, URLPattern)
        yield pattern.name, list(pattern.pattern.converters)


def test_every_activity_url_is_forbidden_to_referents_and_librarians(
    client, referent, librarian, seen_appointment, held_session, adviser
):
    record = ActivityRecordFactory(adviser=adviser)
    ids = {
        "pk": record.pk,
        "appointment_id": seen_appointment.pk,
        "session_id": held_session.pk,
    }
    urls = [
        reverse(f"activity:{name}", kwargs={k: ids[k] for k in args})
        for name, args in activity_urls()
    ]
    assert len(urls) == 7
    for url in urls:
        client.logout()
        response = client.get(url)
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"], url
        for user in (referent, librarian):
            login(client, user)
            assert client.get(url).status_code == 403, (url, user.role)


def test_list_queries_do_not_grow(client, django_assert_num_queries, adviser, coordinator, request):
    ActivityRecordFactory(adviser=adviser)
    login(client, coordinator)
    url = reverse("activity:record_list")
    with django_assert_num_queries(13):
        client.get(url)
    request.getfixturevalue("seen_appointment")  # « à remplir »
    request.getfixturevalue("held_session")
    ActivityRecordFactory.create_batch(30, adviser=adviser)
    ActivityRecordFactory.create_batch(5, adviser=adviser, collective=True)
    with django_assert_num_queries(13):
        response = client.get(url)
    html = response.content.decode()
    assert "36 comptes rendus" in html and "Comptes rendus à remplir" in html
    assert "Atelier « Arnaques en ligne »" in html


def test_pages_render_for_the_adviser(client, adviser, held_session):
    record = ActivityRecordFactory(adviser=adviser, collective=True, participants=[{}])
    login(client, adviser)
    for url in (
        reverse("activity:record_list"),
        reverse("activity:record_new"),
        reverse("activity:record_detail", args=[record.pk]),
        reverse("activity:record_edit", args=[record.pk]),
        reverse("activity:from_session", args=[held_session.pk]),
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert html.count("<h1") == 1 and "style=" not in html and "<script>" not in html, url
    html = client.get(reverse("activity:record_detail", args=[record.pk])).content.decode()
    assert "1 inscrit présent, 3 sans inscription" in html
    assert 'href="/espace/activite/"' in html  # the nav link « Activité »
