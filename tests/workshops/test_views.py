"""Each action of the workshops' staff pages, through the pages: status, the key French
string, the effect in the database and the audit entry."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.workshops.enums import (
    RegistrationStatus,
    RequestStatus,
    SessionStatus,
    WorkshopStatus,
)
from cadran.workshops.models import InterventionRequest, Registration, Session, Workshop
from tests import factories as f

from .factories import (
    InterventionRequestFactory,
    RegistrationFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
)

pytestmark = pytest.mark.usefixtures("frozen_now")

SAT_12 = dt.datetime(2026, 12, 12, 10, 0, tzinfo=PARIS)


def audit(obj, action):
    return AuditLog.objects.for_object(obj).filter(action=action)


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- Programme -------------------------------------------------------------------------------


def test_culture_creates_then_edits_a_draft(client, culture_user, fmt):
    client.force_login(culture_user)
    response = client.post(
        reverse("workshops:workshop_new"),
        {
            "title": "Premiers pas sur la tablette",
            "description": "Allumer, toucher, glisser.",
            "format": fmt.pk,
            "target_public": "seniors",
            "level": "debutant",
        },
    )
    workshop = Workshop.objects.get(title="Premiers pas sur la tablette")
    assert response.status_code == 302
    assert response.url == reverse("workshops:workshop_detail", kwargs={"pk": workshop.pk})
    assert workshop.status == WorkshopStatus.DRAFT and workshop.target_public == "seniors"
    assert audit(workshop, "workshop.created").get().actor == culture_user

    page = client.get(reverse("workshops:workshop_edit", kwargs={"pk": workshop.pk}))
    assert 'value="Premiers pas sur la tablette"' in text(page)
    response = client.post(
        reverse("workshops:workshop_edit", kwargs={"pk": workshop.pk}),
        {
            "title": "Premiers pas avec une tablette",
            "description": "Allumer, toucher, glisser.",
            "format": fmt.pk,
            "target_public": "seniors",
            "level": "debutant",
            "is_cycle": "on",
        },
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.title == "Premiers pas avec une tablette" and workshop.is_cycle
    assert audit(workshop, "workshop.updated").exists()


def test_creating_without_a_title_shows_the_error_on_the_field(client, culture_user, fmt):
    client.force_login(culture_user)
    response = client.post(
        reverse("workshops:workshop_new"), {"description": "x", "format": fmt.pk}
    )
    assert response.status_code == 200
    assert "Indiquez le titre de l'atelier." in text(response)
    assert 'href="#id_title"' in text(response)
    assert not Workshop.objects.exists()


def test_workflow_through_the_page(client, culture_user, territory, fmt, ccfl_circuit):
    workshop = WorkshopFactory(territory=territory, format=fmt, draft=True)
    client.force_login(culture_user)

    def step(name, data):
        return client.post(
            reverse("workshops:workshop_step", kwargs={"pk": workshop.pk, "step": name}), data
        )

    page = text(client.get(reverse("workshops:workshop_detail", kwargs={"pk": workshop.pk})))
    assert "Proposer l'atelier : COTECH Esperluette" in page
    assert "Date de la réunion « COTECH Esperluette »" in page
    assert "Service Culture → COTECH Esperluette → Commission Culture" in page
    response = step(
        "proposer", {"propose-meeting_date": "2026-11-10", "propose-remarks": "Bon sujet."}
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.PROPOSED
    assert audit(workshop, "workshop.proposed").get().actor == culture_user
    page = text(client.get(reverse("workshops:workshop_detail", kwargs={"pk": workshop.pk})))
    assert "Proposé — prochaine étape : Commission Culture" in page
    assert "Décision : Commission Culture" in page

    # Refusing needs the Commission's reasons: the page says so, nothing changes.
    response = step("refuser", {"decision-meeting_date": "2026-11-20"})
    assert response.status_code == 200
    assert "Indiquez pourquoi l'atelier est refusé." in text(response)
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.PROPOSED

    # A Commission before the COTECH is refused with the service's words.
    response = step("valider", {"decision-meeting_date": "2026-11-01"})
    assert (
        "La réunion « Commission Culture » vient après « COTECH Esperluette » du 10/11/2026."
        in text(response)
    )

    response = step("valider", {"decision-meeting_date": "2026-11-20"})
    assert response.status_code == 302
    response = step("publier", {"publish-remarks": ""})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.PUBLISHED
    assert audit(workshop, "workshop.approved").exists()
    assert audit(workshop, "workshop.published").exists()

    page = text(client.get(reverse("workshops:workshop_detail", kwargs={"pk": workshop.pk})))
    assert "réunion du 10 novembre 2026" in page
    assert "réunion du 20 novembre 2026" in page
    assert "Bon sujet." in page
    assert str(culture_user) in page


def test_archive_is_refused_while_sessions_are_to_come(client, culture_user, session):
    client.force_login(culture_user)
    response = client.post(
        reverse("workshops:workshop_step", kwargs={"pk": session.workshop.pk, "step": "archiver"}),
        {"archive-remarks": ""},
    )
    assert response.status_code == 200
    assert "séance(s) de cet atelier sont encore prévues" in text(response)
    session.workshop.refresh_from_db()
    assert session.workshop.status == WorkshopStatus.PUBLISHED


def test_programme_groups_by_status_and_links_the_formats_admin(
    client, culture_user, territory, fmt
):
    WorkshopFactory(territory=territory, format=fmt, draft=True, title="Un brouillon")
    WorkshopFactory(territory=territory, format=fmt, title="Un publié")
    client.force_login(culture_user)
    page = text(client.get(reverse("workshops:programme")))
    assert "Brouillon (1)" in page and "Proposé aux bibliothécaires (1)" in page
    assert reverse("admin:workshops_workshopformat_changelist") in page


# --- Requests --------------------------------------------------------------------------------


def test_librarian_requests_a_workshop(client, librarian, workshop):
    client.force_login(librarian)
    page = client.get(reverse("workshops:request_new") + f"?atelier={workshop.pk}")
    assert f'<option value="{workshop.pk}" selected>' in text(page)
    response = client.post(
        reverse("workshops:request_new"),
        {
            "workshop": workshop.pk,
            "date_option_1": "2026-12-12T10:00",
            "date_option_2": "2026-12-19T10:00",
            "wished_dates": "Un samedi matin",
            "room": "Salle du conte",
            "expected_public": "Seniors",
            "expected_size": "10",
        },
    )
    request_ = InterventionRequest.objects.get()
    assert response.status_code == 302
    assert request_.library == librarian.library and request_.room == "Salle du conte"
    assert request_.date_option_1 == SAT_12
    assert audit(request_, "request.created").get().actor == librarian
    listing = text(client.get(reverse("workshops:request_list")))
    assert workshop.title in listing and "Demandée" in listing


def test_off_site_request_needs_its_justification(client, librarian, workshop):
    client.force_login(librarian)
    response = client.post(
        reverse("workshops:request_new"),
        {
            "workshop": workshop.pk,
            "wished_dates": "Le jour du marché",
            "off_site": "on",
            "off_site_place_kind": "market",
            "place_name": "Marché",
            "place_address": "Grand-Place",
        },
    )
    assert response.status_code == 200
    assert "Expliquez pourquoi l'atelier doit avoir lieu hors de la médiathèque." in text(response)
    assert 'href="#id_justification"' in text(response)
    assert not InterventionRequest.objects.exists()


def test_culture_accepts_a_request(
    client, culture_user, librarian, workshop, library_venue, adviser
):
    request_ = InterventionRequestFactory(
        workshop=workshop, library=librarian.library, date_option_1=SAT_12
    )
    client.force_login(culture_user)
    page = text(client.get(reverse("workshops:request_detail", kwargs={"pk": request_.pk})))
    assert 'value="2026-12-12T10:00"' in page  # the first wished date, ready to accept
    response = client.post(
        reverse("workshops:request_accept", kwargs={"pk": request_.pk}),
        {
            "accept-venue": library_venue.pk,
            "accept-start_1": "2026-12-12T10:00",
            "accept-advisers": [adviser.pk],
            "accept-capacity": "10",
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("workshops:session_detail", kwargs={"pk": session.pk})
    assert session.capacity == 10 and list(session.advisers.all()) == [adviser]
    request_.refresh_from_db()
    assert request_.status == RequestStatus.ACCEPTED
    assert audit(request_, "request.accepted").get().actor == culture_user


def test_accept_shows_the_adviser_conflict(
    client, culture_user, librarian, workshop, library_venue, adviser, permanence
):
    request_ = InterventionRequestFactory(workshop=workshop, library=librarian.library)
    client.force_login(culture_user)
    response = client.post(
        reverse("workshops:request_accept", kwargs={"pk": request_.pk}),
        {
            "accept-venue": library_venue.pk,
            "accept-start_1": "2026-12-02T09:30",  # Wednesday: the Estaires permanence
            "accept-advisers": [adviser.pk],
        },
    )
    assert response.status_code == 200
    assert "tient sa permanence d'Estaires" in text(response)
    assert 'href="#id_accept-advisers_0"' in text(response)
    assert not Session.objects.exists()
    request_.refresh_from_db()
    assert request_.status == RequestStatus.REQUESTED


def test_off_site_examined_then_accepted_with_conditions_waived(
    client, culture_user, librarian, workshop, estaires, adviser
):
    request_ = InterventionRequestFactory(
        workshop=workshop, library=librarian.library, off_site_market=True
    )
    market = f.VenueFactory(commune=estaires, name="Grand-Place", heated=False, wifi=False)
    client.force_login(culture_user)
    response = client.post(reverse("workshops:request_examine", kwargs={"pk": request_.pk}))
    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.status == RequestStatus.UNDER_EXAMINATION
    assert audit(request_, "request.examined").get().actor == culture_user

    data = {
        "accept-venue": market.pk,
        "accept-start_1": "2026-12-12T10:00",
        "accept-advisers": [adviser.pk],
    }
    url = reverse("workshops:request_accept", kwargs={"pk": request_.pk})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Grand-Place ne convient pas" in text(response)
    assert "le lieu n'est pas chauffé" in text(response)
    assert "Lever les conditions d'accueil du lieu" in text(response)

    response = client.post(url, {**data, "accept-waive_venue_conditions": "on"})
    assert response.status_code == 302
    assert "Conditions d'accueil levées" in audit(request_, "request.accepted").get().description


def test_waiver_is_not_offered_for_a_request_in_the_library(
    client, culture_user, librarian, workshop
):
    request_ = InterventionRequestFactory(workshop=workshop, library=librarian.library)
    client.force_login(culture_user)
    page = text(client.get(reverse("workshops:request_detail", kwargs={"pk": request_.pk})))
    assert "Accepter et programmer la séance" in page
    assert "Lever les conditions" not in page


def test_culture_refuses_a_request_with_a_reason(client, culture_user, librarian, workshop):
    request_ = InterventionRequestFactory(workshop=workshop, library=librarian.library)
    client.force_login(culture_user)
    url = reverse("workshops:request_refuse", kwargs={"pk": request_.pk})
    response = client.post(url, {"refuse-reason": ""})
    assert response.status_code == 200
    assert "Expliquez pourquoi la demande est refusée." in text(response)
    response = client.post(url, {"refuse-reason": "Aucun conseiller libre en décembre."})
    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.status == RequestStatus.REFUSED
    assert request_.decision_reason == "Aucun conseiller libre en décembre."
    assert audit(request_, "request.refused").get().actor == culture_user


def test_librarian_withdraws_her_request(client, librarian, workshop):
    request_ = InterventionRequestFactory(workshop=workshop, library=librarian.library)
    client.force_login(librarian)
    response = client.post(reverse("workshops:request_withdraw", kwargs={"pk": request_.pk}))
    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.status == RequestStatus.WITHDRAWN
    assert audit(request_, "request.withdrawn").exists()


# --- Sessions --------------------------------------------------------------------------------


def test_session_list_counts_against_the_minimum(client, coordinator, session, merville):
    RegistrationFactory.create_batch(3, session=session)
    client.force_login(coordinator)
    page = text(client.get(reverse("workshops:session_list")))
    assert "3 inscrits sur 4 minimum" in page
    assert "Attention : pas assez d'inscrits pour l'instant" in page
    filtered = text(client.get(reverse("workshops:session_list") + f"?commune={merville.pk}"))
    assert session.workshop.title not in filtered
    assert "Aucune séance ne correspond." in filtered


def test_session_list_htmx_returns_the_results_only(client, coordinator, session):
    client.force_login(coordinator)
    response = client.get(reverse("workshops:session_list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert text(response).lstrip().startswith('<div id="resultats"')


def test_session_detail_says_the_decision_in_words(client, adviser, session):
    RegistrationFactory.create_batch(3, session=session)
    RegistrationFactory(session=session, waiting=True, first_name="Ida", last_name="Attente")
    client.force_login(adviser)
    page = text(client.get(reverse("workshops:session_detail", kwargs={"pk": session.pk})))
    assert "3 inscrits sur 4 minimum" in page
    assert "Le jeudi 3 décembre 2026 à 10h, Cadran comptera les inscrits" in page
    assert "Attention : il manque 1 inscrit pour atteindre le minimum de 4." in page
    assert "Ida Attente" in page


def test_staff_registers_a_caller_and_overbooks_on_purpose(client, adviser, session):
    session.capacity = 1
    session.save()
    client.force_login(adviser)
    url = reverse("workshops:session_register", kwargs={"pk": session.pk})
    person = {
        "register-first_name": "Marcel",
        "register-last_name": "Appelant",
        "register-phone": "06 12 34 56 78",
        "register-commune_insee": "59212",
    }
    assert client.post(url, person).status_code == 302
    first = Registration.objects.get(last_name="Appelant")
    assert first.status == RegistrationStatus.CONFIRMED and first.created_by == adviser
    assert audit(first, "registration.created").get().actor == adviser

    second = {**person, "register-first_name": "Lucie", "register-phone": "0700000000"}
    response = client.post(url, second, follow=True)
    assert "sur la liste d'attente (rang 1)" in text(response)
    assert Registration.objects.get(first_name="Lucie").status == RegistrationStatus.WAITING

    third = {
        **person,
        "register-first_name": "Paul",
        "register-phone": "0700000001",
        "register-allow_overbooking": "on",
    }
    response = client.post(url, third, follow=True)
    paul = Registration.objects.get(first_name="Paul")
    assert paul.status == RegistrationStatus.CONFIRMED and paul.overbooked
    assert audit(paul, "registration.overbooked").get().actor == adviser
    assert "en plus des places prévues" in text(response)


def test_staff_registration_of_an_ineligible_person_explains_why(client, adviser, session):
    client.force_login(adviser)
    response = client.post(
        reverse("workshops:session_register", kwargs={"pk": session.pk}),
        {
            "register-first_name": "Hors",
            "register-last_name": "Territoire",
            "register-phone": "0612345678",
        },
    )
    assert response.status_code == 200
    assert "Pour toute question" in text(response)
    assert not Registration.objects.exists()


def test_cancelling_a_registration_gives_the_place_to_the_first_waiting(
    client, coordinator, session
):
    session.capacity = 1
    session.save()
    holder = RegistrationFactory(session=session)
    first_waiting = RegistrationFactory(session=session, waiting=True)
    RegistrationFactory(session=session, waiting=True)
    client.force_login(coordinator)
    response = client.post(
        reverse(
            "workshops:registration_cancel",
            kwargs={"pk": session.pk, "registration_pk": holder.pk},
        )
    )
    assert response.status_code == 302
    holder.refresh_from_db()
    first_waiting.refresh_from_db()
    assert holder.status == RegistrationStatus.CANCELLED
    assert first_waiting.status == RegistrationStatus.CONFIRMED
    assert audit(holder, "registration.cancelled").get().actor == coordinator
    assert audit(first_waiting, "registration.promoted").exists()


def test_cancel_the_session_with_a_reason(client, coordinator, session):
    client.force_login(coordinator)
    url = reverse("workshops:session_cancel", kwargs={"pk": session.pk})
    response = client.post(url, {"cancel-reason": ""})
    assert response.status_code == 200
    assert "Indiquez pourquoi la séance est annulée." in text(response)
    response = client.post(url, {"cancel-reason": "Salle inondée."}, follow=True)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED_BY_SERVICE
    assert session.decision_reason == "Salle inondée."
    assert audit(session, "session.cancelled_by_service").get().actor == coordinator
    assert "Motif : Salle inondée." in text(response)


def test_override_the_decision_before_time(client, culture_user, session):
    RegistrationFactory.create_batch(2, session=session)
    client.force_login(culture_user)
    url = reverse("workshops:session_override", kwargs={"pk": session.pk})
    response = client.post(url, {"override-decision": "confirm", "override-reason": ""})
    assert response.status_code == 200
    assert "Indiquez la raison de cette décision." in text(response)
    response = client.post(
        url, {"override-decision": "confirm", "override-reason": "Groupe d'un foyer."}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CONFIRMED
    assert session.decided_by == culture_user
    assert audit(session, "session.decision_overridden").get().actor == culture_user
    page = text(client.get(reverse("workshops:session_detail", kwargs={"pk": session.pk})))
    assert "Séance confirmée" in page and "Groupe d'un foyer." in page
    assert "Décider avant l'heure" not in page


def test_edit_capacity_minimum_and_decision_time(client, coordinator, session):
    client.force_login(coordinator)
    response = client.post(
        reverse("workshops:session_edit", kwargs={"pk": session.pk}),
        {"edit-capacity": "20", "edit-min_attendance": "5", "edit-decision_at": "2026-12-04T18:00"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.capacity, session.min_attendance) == (20, 5)
    assert session.decision_at == dt.datetime(2026, 12, 4, 18, 0, tzinfo=PARIS)
    assert audit(session, "session.updated").get().actor == coordinator


def test_decision_time_after_the_start_is_refused(client, coordinator, session):
    client.force_login(coordinator)
    response = client.post(
        reverse("workshops:session_edit", kwargs={"pk": session.pk}),
        {"edit-capacity": "12", "edit-min_attendance": "4", "edit-decision_at": "2026-12-06T10:00"},
    )
    assert response.status_code == 200
    assert "La décision doit être prise avant le début de la séance." in text(response)


# --- Attendance ------------------------------------------------------------------------------


def test_attendance_waits_for_the_start(client, adviser, session):
    client.force_login(adviser)
    page = text(client.get(reverse("workshops:attendance", kwargs={"pk": session.pk})))
    assert "L'appel sera possible quand la séance aura commencé" in page
    assert "Enregistrer l'appel" not in page


def test_adviser_takes_attendance_on_the_page(client, adviser, session):
    regs = RegistrationFactory.create_batch(3, session=session)
    url = reverse("workshops:attendance", kwargs={"pk": session.pk})
    with time_machine.travel(session.start + dt.timedelta(minutes=15)):
        client.force_login(adviser)
        page = text(client.get(url))
        assert f'id="present-{regs[0].pk}"' in page
        response = client.post(url, {"present": [regs[0].pk, regs[2].pk], "anonymous_count": "2"})
        assert response.status_code == 302
        session.refresh_from_db()
        assert session.status == SessionStatus.HELD and session.anonymous_count == 2
        statuses = [r.status for r in Registration.objects.order_by("pk")]
        assert statuses == ["present", "absent", "present"]
        assert audit(session, "session.attendance").get().actor == adviser
        page = text(client.get(url))
        assert "L'appel a déjà été fait" in page
        assert f'value="{regs[0].pk}" id="present-{regs[0].pk}" checked' in page


def test_attendance_needs_a_number_for_walk_ins(client, adviser, session):
    url = reverse("workshops:attendance", kwargs={"pk": session.pk})
    with time_machine.travel(session.start + dt.timedelta(minutes=15)):
        client.force_login(adviser)
        response = client.post(url, {"anonymous_count": "-1"})
    assert response.status_code == 200
    assert "Ce nombre est trop petit." in text(response)
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_cycle_registration_and_attendance_per_session(
    client, adviser, coordinator, territory, fmt, library_venue
):
    workshop = WorkshopFactory(territory=territory, format=fmt, cycle=True)
    first = SessionFactory(workshop=workshop, venue=library_venue, advisers=[adviser])
    second = SessionFactory(
        workshop=workshop,
        venue=library_venue,
        advisers=[adviser],
        start=first.start + dt.timedelta(days=7),
    )
    Session.objects.filter(pk__in=[first.pk, second.pk]).update(cycle_group=first)
    reg = RegistrationFactory(session=first, first_name="Cyclo", last_name="Apprenant")
    client.force_login(coordinator)
    page = text(client.get(reverse("workshops:session_detail", kwargs={"pk": second.pk})))
    assert "Les séances du cycle" in page and "Cyclo Apprenant" in page
    with time_machine.travel(second.start + dt.timedelta(minutes=5)):
        client.force_login(adviser)
        response = client.post(
            reverse("workshops:attendance", kwargs={"pk": second.pk}),
            {"present": [reg.pk], "anonymous_count": "0"},
        )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == SessionStatus.HELD


def test_other_format_for_filter(client, coordinator, session, territory):
    other = WorkshopFormatFactory(territory=territory, name="Imprimante 3D")
    client.force_login(coordinator)
    page = text(client.get(reverse("workshops:session_list") + f"?format={other.pk}"))
    assert session.workshop.title not in page
    page = text(
        client.get(reverse("workshops:session_list") + f"?format={session.workshop.format_id}")
    )
    assert session.workshop.title in page
