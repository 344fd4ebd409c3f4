"""The equipment pages: what they show, the forms and their errors, the actions, and the
same number of queries for one row and for many.

Each count includes the login session and the user (2) and the session save of
``SESSION_SAVE_EVERY_REQUEST`` (3: savepoint, update, release).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from cadran.core.clock import PARIS
from cadran.equipment.enums import EquipmentStatus, LoanStatus
from cadran.equipment.models import Equipment, Loan
from tests import factories as f
from tests.workshops.factories import SessionFactory, WorkshopFactory, WorkshopFormatFactory

from .factories import LOAN_START, EquipmentFactory, LoanFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

MANY = 25


def page(client, url, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


# --- Equipment list and item ------------------------------------------------------------------


def test_list_shows_each_item_and_its_state(client, referent, printer, laptops, merville):
    LoanFactory(
        equipment=printer,
        commune=merville,
        collected=True,
        start_date=dt.date(2026, 11, 20),
        end_date=dt.date(2026, 11, 25),
    )
    LoanFactory(equipment=laptops, commune=merville, approved=True)
    client.force_login(referent)
    html = page(client, reverse("equipment:list"))
    assert "<h1>" in html and html.count("<h1") == 1
    assert "Imprimante 3D n° 1" in html and "IMP3D-01" in html
    assert "Prêté" in html and "chez Merville, jusqu'au 25/11/2026" in html
    assert "En retard" in html  # not colour only: the words
    assert "à partir du 02/12/2026 (Merville)" in html
    assert 'href="/espace/materiel/prets/demande/"' in html
    assert "Demandes à valider" not in html  # for the service only


def test_list_warns_the_service_about_3d_sessions_without_a_printer(
    client, culture_user, territory, estaires
):
    fmt = WorkshopFormatFactory(territory=territory, printer_3d=True)
    venue = f.VenueFactory(commune=estaires)
    SessionFactory(
        workshop=WorkshopFactory(territory=territory, format=fmt, title="Imprimer"), venue=venue
    )
    client.force_login(culture_user)
    html = page(client, reverse("equipment:list"))
    assert "Séances imprimante 3D sans imprimante réservée" in html
    assert "Imprimer" in html


def test_item_page_has_a_calendar_without_javascript(client, referent, printer, estaires):
    LoanFactory(equipment=printer, commune=estaires, approved=True)
    client.force_login(referent)
    html = page(client, reverse("equipment:detail", kwargs={"pk": printer.pk}) + "?mois=2026-12")
    assert "Calendrier de décembre 2026" in html
    assert html.count("Réservé : Estaires") == 3
    assert '<th scope="col"><abbr title="lundi">' in html
    assert "?mois=2027-01" in html and "?mois=2026-11" in html
    assert "Du 02/12/2026 au 04/12/2026" in html
    assert "espace de stockage" in html or "pièce fermée" in html
    assert "Changer l&#x27;état" not in html  # referents do not set the state


def test_item_page_ignores_a_bad_month(client, culture_user, printer):
    client.force_login(culture_user)
    html = page(client, reverse("equipment:detail", kwargs={"pk": printer.pk}) + "?mois=2026-13")
    assert "Calendrier de novembre 2026" in html


def test_set_status(client, culture_user, printer):
    client.force_login(culture_user)
    response = client.post(
        reverse("equipment:set_status", kwargs={"pk": printer.pk}),
        {"status": "in_repair", "notes": "Buse à changer"},
        follow=True,
    )
    assert "L&#x27;état du matériel est enregistré." in response.content.decode()
    printer.refresh_from_db()
    assert printer.status == EquipmentStatus.IN_REPAIR and printer.notes == "Buse à changer"


def test_set_status_refusal_is_shown(client, culture_user, printer):
    LoanFactory(equipment=printer, collected=True)
    client.force_login(culture_user)
    response = client.post(
        reverse("equipment:set_status", kwargs={"pk": printer.pk}),
        {"status": "retired"},
        follow=True,
    )
    assert "notez d&#x27;abord son retour" in response.content.decode()
    assert Equipment.objects.get(pk=printer.pk).status == EquipmentStatus.AVAILABLE


# --- Request form -----------------------------------------------------------------------------


def request_data(item, **extra):
    return {
        "equipment": item.pk,
        "start_date": "2026-12-02",
        "end_date": "2026-12-04",
        "purpose": "Atelier imprimante 3D",
        **extra,
    }


def test_referent_request_for_a_printer_without_storage_shows_linked_errors(
    client, referent, printer, estaires
):
    client.force_login(referent)
    url = reverse("equipment:loan_request")
    html = page(client, url + f"?materiel={printer.pk}")
    assert f'<option value="{printer.pk}" selected>' in html
    response = client.post(url, request_data(printer, commune=estaires.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#id_storage_place"' in html and 'href="#id_storage_committed"' in html
    assert 'aria-describedby="id_storage_place_helptext id_storage_place_error"' in html
    assert "article 4" in html
    assert not Loan.objects.exists()


def test_referent_requests_a_printer(client, referent, printer, estaires):
    client.force_login(referent)
    response = client.post(
        reverse("equipment:loan_request"),
        request_data(
            printer,
            commune=estaires.pk,
            storage_place="Local fermé du CCAS",
            storage_committed="on",
        ),
    )
    loan = Loan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("equipment:loan_detail", kwargs={"pk": loan.pk})
    assert loan.commune == estaires and loan.requested_by == referent
    assert loan.storage_place == "Local fermé du CCAS"
    html = page(client, response["Location"])
    assert "Votre demande est enregistrée" in html
    assert "au plus tard le 05/12/2026" in html  # the pickup deadline


def test_referent_cannot_pick_another_commune(client, referent, laptops, merville):
    client.force_login(referent)
    response = client.post(
        reverse("equipment:loan_request"), request_data(laptops, commune=merville.pk)
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Loan.objects.exists()


def test_librarian_requests_for_their_library(client, librarian, laptops):
    client.force_login(librarian)
    html = page(client, reverse("equipment:loan_request"))
    assert 'name="commune"' not in html and escape(librarian.library.name) in html
    response = client.post(reverse("equipment:loan_request"), request_data(laptops))
    assert response.status_code == 302
    loan = Loan.objects.get()
    assert loan.library == librarian.library and loan.commune == librarian.library.commune


def test_overlap_is_shown_on_the_form(client, culture_user, laptops, estaires, merville):
    LoanFactory(equipment=laptops, commune=merville, approved=True)
    client.force_login(culture_user)
    response = client.post(
        reverse("equipment:loan_request"), request_data(laptops, commune=estaires.pk)
    )
    html = response.content.decode()
    assert "déjà réservé du 02/12/2026 au 04/12/2026 (Commune de Merville)" in html
    assert 'href="#id_start_date"' in html


# --- The steps of a loan ----------------------------------------------------------------------


def test_the_whole_journey(client, culture_user, referent, printer, estaires):
    loan = LoanFactory(equipment=printer, commune=estaires, requested_by=referent)
    detail = reverse("equipment:loan_detail", kwargs={"pk": loan.pk})
    client.force_login(culture_user)
    assert "Accepter la demande" in page(client, detail)
    response = client.post(reverse("equipment:loan_approve", kwargs={"pk": loan.pk}), follow=True)
    assert "Le prêt est accepté" in response.content.decode()
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=PARIS), tick=False):
        client.force_login(culture_user)  # the login session lasts 8 hours
        html = page(client, detail)
        assert "Noter que le matériel est retiré" in html
        client.post(reverse("equipment:loan_collect", kwargs={"pk": loan.pk}))
        assert Loan.objects.get(pk=loan.pk).status == LoanStatus.COLLECTED
    with time_machine.travel(dt.datetime(2026, 12, 6, 9, tzinfo=PARIS), tick=False):
        client.force_login(culture_user)
        html = page(client, detail)
        assert "En retard" in html
        assert "En retard" in page(client, reverse("equipment:loan_list"))
        url = reverse("equipment:loan_return", kwargs={"pk": loan.pk})
        response = client.post(url, {"condition": "damaged", "notes": ""})
        assert response.status_code == 200
        assert "Dites ce qui est abîmé" in response.content.decode()
        response = client.post(url, {"condition": "damaged", "notes": "Plateau fendu"})
        assert response.status_code == 302
        html = page(client, detail)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.RETURNED and loan.return_notes == "Plateau fendu"
    assert Equipment.objects.get(pk=printer.pk).status == EquipmentStatus.IN_REPAIR
    assert "Abîmé : à réparer : Plateau fendu" in html
    assert "Prêt accepté" in html  # the history


def test_refused_action_is_explained(client, culture_user, printer):
    loan = LoanFactory(equipment=printer, approved=True)
    client.force_login(culture_user)
    response = client.post(reverse("equipment:loan_collect", kwargs={"pk": loan.pk}), follow=True)
    assert "ne peut pas partir avant" in response.content.decode()


def test_referent_cancels_their_request(client, referent, printer, estaires):
    loan = LoanFactory(equipment=printer, commune=estaires, requested_by=referent)
    client.force_login(referent)
    detail = page(client, reverse("equipment:loan_detail", kwargs={"pk": loan.pk}))
    assert "Annuler le prêt" in detail and "Accepter la demande" not in detail
    url = reverse("equipment:loan_cancel", kwargs={"pk": loan.pk})
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and 'href="#id_reason"' in response.content.decode()
    response = client.post(url, {"reason": "Atelier reporté"})
    assert response.status_code == 302
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.CANCELLED


def test_commune_history(client, referent, printer, laptops, estaires):
    LoanFactory(
        equipment=printer,
        commune=estaires,
        returned=True,
        start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2026, 10, 2),
    )
    LoanFactory(equipment=laptops, commune=estaires, cancelled=True)
    client.force_login(referent)
    html = page(client, reverse("equipment:commune_history", kwargs={"insee": "59212"}))
    assert "Prêts de matériel à Estaires" in html
    assert "Rendu" in html and "Annulé" in html
    assert "du 01/10/2026 au 02/10/2026" in html


def test_nav_has_the_equipment_link(client, adviser):
    client.force_login(adviser)
    html = page(client, reverse("equipment:list"))
    assert 'href="/espace/materiel/" aria-current="page">Matériel</a>' in html


# --- Query counts -----------------------------------------------------------------------------


def _items_with_loans(territory, communes, n):
    for i in range(n):
        item = EquipmentFactory(territory=territory, printer=i % 2 == 0)
        commune = communes[i % len(communes)]
        LoanFactory(
            equipment=item,
            commune=commune,
            collected=True,
            start_date=dt.date(2026, 11, 20),
            end_date=dt.date(2026, 11, 26),
        )
        LoanFactory(equipment=item, commune=commune, start_date=LOAN_START + dt.timedelta(days=i))
        LoanFactory(
            equipment=item,
            commune=commune,
            approved=True,
            start_date=dt.date(2027, 1, 4),
            end_date=dt.date(2027, 1, 5),
        )


@pytest.mark.parametrize("who", ["culture_user", "referent"])
def test_equipment_list_queries_do_not_grow(
    client, django_assert_num_queries, territory, estaires, merville, request_fixture, who
):
    user = request_fixture(who)
    client.force_login(user)
    url = reverse("equipment:list")
    expected = 9 if who == "culture_user" else 6
    _items_with_loans(territory, [estaires], 1)
    with django_assert_num_queries(expected):
        page(client, url)
    _items_with_loans(territory, [estaires, merville], MANY)
    with django_assert_num_queries(expected):
        page(client, url)


@pytest.mark.parametrize("who", ["culture_user", "referent", "librarian"])
def test_loan_list_queries_do_not_grow(
    client, django_assert_num_queries, territory, estaires, merville, request_fixture, who
):
    user = request_fixture(who)
    client.force_login(user)
    url = reverse("equipment:loan_list")
    _items_with_loans(territory, [estaires], 1)
    expected = 9
    with django_assert_num_queries(expected):
        page(client, url)
    _items_with_loans(territory, [estaires, merville], MANY)
    with django_assert_num_queries(expected):
        html = page(client, url)
    if who != "librarian":
        assert "Pas rendu à temps" in html


def test_commune_history_and_item_page_queries_do_not_grow(
    client, django_assert_num_queries, culture_user, territory, estaires, printer
):
    client.force_login(culture_user)
    LoanFactory(equipment=printer, commune=estaires, approved=True)
    history = reverse("equipment:commune_history", kwargs={"insee": "59212"})
    detail = reverse("equipment:detail", kwargs={"pk": printer.pk})
    with django_assert_num_queries(7):
        page(client, history)
    with django_assert_num_queries(9):
        page(client, detail)
    for i in range(MANY):
        LoanFactory(
            equipment=printer,
            commune=estaires,
            returned=True,
            start_date=dt.date(2026, 6, 1) + dt.timedelta(days=3 * i),
            end_date=dt.date(2026, 6, 2) + dt.timedelta(days=3 * i),
        )
        LoanFactory(equipment=printer, commune=estaires, cancelled=True)
    with django_assert_num_queries(7):
        page(client, history)
    with django_assert_num_queries(9):
        page(client, detail)
