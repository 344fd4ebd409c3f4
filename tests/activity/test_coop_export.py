"""The La Coop export: sheet « Activités », the Coop's columns in order, one row per
beneficiary per activity; the JSON agrees with the XLSX and with a count made in SQL."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.db.models import Count, Sum
from django.urls import reverse
from openpyxl import load_workbook

from cadran.activity.coop_export import COLUMNS, HEADER_ROW, record_to_coop
from cadran.activity.models import ActivityParticipant, ActivityRecord
from tests import factories as f

from .factories import ActivityRecordFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

COOP_ORDER = (
    "Date · Enregistré le · Dernière modification le · Prénom du médiateur · Nom du médiateur · "
    "Rôle · ID - Conum · Type · Participants · Bénéficiaire · Canaux d'accompagnement · "
    "Nom du lieu · Adresse · Commune · Code postal · Code Insee · Durée (min) · "
    "Nom de l'atelier · Matériel numérique utilisé · Thématique(s) d'accompagnement · Tags · "
    "Nom de la démarche administrative · Niveau d'autonomie (ou de l'atelier) · "
    "Bénéficiaire réorienté · Structure de redirection · Commune du bénéficiaire · "
    "Code postal du bénéficiaire · Code Insee du bénéficiaire · Genre du bénéficiaire · "
    "Tranche d'âge du bénéficiaire · Statut du bénéficiaire · Notes supplémentaires · "
    "Source de la donnée · ID CRA"
)


@pytest.fixture
def records(adviser, estaires):
    individual = ActivityRecordFactory(
        adviser=adviser,
        thematiques=["aide_aux_demarches_administratives", "sante"],
        demarches=["argent_impots"],
        precisions_demarche="Impôts",
        participants=[{"genre": "feminin", "birth_year": 1950, "commune_insee": "59212"}],
    )
    collective = ActivityRecordFactory(
        adviser=adviser,
        collective=True,
        participants=[
            {"genre": "masculin", "birth_year": 2000, "statut_social": "en_emploi"},
            {"genre": "feminin", "birth_year": 1980},
        ],
    )  # 2 known + 3 anonymous (2 féminin, 1 masculin, all 70+ and retired)
    return individual, collective


def read(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    ws = wb["Activités"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[HEADER_ROW - 1]
    table = [dict(zip(header, row, strict=True)) for row in rows[HEADER_ROW:]]
    return wb, rows, header, table


def test_xlsx_sheet_columns_and_rows(client, adviser, records):
    individual, collective = records
    client.force_login(adviser)
    response = client.get(
        reverse("activity:export_xlsx"), {"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb, rows, header, table = read(response.content)
    assert wb.sheetnames == ["Activités"]
    assert list(header) == COOP_ORDER.split(" · ") == list(COLUMNS)
    # Metadata and filters above the table.
    assert rows[1][1] == f"{adviser.get_full_name()} ({adviser.email})"
    assert rows[3][:2] == ("Nombre d'activités", 2)
    assert rows[6][0] == "Filtres"
    # One row per beneficiary per activity: 1 + (2 known + 3 anonymous).
    assert len(table) == 6
    by_record = Counter(row["ID CRA"] for row in table)
    assert by_record == {individual.pk: 1, collective.pk: 5}
    first = next(r for r in table if r["ID CRA"] == individual.pk)
    assert first["Type"] == "Accompagnement individuel"
    assert first["Thématique(s) d'accompagnement"] == "Aide aux démarches administratives, Santé"
    assert first["Nom de la démarche administrative"] == "Argent - Impôts, Impôts"
    assert first["Niveau d'autonomie (ou de l'atelier)"] == "Autonome avec guidage en cas de besoin"
    assert first["Genre du bénéficiaire"] == "Féminin"
    assert first["Tranche d'âge du bénéficiaire"] == "70 ans et plus"
    assert first["Commune du bénéficiaire"] == "Estaires"
    assert first["Bénéficiaire réorienté"] == "Non"
    assert first["Source de la donnée"] == "Cadran"
    workshop = [r for r in table if r["ID CRA"] == collective.pk]
    assert {r["Type"] for r in workshop} == {"Atelier collectif"}
    assert {r["Participants"] for r in workshop} == {5}
    assert {r["Niveau d'autonomie (ou de l'atelier)"] for r in workshop} == {"Débutant"}
    assert Counter(r["Genre du bénéficiaire"] for r in workshop) == {"Féminin": 3, "Masculin": 2}


def test_json_agrees_with_xlsx_and_sql(client, adviser, records, coordinator):
    client.force_login(coordinator)
    _wb, _rows, _header, table = read(client.get(reverse("activity:export_xlsx")).content)
    data = [record_to_coop(r) for r in ActivityRecord.objects.with_related()]
    # Rows of the XLSX = people in the JSON = known participants + anonymous, counted in SQL.
    sql_people = ActivityParticipant.objects.count() + (
        ActivityRecord.objects.aggregate(n=Sum("anon_total"))["n"] or 0
    )
    assert len(table) == sum(d["accompagnements"] for d in data) == sql_people == 6
    genres_json = Counter()
    for d in data:
        genres_json.update(d["genres"])
    genres_xlsx = Counter(r["Genre du bénéficiaire"] for r in table)
    assert genres_json == {"feminin": 4, "masculin": 2}
    assert genres_xlsx == {"Féminin": 4, "Masculin": 2}
    sql_feminin = (
        ActivityParticipant.objects.filter(genre="feminin").count()
        + (ActivityRecord.objects.aggregate(n=Sum("anon_genre_feminin"))["n"])
    )
    assert sql_feminin == 4
    thematiques = Counter(t for d in data for t in d["thematiques"])
    sql_thematiques = dict(
        ActivityRecord.objects.values_list("thematiques__thematique").annotate(n=Count("pk"))
    )
    assert thematiques == sql_thematiques
    assert {d["type"] for d in data} == {"individuel", "collectif"}


def test_adviser_exports_only_their_own(client, adviser, territory, records):
    other = f.UserFactory(adviser=True, territory=territory)
    ActivityRecordFactory(adviser=other)
    client.force_login(adviser)
    _wb, _rows, _header, table = read(client.get(reverse("activity:export_xlsx")).content)
    assert {r["Nom du médiateur"] for r in table} == {adviser.last_name}


def test_period_filter(client, coordinator, records):
    client.force_login(coordinator)
    response = client.get(reverse("activity:export_xlsx"), {"from": "2026-12-01"})
    _wb, rows, _header, table = read(response.content)
    assert table == [] and rows[3][1] == 0
