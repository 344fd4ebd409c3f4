"""Staff pages: status, the key words on screen, and what each action changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import Appointment, Beneficiary, Closure
from cadran.scheduling.slots import free_slots
from tests import factories as f

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def slot_id(permanence, day: dt.date, hour: int) -> str:
    return f"{permanence.pk}-{day:%Y%m%d}{hour:02d}00"


def day_sheet_url(permanence, day=WEDNESDAY) -> str:
    return reverse("staff:day_sheet", kwargs={"pk": permanence.pk, "day": day})


@pytest.fixture
def booked(frozen_now, permanence, territory):
    person = f.BeneficiaryFactory(
        territory=territory, first_name="Josette", last_name="Vandamme", phone="0611223344"
    )
    return f.AppointmentFactory(
        permanence=permanence,
        beneficiary=person,
        start=at(WEDNESDAY, 9),
        topics=["sante", "email"],
    )


@pytest.fixture
def adviser_client(client, adviser):
    client.force_login(adviser)
    return client


# --- Home --------------------------------------------------------------------------------


def test_adviser_home_lists_next_occurrences_with_counts(adviser_client, booked, permanence):
    response = adviser_client.get(reverse("staff:home"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Vos permanences" in content
    assert "Estaires" in content
    assert day_sheet_url(permanence) in content
    first = response.context["permanences"][0][1][0]
    assert (first.day, first.offered, first.booked, first.free) == (WEDNESDAY, 3, 1, 2)


def test_culture_home_lists_every_permanence_of_the_territory(
    client, frozen_now, culture_user, permanence, merville
):
    other = f.PermanenceFactory(commune=merville, weekday=0)
    client.force_login(culture_user)
    content = client.get(reverse("staff:home")).content.decode()
    assert "Les permanences du territoire" in content
    assert day_sheet_url(permanence) in content
    assert (
        reverse("staff:day_sheet", kwargs={"pk": other.pk, "day": dt.date(2026, 11, 30)}) in content
    )
    assert reverse("admin:index") in content  # culture users are is_staff


def test_referent_home_links_to_their_commune_calendar(client, frozen_now, referent, estaires):
    client.force_login(referent)
    content = client.get(reverse("staff:home")).content.decode()
    assert reverse("staff:commune_calendar", kwargs={"insee": "59212"}) in content
    assert reverse("staff:closures") not in content


def test_librarian_home_leads_to_workshop_requests(client, frozen_now, librarian):
    client.force_login(librarian)
    content = client.get(reverse("staff:home")).content.decode()
    assert reverse("workshops:request_list") in content
    assert reverse("workshops:programme") in content
    assert 'action="/compte/deconnexion/"' in content


# --- Day sheet ---------------------------------------------------------------------------


def test_day_sheet_shows_every_slot_with_the_appointment(adviser_client, booked, permanence):
    response = adviser_client.get(day_sheet_url(permanence))
    content = response.content.decode()
    assert response.status_code == 200
    assert "mercredi 2 décembre 2026" in content
    assert "Arrivée du conseiller : 8h45" in content
    assert "Bureau du CCAS" in content
    assert "Josette Vandamme" in content
    assert "0611223344" in content
    assert "Santé" in content and "E-mail" in content
    assert booked.reference in content
    assert [line.start.hour for line in response.context["sheet"].lines] == [9, 10, 11]
    assert content.count(">Libre<") == 2
    assert reverse("staff:book") + "?creneau=" + slot_id(permanence, WEDNESDAY, 10) in content
    # Not started yet: no "venu / absent" buttons.
    assert "Marquer venu" not in content
    # Previous and next Wednesdays.
    assert day_sheet_url(permanence, dt.date(2026, 11, 25)) in content
    assert day_sheet_url(permanence, dt.date(2026, 12, 9)) in content


def test_day_sheet_without_phone_says_so(adviser_client, frozen_now, permanence, territory):
    person = f.BeneficiaryFactory(territory=territory, phone="", email="", no_phone=True)
    f.AppointmentFactory(permanence=permanence, beneficiary=person, start=at(WEDNESDAY, 10))
    content = adviser_client.get(day_sheet_url(permanence)).content.decode()
    assert "Sans téléphone ni e-mail" in content


def test_day_sheet_of_a_started_slot_offers_attendance(adviser_client, frozen_now, permanence):
    f.AppointmentFactory(permanence=permanence, start=at(dt.date(2026, 11, 25), 9))
    content = adviser_client.get(day_sheet_url(permanence, dt.date(2026, 11, 25))).content.decode()
    assert "Marquer venu" in content and "Marquer absent" in content
    assert "créneau passé" in content  # the free slots of a past day are not bookable
    assert "Réserver" not in content


def test_day_sheet_on_a_public_holiday_says_closed(adviser_client, frozen_now, permanence):
    content = adviser_client.get(day_sheet_url(permanence, dt.date(2026, 11, 11))).content.decode()
    assert "jour férié (Armistice)" in content
    assert "Réserver" not in content


def test_day_sheet_of_a_day_without_permanence_is_404(adviser_client, frozen_now, permanence):
    assert adviser_client.get(day_sheet_url(permanence, dt.date(2026, 12, 3))).status_code == 404
    assert (
        adviser_client.get(f"/espace/permanences/{permanence.pk}/jour/2026-02-30/").status_code
        == 404
    )


def test_day_sheet_is_printable_and_has_one_h1(adviser_client, booked, permanence):
    content = adviser_client.get(day_sheet_url(permanence)).content.decode()
    assert content.count("<h1") == 1
    assert 'class="pager no-print"' in content
    assert "<table" not in content  # cards, readable on a phone


# --- Booking by staff --------------------------------------------------------------------


def book_url(permanence, hour=10, **params) -> str:
    query = "".join(f"&{k}={v}" for k, v in params.items())
    return reverse("staff:book") + f"?creneau={slot_id(permanence, WEDNESDAY, hour)}{query}"


def test_booking_page_shows_the_slot_and_the_search(adviser_client, frozen_now, permanence):
    response = adviser_client.get(book_url(permanence))
    content = response.content.decode()
    assert response.status_code == 200
    assert "mercredi 2 décembre 2026, de 10h à 11h" in content
    assert 'hx-trigger="input changed delay:300ms' in content
    assert ">Rechercher</button>" in content
    assert 'value="phone"' in content and 'id="id_channel_0" required checked' in content


def test_booking_a_new_person_by_phone(adviser_client, frozen_now, permanence, adviser):
    response = adviser_client.post(
        book_url(permanence),
        {
            "beneficiary": "",
            "first_name": "Marcel",
            "last_name": "Dupont",
            "phone": "06 12 34 56 78",
            "residence_insee": "59212",
            "birth_year": "1950",
            "topics": ["aide_aux_demarches_administratives", "sante"],
            "channel": "phone",
        },
    )
    assert response.status_code == 302
    assert response.url == day_sheet_url(permanence)
    appointment = Appointment.objects.get()
    assert appointment.start == at(WEDNESDAY, 10)
    assert appointment.channel == Channel.PHONE
    assert appointment.created_by == adviser
    assert appointment.beneficiary.phone == "0612345678"
    assert appointment.beneficiary.birth_year == 1950
    assert {t.thematique for t in appointment.topics.all()} == {
        "aide_aux_demarches_administratives",
        "sante",
    }
    page = adviser_client.get(response.url).content.decode()
    assert "Rendez-vous réservé pour Marcel Dupont à 10h00" in page
    assert "Marcel Dupont" in page


def test_booking_a_known_person_found_by_search(adviser_client, frozen_now, permanence, territory):
    person = f.BeneficiaryFactory(territory=territory, first_name="Léon", last_name="Verstraete")
    # Without JavaScript: the "Rechercher" button reloads the page with the results.
    content = adviser_client.get(book_url(permanence, q="verstr")).content.decode()
    assert f'name="beneficiary" value="{person.pk}"' in content
    assert "Léon" in content
    response = adviser_client.post(
        book_url(permanence, q="verstr"),
        {"beneficiary": person.pk, "topics": ["email"], "channel": "walk_in"},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.beneficiary == person
    assert appointment.channel == Channel.WALK_IN
    assert Beneficiary.objects.count() == 1


def test_booking_errors_are_shown_by_field_and_nothing_is_lost(
    adviser_client, frozen_now, permanence
):
    response = adviser_client.post(
        book_url(permanence),
        {"first_name": "Marcel", "last_name": "", "phone": "", "channel": "referral"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert not Appointment.objects.exists()
    form = response.context["form"]
    assert form.errors["topics"] == ["Choisissez au moins un motif."]
    assert 'value="Marcel"' in content
    assert 'value="referral" id="id_channel_2" required checked' in content
    assert 'href="#id_topics_0"' in content  # the summary links to the field
    # Once the reasons are given, the service's checks come back on the person's fields.
    response = adviser_client.post(
        book_url(permanence),
        {
            "first_name": "Marcel",
            "last_name": "",
            "phone": "",
            "topics": ["email"],
            "channel": "phone",
        },
    )
    form = response.context["form"]
    assert form.errors["last_name"] == ["Indiquez le nom."]
    assert "phone" in form.errors
    assert 'aria-describedby="id_last_name_error"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_without_phone_when_the_box_is_ticked(adviser_client, frozen_now, permanence):
    response = adviser_client.post(
        book_url(permanence),
        {
            "first_name": "Marcel",
            "last_name": "Sansfil",
            "no_phone": "on",
            "topics": ["email"],
            "channel": "walk_in",
        },
    )
    assert response.status_code == 302
    assert Appointment.objects.get().beneficiary.no_phone is True


def test_booking_a_taken_slot_is_refused(adviser_client, booked, permanence):
    url = book_url(permanence, hour=9)
    assert "Ce créneau ne peut pas être réservé" in adviser_client.get(url).content.decode()
    response = adviser_client.post(
        url,
        {
            "first_name": "A",
            "last_name": "B",
            "no_phone": "on",
            "topics": ["email"],
            "channel": "phone",
        },
    )
    assert response.status_code == 200
    assert "vient d&#x27;être réservé" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_booking_with_a_malformed_slot_is_404(adviser_client, frozen_now, permanence):
    assert adviser_client.get(reverse("staff:book") + "?creneau=nimporte").status_code == 404
    assert adviser_client.get(reverse("staff:book")).status_code == 404


def test_search_partial_for_htmx(adviser_client, frozen_now, territory):
    person = f.BeneficiaryFactory(territory=territory, first_name="Léon", last_name="Verstraete")
    f.BeneficiaryFactory(territory=territory, first_name="Autre", last_name="Personne")
    response = adviser_client.get(
        reverse("staff:beneficiary_search") + "?q=Verst", headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert f'value="{person.pk}" id="benef-{person.pk}" form="booking-form"' in content
    assert "Choisir" in content
    assert "Personne" not in content.replace("personne", "")
    too_short = adviser_client.get(reverse("staff:beneficiary_search") + "?q=V").content.decode()
    assert "au moins 2 lettres" in too_short


# --- Appointment actions -----------------------------------------------------------------


def test_appointment_page_shows_details_moves_and_history(adviser_client, booked, permanence):
    AuditLog.objects.create(
        actor=None,
        territory_id=permanence.commune.territory_id,
        action="appointment.booked",
        description=f"Rendez-vous {booked.reference} pris en ligne.",
        content_type_id=__import__("django.contrib.contenttypes.models", fromlist=["ContentType"])
        .ContentType.objects.get_for_model(Appointment)
        .pk,
        object_id=str(booked.pk),
    )
    response = adviser_client.get(reverse("staff:appointment", kwargs={"pk": booked.pk}))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Rendez-vous de Josette Vandamme" in content
    assert f"Rendez-vous {booked.reference} pris en ligne." in content
    assert 'id="deplacer"' in content and 'id="annuler"' in content
    # Free slots of the same commune: 10h and 11h on 2 December, then the next Wednesdays.
    assert f'value="{slot_id(permanence, WEDNESDAY, 10)}"' in content
    assert f'value="{slot_id(permanence, WEDNESDAY, 9)}"' not in content
    assert "aura commencé" in content


def test_cancel_by_the_service(adviser_client, booked, adviser):
    response = adviser_client.post(
        reverse("staff:appointment_cancel", kwargs={"pk": booked.pk}),
        {"reason": "Conseiller malade"},
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.REVOKED
    entry = AuditLog.objects.for_object(booked).get(action="appointment.cancelled")
    assert entry.actor == adviser
    assert "Conseiller malade" in entry.description
    page = adviser_client.get(response.url).content.decode()
    assert "est annulé" in page


def test_move_to_another_free_slot(adviser_client, booked, permanence):
    new_slot = slot_id(permanence, dt.date(2026, 12, 9), 11)
    response = adviser_client.post(
        reverse("staff:appointment_move", kwargs={"pk": booked.pk}), {"slot": new_slot}
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.start == at(dt.date(2026, 12, 9), 11)
    assert "déplacé au 09/12/2026 à 11h00" in adviser_client.get(response.url).content.decode()


def test_move_to_a_taken_slot_is_refused_with_a_message(
    adviser_client, booked, permanence, territory
):
    f.AppointmentFactory(permanence=permanence, start=at(WEDNESDAY, 10))
    response = adviser_client.post(
        reverse("staff:appointment_move", kwargs={"pk": booked.pk}),
        {"slot": slot_id(permanence, WEDNESDAY, 10)},
        follow=True,
    )
    assert "vient d&#x27;être réservé" in response.content.decode()
    booked.refresh_from_db()
    assert booked.start == at(WEDNESDAY, 9)


def test_move_to_a_permanence_out_of_scope_is_refused(adviser_client, booked, merville):
    elsewhere = f.PermanenceFactory(commune=merville)
    response = adviser_client.post(
        reverse("staff:appointment_move", kwargs={"pk": booked.pk}),
        {"slot": slot_id(elsewhere, WEDNESDAY, 10)},
        follow=True,
    )
    assert "Ce créneau n&#x27;existe pas." in response.content.decode()
    booked.refresh_from_db()
    assert booked.permanence_id != elsewhere.pk


def test_mark_seen_before_start_is_refused_with_a_message(adviser_client, booked):
    response = adviser_client.post(
        reverse("staff:appointment_attendance", kwargs={"pk": booked.pk}),
        {"status": "seen"},
        follow=True,
    )
    assert "n&#x27;a pas encore commencé" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


def test_mark_seen_and_noshow_once_started(adviser_client, frozen_now, permanence):
    appointment = f.AppointmentFactory(permanence=permanence, start=at(dt.date(2026, 11, 25), 9))
    sheet = day_sheet_url(permanence, dt.date(2026, 11, 25))
    url = reverse("staff:appointment_attendance", kwargs={"pk": appointment.pk})
    response = adviser_client.post(url, {"status": "seen", "next": sheet})
    assert response.url == sheet
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SEEN
    adviser_client.post(url, {"status": "noshow"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NOSHOW
    # A next URL pointing elsewhere is ignored.
    response = adviser_client.post(url, {"status": "seen", "next": "https://exemple.com/"})
    assert response.url == reverse("staff:appointment", kwargs={"pk": appointment.pk})


def test_action_urls_refuse_get(adviser_client, booked):
    url = reverse("staff:appointment_cancel", kwargs={"pk": booked.pk})
    assert adviser_client.get(url).status_code == 405


# --- Closures ----------------------------------------------------------------------------


def test_closures_page_lists_closures_and_holidays(adviser_client, frozen_now, territory, adviser):
    f.ClosureFactory(
        territory=territory,
        adviser=adviser,
        start=at(dt.date(2026, 12, 16), 0),
        end=at(dt.date(2026, 12, 19), 0),
        reason="Congés",
    )
    response = adviser_client.get(reverse("staff:closures"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Congés" in content
    assert "du mercredi 16 décembre 2026 au vendredi 18 décembre 2026 (inclus)" in content
    assert "vendredi 25 décembre 2026 : Noël" in content
    assert "Vacances de Noël" in content
    assert "Ajouter une absence" in content
    assert 'name="scope"' not in content  # an adviser closes only their own agenda


def test_adviser_closure_hides_the_slots(adviser_client, frozen_now, permanence, adviser):
    response = adviser_client.post(
        reverse("staff:closures"), {"date": "2026-12-02", "reason": "Formation"}
    )
    assert response.status_code == 302
    closure = Closure.objects.get()
    assert closure.adviser == adviser
    assert (closure.start, closure.end) == (at(WEDNESDAY, 0), at(dt.date(2026, 12, 3), 0))
    assert free_slots([permanence], date_from=WEDNESDAY, date_to=WEDNESDAY, now=frozen_now) == []
    sheet = adviser_client.get(day_sheet_url(permanence)).content.decode()
    assert "Fermeture : Formation" in sheet
    assert "Réserver" not in sheet
    assert AuditLog.objects.filter(action="closure.created").count() == 1


def test_culture_closes_a_commune_for_some_hours(
    client, frozen_now, culture_user, permanence, estaires
):
    client.force_login(culture_user)
    response = client.post(
        reverse("staff:closures"),
        {
            "scope": "commune",
            "commune": estaires.pk,
            "date": "2026-12-02",
            "start_time": "10:00",
            "end_time": "12:00",
            "reason": "Salle prise",
        },
    )
    assert response.status_code == 302
    closure = Closure.objects.get()
    assert closure.commune == estaires and closure.adviser is None
    free = free_slots(
        [permanence], date_from=WEDNESDAY, date_to=WEDNESDAY, now=frozen_now, for_staff=True
    )
    assert [s.local_start.hour for s in free] == [9]


def test_closure_form_errors_by_field(client, frozen_now, culture_user):
    client.force_login(culture_user)
    response = client.post(
        reverse("staff:closures"),
        {"scope": "commune", "date": "2026-12-02", "start_time": "12:00", "end_time": "10:00"},
    )
    form = response.context["form"]
    assert response.status_code == 200
    assert form.errors["commune"] == ["Choisissez dans la liste ce qui est fermé."]
    assert form.errors["reason"] == ["Indiquez le motif de la fermeture."]
    assert form.errors["end_time"] == ["L'heure de fin doit être après l'heure de début."]
    assert not Closure.objects.exists()


def test_delete_closure(adviser_client, frozen_now, territory, adviser, permanence):
    own = f.ClosureFactory(territory=territory, adviser=adviser, reason="Congé")
    shared = f.ClosureFactory(territory=territory, reason="Fermeture de Noël")
    # An adviser may not remove a territory-wide closure.
    url = reverse("staff:closure_delete", kwargs={"pk": shared.pk})
    assert adviser_client.post(url).status_code == 404
    response = adviser_client.post(reverse("staff:closure_delete", kwargs={"pk": own.pk}))
    assert response.status_code == 302
    assert list(Closure.objects.all()) == [shared]
    assert AuditLog.objects.filter(action="closure.deleted").count() == 1


# --- Commune calendar, audit log ---------------------------------------------------------


def test_commune_calendar_counts(client, booked, referent, permanence, territory):
    f.ClosureFactory(
        territory=territory,
        start=at(dt.date(2026, 12, 9), 0),
        end=at(dt.date(2026, 12, 10), 0),
        reason="Inventaire",
    )
    client.force_login(referent)
    response = client.get(reverse("staff:commune_calendar", kwargs={"insee": "59212"}))
    content = response.content.decode()
    assert response.status_code == 200
    occurrences = response.context["occurrences"]
    assert len(occurrences) == 8
    first, second = occurrences[0], occurrences[1]
    assert (first.offered, first.booked, first.free, first.closed) == (3, 1, 2, 0)
    assert (second.offered, second.booked, second.free, second.closed) == (3, 0, 0, 3)
    assert "Fermé : Inventaire" in content
    assert "Josette" not in content
    assert day_sheet_url(permanence) not in content  # no way to the names
    assert '<th scope="col">Réservés</th>' in content


def test_audit_log_lists_and_filters(client, frozen_now, culture_user, booked, adviser):
    client.force_login(adviser)
    client.post(reverse("staff:appointment_cancel", kwargs={"pk": booked.pk}))
    client.post(reverse("staff:closures"), {"date": "2026-12-09", "reason": "Formation"})
    client.force_login(culture_user)
    response = client.get(reverse("staff:audit_log"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Rendez-vous annulé" in content
    assert "Fermeture ajoutée" in content
    filtered = client.get(reverse("staff:audit_log") + "?action=closure.created")
    assert [e.action for e in filtered.context["page"].object_list] == ["closure.created"]


def test_audit_log_is_paginated_and_capped(client, frozen_now, culture_user, territory, booked):
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Appointment)
    AuditLog.objects.bulk_create(
        AuditLog(
            territory=territory,
            action="appointment.moved",
            description=f"Entrée {i}",
            content_type=content_type,
            object_id=str(booked.pk),
        )
        for i in range(230)
    )
    client.force_login(culture_user)
    response = client.get(reverse("staff:audit_log"))
    page = response.context["page"]
    assert page.paginator.count == 200
    assert page.paginator.num_pages == 4
    assert "Page 1 sur 4" in response.content.decode()
    assert client.get(reverse("staff:audit_log") + "?page=4").status_code == 200


@pytest.mark.django_db
def test_the_librarians_start_page_says_whom_to_ask(client, librarian):
    territory = librarian.territory
    territory.service_name = "Pôle lecture publique"
    territory.contact_phone = "03 28 00 00 00"
    territory.contact_email = "lecture@example.org"
    territory.save()
    client.force_login(librarian)
    page = client.get(reverse("staff:home")).content.decode()
    assert "En attendant" not in page
    assert "Pôle lecture publique vous répond" in page
    assert '<a href="tel:0328000000">03 28 00 00 00</a>' in page
    assert '<a href="mailto:lecture@example.org">lecture@example.org</a>' in page
