"""The activities spreadsheet is La Coop de la médiation numérique's own export: the header
block, the table « Activités », La Coop's columns in La Coop's order for both variants (an
adviser's own export, several advisers' export), La Coop's texts in the cells; the JSON of
the API agrees with the spreadsheet and with a count made in SQL."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.db.models import Count, Sum
from django.urls import reverse
from openpyxl import load_workbook

from cadran.activity.coop_export import (
    HEADER_ROW,
    SELF_EXPORT_COLUMNS,
    TEAM_EXPORT_COLUMNS,
    build_xlsx,
    record_to_coop,
)
from cadran.activity.models import ActivityParticipant, ActivityRecord
from cadran.core.clock import PARIS
from tests import factories as f

from .factories import RECORDED_AT, ActivityRecordFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

# ``activitesTableHeaders`` of La Coop's
# apps/web/src/features/activites/use-cases/list/export/buildAccompagnementsWorksheet.ts,
# commit 46aa33bdf21c42c2d5bbb2913f5c453cca5a9542 (inclusion-numerique/coop-mediation-numerique),
# with ``hasCraV1`` false (no Cadran record comes from « Espace coop (V1) »).
# isSelfExport = true (an adviser's own activities):
COOP_SELF_HEADERS = [
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Type",
    "Participants",
    "Bénéficiaire",
    "Canaux d’accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l’atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d’accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d’autonomie (ou de l’atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d’âge du bénéficiaire",
    "Statut du bénéficiaire",
    "Notes supplémentaires",
    "ID CRA",
]
# isSelfExport = false (a coordinator's export of several advisers), same file and commit:
COOP_TEAM_HEADERS = [
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Prénom du médiateur",
    "Nom du médiateur",
    "Rôle",
    "ID - Conum",
    "Type",
    "Participants",
    "Canaux d’accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l’atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d’accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d’autonomie (ou de l’atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d’âge du bénéficiaire",
    "Statut du bénéficiaire",
    "ID CRA",
]
# The rows above the table, from La Coop's addExportMetadata.ts and buildWorksheetHelpers.ts
# (addFilters), same commit; the export is made at the tests' NOW (27/11/2026, 10:00 Paris).
FILTERS_BLOCK = [
    ("Filtres", None),
    ("Période", "01.11.2026 - 30.11.2026"),
    ("Source", "-"),
    ("Lieux d’accompagnement", "-"),
    ("Communes", "-"),
    ("Départements", "-"),
    ("Type d’accompagnement", "-"),
    ("Rôle", "-"),
    ("Thématiques non administratives", "-"),
    ("Thématiques administratives", "-"),
    ("Tags", "-"),
    (None, None),
    (None, None),
]
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def venue(estaires):
    return f.VenueFactory(commune=estaires, name="Mairie d'Estaires", address="Place Foch")


@pytest.fixture
def records(adviser, venue):
    individual = ActivityRecordFactory(
        adviser=adviser,
        venue=venue,
        thematiques=["sante", "aide_aux_demarches_administratives"],
        demarches=["argent_impots", "logement"],
        materiels=["telephone", "ordinateur"],
        precisions_demarche="Impôts",
        notes="Revenir  pour la déclaration.",
        participants=[{"genre": "feminin", "birth_year": 1950, "commune_insee": "59212"}],
    )
    collective = ActivityRecordFactory(
        adviser=adviser,
        venue=venue,
        collective=True,
        thematiques=["securite_numerique"],
        notes="Bon groupe.",
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


def export(client, user, params=NOVEMBER):
    client.force_login(user)
    response = client.get(reverse("activity:export_xlsx"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response


def test_self_export_header_block_table_and_columns(client, adviser, records):
    wb, rows, header, table = read(export(client, adviser).content)
    assert wb.sheetnames == ["Activités"]
    # La Coop's addExportMetadata, then addFilters, then the separator row.
    assert [row[:2] for row in rows[: HEADER_ROW - 1]] == [
        ("Informations export", None),
        ("Nom", adviser.last_name),
        ("Prénom", adviser.first_name),
        ("Rôle", "Conseiller Numérique"),
        ("Total", 6),  # people helped: 1 + (2 known + 3 anonymous)
        ("Date d'export", "27/11/2026"),
        ("Heure d'export", "10:00"),
        (None, None),
        *FILTERS_BLOCK,
    ]
    ws = wb["Activités"]
    assert ws["A1"].font.bold and ws["A9"].font.bold
    # The table « Activités », its header row on row 22, La Coop's columns in La Coop's order.
    assert list(ws.tables) == ["Activités"]
    assert ws.tables["Activités"].ref == f"A{HEADER_ROW}:AC{HEADER_ROW + 6}"
    assert list(header) == COOP_SELF_HEADERS == list(SELF_EXPORT_COLUMNS)
    assert len(table) == 6


def test_team_export_columns_and_adviser_cells(client, coordinator, adviser, records):
    individual, _collective = records
    wb, rows, header, table = read(export(client, coordinator).content)
    assert list(header) == COOP_TEAM_HEADERS == list(TEAM_EXPORT_COLUMNS)
    assert rows[1][:2] == ("Nom", coordinator.last_name)
    assert rows[3][:2] == ("Rôle", "Coordinateur")
    assert wb["Activités"].tables["Activités"].ref == f"A{HEADER_ROW}:AE{HEADER_ROW + 6}"
    row = next(r for r in table if r["ID CRA"] == individual.pk)
    assert row["Prénom du médiateur"] == adviser.first_name
    assert row["Nom du médiateur"] == adviser.last_name
    assert row["Rôle"] == "Conseiller Numérique"
    assert row["ID - Conum"] is True  # La Coop writes ``isConseillerNumerique`` there
    assert "Bénéficiaire" not in row and "Notes supplémentaires" not in row


def test_individual_row(client, adviser, records):
    individual, _collective = records
    _wb, _rows, _header, table = read(export(client, adviser).content)
    row = next(r for r in table if r["ID CRA"] == individual.pk)
    assert row == {
        "Date": dt.datetime(2026, 11, 25),
        "Enregistré le": "27/11/2026 à 10:00",
        "Dernière modification le": None,  # La Coop: '' when never modified
        "Type": "Accompagnement individuel",
        "Participants": 1,
        "Bénéficiaire": "Bénéficiaire anonyme",
        "Canaux d’accompagnement": "Lieu d’activité",
        "Nom du lieu": "Mairie d'Estaires",
        "Adresse": "Place Foch",
        "Commune": "Estaires",
        "Code postal": "59940",
        "Code Insee": "59212",
        "Durée (min)": 60,
        "Nom de l’atelier": None,
        "Matériel numérique utilisé": "Ordinateur\nTéléphone",
        "Thématique(s) d’accompagnement": (
            "Santé\nAide aux démarches administratives\nLogement\nArgent - Impôts"
        ),
        "Tags": None,
        "Nom de la démarche administrative": "Impôts",
        "Niveau d’autonomie (ou de l’atelier)": "2/3",
        "Bénéficiaire réorienté": "Non",
        "Structure de redirection": None,
        "Commune du bénéficiaire": "Estaires",
        "Code postal du bénéficiaire": "59940",
        "Code Insee du bénéficiaire": "59212",
        "Genre du bénéficiaire": "Féminin",
        "Tranche d’âge du bénéficiaire": "70 ans et plus",
        "Statut du bénéficiaire": "Non communiqué ou hétérogène",
        "Notes supplémentaires": "Revenir pour la déclaration.",
        "ID CRA": individual.pk,
    }


def test_collective_workshop_rows(client, adviser, records):
    _individual, collective = records
    _wb, _rows, _header, table = read(export(client, adviser).content)
    workshop = [r for r in table if r["ID CRA"] == collective.pk]
    assert [r["Participants"] for r in workshop] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    assert {r["Type"] for r in workshop} == {"Atelier collectif"}
    assert {r["Nom de l’atelier"] for r in workshop} == {"Découvrir la tablette"}
    assert {r["Niveau d’autonomie (ou de l’atelier)"] for r in workshop} == {"1/3"}
    assert {r["Bénéficiaire réorienté"] for r in workshop} == {None}  # not asked of a workshop
    assert {r["Thématique(s) d’accompagnement"] for r in workshop} == {
        "Prévention en sécurité numérique"
    }
    assert Counter(r["Genre du bénéficiaire"] for r in workshop) == {"Féminin": 3, "Masculin": 2}
    assert [r["Statut du bénéficiaire"] for r in workshop][:3] == [
        "En emploi",
        "Non communiqué ou hétérogène",
        "Retraité",
    ]
    # La Coop writes the notes on the activity's first row only.
    assert [r["Notes supplémentaires"] for r in workshop] == ["Bon groupe.", None, None, None, None]


def test_line_breaks_wrap_in_the_cells(client, adviser, records):
    wb, _rows, header, _table = read(export(client, adviser).content)
    ws = wb["Activités"]
    column = header.index("Thématique(s) d’accompagnement") + 1
    cells = [ws.cell(row=r, column=column) for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    cell = next(c for c in cells if c.value and "\n" in c.value)
    assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
    assert ws["A1"].alignment.wrap_text


def test_dates(client, adviser, venue):
    record = ActivityRecordFactory(
        adviser=adviser,
        venue=venue,
        date=dt.date(2026, 7, 3),
        created_at=dt.datetime(2026, 7, 3, 16, 5, tzinfo=PARIS),  # summer time
        updated_at=dt.datetime(2026, 7, 6, 8, 30, tzinfo=PARIS),
        locked_at=RECORDED_AT,
    )
    content = export(client, adviser, {"from": "2026-07-01", "to": "2026-07-31"}).content
    wb, rows, _header, table = read(content)
    assert rows[9][:2] == ("Période", "01.07.2026 - 31.07.2026")
    (row,) = table
    assert row["ID CRA"] == record.pk
    assert row["Date"] == dt.datetime(2026, 7, 3)
    assert wb["Activités"][f"A{HEADER_ROW + 1}"].number_format == "dd/mm/yyyy"
    assert row["Enregistré le"] == "03/07/2026 à 16:05"
    assert row["Dernière modification le"] == "06/07/2026 à 08:30"


def test_period_with_one_end_and_empty_table(client, coordinator, records):
    wb, rows, _header, table = read(export(client, coordinator, {"from": "2026-12-01"}).content)
    assert rows[4][:2] == ("Total", 0)
    assert rows[9][:2] == ("Période", "à partir du 01.12.2026")
    assert all(value is None for row in table for value in row.values())
    # Excel wants one data row in a table: an empty one.
    assert wb["Activités"].tables["Activités"].ref == f"A{HEADER_ROW}:AE{HEADER_ROW + 1}"


def test_no_period_and_roles_in_the_header_block(adviser, culture_user, records):
    records = ActivityRecord.objects.with_related()
    _wb, rows, _header, _table = read(build_xlsx(records, user=culture_user, self_export=False))
    assert rows[3][:2] == ("Rôle", "Rôle non défini")  # La Coop has no Service Culture
    assert rows[9][:2] == ("Période", "-")


def test_json_agrees_with_xlsx_and_sql(client, adviser, records, coordinator):
    _wb, _rows, _header, table = read(export(client, coordinator, {}).content)
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
    _wb, _rows, _header, table = read(export(client, adviser, {}).content)
    assert {r["ID CRA"] for r in table} == {r.pk for r in records}
