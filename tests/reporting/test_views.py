from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from .conftest import SECRET_NAMES, WEDNESDAYS, add_appointments

pytestmark = pytest.mark.django_db
NOV = {"du": "2026-11-01", "au": "2026-11-30"}


def test_referent_sees_own_commune_masked_and_no_other(client, history, referent, merville):
    client.force_login(referent)
    response = client.get(reverse("reporting:commune", args=["59212"]), NOV)
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt; 3" in html and "<svg" in html and "<caption>" in html
    assert not any(name in html for name in SECRET_NAMES)
    assert "Merville" not in html.split("<main", 1)[1]
    assert client.get(reverse("reporting:commune", args=["59400"]), NOV).status_code == 404
    assert client.get(reverse("reporting:dashboard")).status_code == 403


def test_adviser_and_librarian_refused(client, history, adviser, librarian):
    for user in (adviser, librarian):
        client.force_login(user)
        assert client.get(reverse("reporting:commune", args=["59212"])).status_code == 403


def test_downloads_are_masked(client, history, culture_user):
    client.force_login(culture_user)
    response = client.get(reverse("reporting:commune_download", args=["59212", "csv"]), NOV)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [
        "Rendez-vous de la période",
        "Absences (la personne n'est pas venue)",
        "Nombre",
        "< 3",
    ] in rows
    for fmt in ("pdf", "ods", "xlsx"):
        response = client.get(reverse("reporting:commune_download", args=["59212", fmt]), NOV)
        assert response.status_code == 200 and len(response.content) > 500
    assert (
        client.get(reverse("reporting:commune_download", args=["59212", "doc"])).status_code == 404
    )


def test_bad_period_is_explained(client, culture_user, estaires):
    client.force_login(culture_user)
    response = client.get(
        reverse("reporting:commune", args=["59212"]), {"du": "2026-12-01", "au": "2026-11-01"}
    )
    assert response.status_code == 400
    assert "La date de fin doit être" in response.content.decode()


def test_report_queries_do_not_grow(client, django_assert_num_queries, history, culture_user):
    client.force_login(culture_user)
    url = reverse("reporting:commune", args=["59212"])
    with django_assert_num_queries(19):  # 17 + La Coop + the answers to the confirmations
        client.get(url, {"du": "2026-10-01", "au": "2026-11-30"})
    perm = history["permanence"]
    more = [(day, hour, "seen") for day in WEDNESDAYS[:3] for hour in (10, 11)]
    add_appointments(perm, more)
    with django_assert_num_queries(19):
        response = client.get(url, {"du": "2026-10-01", "au": "2026-11-30"})
    assert response.status_code == 200


def test_dashboard(client, history, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("reporting:dashboard"), NOV)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Estaires" in html and "Merville" in html and "Période précédente" in html
    response = client.get(reverse("reporting:dashboard_download", args=["xlsx"]), NOV)
    assert response.status_code == 200


def test_nav_link(client, referent, estaires):
    client.force_login(referent)
    html = client.get(reverse("staff:home")).content.decode()
    assert reverse("reporting:index") in html


def test_commune_report_lists_the_equipment_lent_in_the_period(
    client, history, culture_user, estaires, territory
):
    import datetime as dt

    from tests.equipment.factories import EquipmentFactory, LoanFactory

    printer = EquipmentFactory(territory=territory, name="Imprimante 3D Prusa")
    LoanFactory(
        equipment=printer,
        commune=estaires,
        start_date=dt.date(2026, 11, 3),
        end_date=dt.date(2026, 11, 10),
        status="approved",
    )
    LoanFactory(
        equipment=EquipmentFactory(territory=territory, name="Valise hors période"),
        commune=estaires,
        start_date=dt.date(2027, 3, 1),
        end_date=dt.date(2027, 3, 3),
    )
    client.force_login(culture_user)
    page = client.get(
        reverse("reporting:commune", args=["59212"]), {"du": "2026-10-01", "au": "2026-11-30"}
    ).content.decode()
    assert "Imprimante 3D Prusa" in page and "03/11/2026" in page
    assert "Valise hors période" not in page
