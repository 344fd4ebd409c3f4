"""The loan request pre-filled from the address (a 3D-printer session waiting for its
loan), and the way back to the page it came from: only to a page of this site."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse

from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Loan
from tests import factories as f

from .factories import EquipmentFactory, LoanFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

URL = reverse("equipment:loan_request")
BACK = "/espace/ateliers/demandes/7/?accept-venue=3#titre-accepter"
UNSAFE = ["https://pirate.example/espace/", "//pirate.example/", "javascript:alert(1)"]


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def prefill(**extra):
    return {
        "type": "printer_3d",
        "commune": "59212",
        "du": "2026-12-12",
        "au": "2026-12-12",
        "motif": "Atelier « Imprimer en 3D » (Médiathèque d'Estaires).",
        "next": BACK,
    } | extra


def post_data(item, commune, **extra):
    return {
        "equipment": item.pk,
        "commune": commune.pk,
        "start_date": "2026-12-12",
        "end_date": "2026-12-12",
        "storage_place": "Réserve fermée à clé",
        "storage_committed": "on",
        **extra,
    }


def test_prefill_chooses_a_free_printer_the_commune_the_library_and_the_days(
    client, culture_user, territory, estaires, estaires_library
):
    busy = EquipmentFactory(territory=territory, printer=True, name="Imprimante A")
    free = EquipmentFactory(territory=territory, printer=True, name="Imprimante B")
    EquipmentFactory(territory=territory, name="Valise")
    LoanFactory(
        equipment=busy,
        commune=estaires,
        start_date=dt.date(2026, 12, 11),
        end_date=dt.date(2026, 12, 13),
    )
    client.force_login(culture_user)
    response = client.get(URL, prefill(bibliotheque=estaires_library.pk))
    body = page(response)
    initial = response.context["form"].initial
    assert initial["equipment"] == free.pk  # « Imprimante A » is lent on those days
    assert initial["commune"] == estaires.pk and initial["library"] == estaires_library.pk
    assert f'<option value="{free.pk}" selected>Imprimante B' in body
    assert 'name="start_date" value="2026-12-12"' in body
    assert 'name="end_date" value="2026-12-12"' in body
    assert "Atelier « Imprimer en 3D » (Médiathèque d'Estaires)." in body
    assert f'<input type="hidden" name="next" value="{BACK}">' in body


def test_prefill_ignores_what_is_outside_the_scope_or_malformed(client, culture_user, territory):
    other = f.CommuneFactory(territory=f.TerritoryFactory(slug="ailleurs"), insee_code="75056")
    client.force_login(culture_user)
    form = client.get(URL, prefill(commune="75056", du="12/12/2026", type="fusee")).context["form"]
    assert "commune" not in form.initial and "start_date" not in form.initial
    assert "equipment" not in form.initial
    assert other.pk not in form.initial.values()


def test_after_the_request_back_to_the_page_it_came_from(client, culture_user, printer, estaires):
    client.force_login(culture_user)
    response = client.post(URL, post_data(printer, estaires, next=BACK))
    loan = Loan.objects.get()
    assert loan.status == LoanStatus.REQUESTED
    assert response.status_code == 302
    assert response["Location"] == BACK
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("doit être acceptée avant la séance" in m for m in messages)


@pytest.mark.parametrize("unsafe", UNSAFE)
def test_an_unsafe_next_is_refused(client, culture_user, printer, estaires, unsafe):
    client.force_login(culture_user)
    body = page(client.get(URL, prefill(next=unsafe)))
    assert 'name="next"' not in body and "pirate" not in body
    response = client.post(URL, post_data(printer, estaires, next=unsafe))
    loan = Loan.objects.get()
    assert response["Location"] == reverse("equipment:loan_detail", kwargs={"pk": loan.pk})


def test_approving_with_next_comes_back(client, culture_user, printer, estaires):
    loan = LoanFactory(equipment=printer, commune=estaires)
    client.force_login(culture_user)
    detail = reverse("equipment:loan_detail", kwargs={"pk": loan.pk})
    body = page(client.get(detail, {"next": BACK}))
    assert f'<input type="hidden" name="next" value="{BACK}">' in body
    assert "Accepter la demande et revenir" in body
    response = client.post(
        reverse("equipment:loan_approve", kwargs={"pk": loan.pk}), {"next": BACK}
    )
    assert response["Location"] == BACK
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED


@pytest.mark.parametrize("unsafe", UNSAFE)
def test_approving_with_an_unsafe_next_stays_on_the_loan(
    client, culture_user, printer, estaires, unsafe
):
    loan = LoanFactory(equipment=printer, commune=estaires)
    client.force_login(culture_user)
    detail = reverse("equipment:loan_detail", kwargs={"pk": loan.pk})
    assert 'name="next"' not in page(client.get(detail, {"next": unsafe}))
    response = client.post(
        reverse("equipment:loan_approve", kwargs={"pk": loan.pk}), {"next": unsafe}
    )
    assert response["Location"] == detail
