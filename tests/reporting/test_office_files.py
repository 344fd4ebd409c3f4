"""Report files that office tools read without surprise: columns wide enough, full titles,
a PDF that flows on few pages, charts that draw small and masked values, one way of
writing hours, masks consistent with their totals, workshops counted in plain words, and
the same figures in every format."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest

from cadran.reporting.charts import NBSP
from cadran.reporting.exports import (
    COLLECTIVE_RECORDS,
    SESSIONS_HELD,
    Hours,
    dashboard_document,
    human,
    render,
    report_document,
    report_json,
    sheets,
)
from cadran.reporting.selectors import attendance_report, territory_dashboard
from cadran.reporting.templatetags.reporting import cell
from cadran.workshops.enums import SessionStatus
from tests.workshops.factories import SessionFactory, WorkshopFactory

from .conftest import NOVEMBER, add_collective_record, add_record, at
from .office import ods_sheets, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def doc(history, estaires):
    return report_document(attendance_report(commune=estaires, period=NOVEMBER), masked=True)


def longest(rows) -> int:
    return max(len(str(v)) for v in rows)


# --- 1 and 2. Column widths, sheet names, full titles ----------------------------------------


def test_xlsx_columns_are_as_wide_as_their_longest_label_and_titles_are_whole(doc):
    book = openpyxl.load_workbook(io.BytesIO(render(doc, "xlsx")))
    expected = sheets(doc)
    assert book.sheetnames == [s.name for s in expected]
    assert len(set(book.sheetnames)) == len(book.sheetnames)
    for sheet in expected:
        ws = book[sheet.name]
        assert len(sheet.name) <= 31
        assert ws["A1"].value == sheet.title  # the full caption, never cut
        assert [c.value for c in ws[2]] == sheet.headers
        for i, letter in enumerate("ABCDEFGHIJK"[: len(sheet.headers)]):
            width = ws.column_dimensions[letter].width
            labels = [sheet.headers[i], *(human(row[i]) for row in sheet.rows)]
            assert 10 <= width <= 60
            assert width >= min(longest(labels), 60), (sheet.name, letter)
    captions = {t.caption for t in doc.tables}
    assert any(len(c) > 31 for c in captions)  # the case the title row is for
    assert captions <= {book[name]["A1"].value for name in book.sheetnames}


def test_ods_columns_are_as_wide_as_their_longest_label_and_titles_are_whole(doc):
    ods = ods_sheets(render(doc, "ods"))
    expected = sheets(doc)
    assert list(ods) == [s.name for s in expected]
    for sheet in expected:
        read = ods[sheet.name]
        assert read.texts[0][0] == sheet.title
        assert read.texts[1] == sheet.headers
        assert len(read.column_widths_cm) == len(sheet.headers)
        for i, width in enumerate(read.column_widths_cm):
            labels = [sheet.headers[i], *(human(row[i]) for row in sheet.rows)]
            # ~0.2 cm a character of the default 10 pt font
            assert 10 * 0.2 <= width <= 60 * 0.22
            assert width >= min(longest(labels), 60) * 0.2, (sheet.name, i)
    motifs = ods["Motifs des rendez-vous"]
    assert motifs.texts[0][0] == "Motifs des rendez-vous (choisis à la prise de rendez-vous)"


def test_sheet_names_stay_short_and_unique_on_the_dashboard(history, territory):
    board = dashboard_document(territory_dashboard(territory=territory, period=NOVEMBER))
    board.tables.append(board.tables[0])  # the same caption twice
    names = openpyxl.load_workbook(io.BytesIO(render(board, "xlsx"))).sheetnames
    assert all(len(n) <= 31 for n in names) and len(set(names)) == len(names)
    assert names[-1].endswith(" 2")


# --- 3. The PDF flows -----------------------------------------------------------------------


def test_the_commune_pdf_flows_on_at_most_three_pages_none_empty(doc):
    pages = pdf_pages(render(doc, "pdf"))
    assert len(pages) <= 3
    for page in pages:
        # Every page has figures, not only its footer « Page n sur m ».
        assert len(re.sub(r"État de la fréquentation — Estaires Page \d sur \d", "", page)) > 200


# --- 4. Charts ------------------------------------------------------------------------------


def test_a_masked_value_is_a_hatched_stub_labelled_and_0_a_label(doc):
    doc.with_charts()
    table = next(t for t in doc.tables if t.key == "rendez_vous")
    svg = table.chart
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    # The hatch is an SVG pattern of this chart, filling the masked bars.
    pattern = re.search(r'<pattern id="(graphique-rendez_vous-[^"]+)"', svg)
    assert pattern
    masked = [i for i, row in enumerate(table.rows) if row[1] == "< 3"]
    zeros = [i for i, row in enumerate(table.rows) if row[1] == 0]
    assert masked and zeros
    for i in masked:
        bar = re.search(rf'<g id="graphique-rendez_vous-bar-{i}">\s*<path ([^>]*)>', svg)
        assert f"url(#{pattern.group(1)})" in bar.group(1)
    labels = re.findall(r"<text [^>]*>([^<]*(?:&lt;[^<]*)?)</text>", svg)
    assert labels.count(f"&lt;{NBSP}3") == len(masked)  # never cut between two lines
    assert labels.count("0") >= len(zeros)
    assert cell("< 3") == f"<{NBSP}3"  # the tables of the page and of the PDF


# --- 5. Hours -------------------------------------------------------------------------------


def test_hours_are_written_one_way_for_people_and_as_numbers_for_machines(doc, history, estaires):
    assert human(Hours(153.0)) == f"153{NBSP}h" and human(Hours(153.5)) == f"153,5{NBSP}h"
    key = dict(next(t for t in doc.tables if t.key == "chiffres_cles").rows)
    assert key["Heures de permanence proposées"] == 9.0
    assert re.search(r"Heures de permanence proposées 9 h\b", pdf_text(render(doc, "pdf")))
    ws = openpyxl.load_workbook(io.BytesIO(render(doc, "xlsx")))["Heures de permanence"]
    assert ws["B3"].value == 9 and ws["B3"].number_format == '0" h"'
    ods = ods_sheets(render(doc, "ods"))["Heures de permanence"]
    assert ods.values[2][1] == 9 and ods.texts[2][1] == "9 h"
    assert ods.data_styles[2][1] == "heures0"
    rows = list(csv.reader(io.StringIO(render(doc, "csv").decode("utf-8-sig"))))
    proposed = "Proposées (jours fériés et fermetures retirés)"
    assert ["Heures de permanence", proposed, "Nombre d'heures", "9.0"] in rows  # machine
    report = attendance_report(commune=estaires, period=NOVEMBER)
    assert json.loads(json.dumps(report_json(report, masked=True)))["hours"]["offered"] == 9.0
    doc.with_charts()
    chart = next(t for t in doc.tables if t.key == "heures").chart
    assert f">9{NBSP}h<" in chart and f">5{NBSP}h<" in chart


# --- 6. A mask never sits beside a total of 0 -----------------------------------------------


def test_first_visits_sit_under_the_records_they_are_part_of(estaires, adviser, permanence):
    """Records without any appointment: « < 3 » first visits, 0 people received."""
    add_record(
        commune=estaires,
        adviser=adviser,
        venue=permanence.venue,
        day=NOVEMBER.start,
        first_visit=True,
    )
    report = attendance_report(commune=estaires, period=NOVEMBER)
    rows = next(t for t in report_document(report, masked=True).tables if t.key == "chiffres_cles")
    labels = [r[0] for r in rows.rows]
    key = dict(rows.rows)
    assert key["Personnes reçues en rendez-vous (différentes)"] == 0
    assert key["dont premières visites (comptes rendus)"] == "< 3"
    whole = labels.index("dont premières visites (comptes rendus)") - 1
    assert labels[whole] == "Personnes accompagnées (comptes rendus)"
    assert key[labels[whole]] != 0


# --- 7. Workshops: planned sessions and workshop records, each named ------------------------


def test_workshop_sessions_and_workshop_records_are_both_shown_by_name(
    estaires, adviser, permanence, territory
):
    add_collective_record(
        commune=estaires,
        adviser=adviser,
        venue=permanence.venue,
        day=NOVEMBER.start,
        known=1,
        first_visits=0,
        anonymous=3,
    )
    report = attendance_report(commune=estaires, period=NOVEMBER)
    doc = report_document(report, masked=True)
    key = dict(next(t for t in doc.tables if t.key == "chiffres_cles").rows)
    assert key[SESSIONS_HELD] == 0 and key[COLLECTIVE_RECORDS] == 1
    data = report_json(report, masked=True)
    assert data["sessions"]["held"] == 0 and data["activities"]["collective"] == 1
    SessionFactory(
        workshop=WorkshopFactory(territory=territory),
        venue=permanence.venue,
        start=at(NOVEMBER.start, 14),
        status=SessionStatus.HELD,
    )
    key = dict(
        next(
            t
            for t in report_document(
                attendance_report(commune=estaires, period=NOVEMBER), masked=True
            ).tables
            if t.key == "chiffres_cles"
        ).rows
    )
    assert key[SESSIONS_HELD] == 1 and key[COLLECTIVE_RECORDS] == 1


# --- 8. The same figures everywhere -----------------------------------------------------------


def test_key_figures_agree_in_every_format_and_in_the_charts(history, estaires):
    report = attendance_report(commune=estaires, period=NOVEMBER)
    doc = report_document(report, masked=True)
    data = report_json(report, masked=True)
    figures = {  # (table, row label): (value in the tables, value in JSON)
        ("rendez_vous", "Honorés (la personne est venue)"): (5, data["appointments"]["seen"]),
        ("rendez_vous", "Absences (la personne n'est pas venue)"): (
            "< 3",
            data["appointments"]["noshow"],
        ),
        ("heures", "Proposées (jours fériés et fermetures retirés)"): (
            9.0,
            data["hours"]["offered"],
        ),
        ("participants", "Total"): (5, data["sessions"]["participants"]),
        ("ateliers", "Tenues"): (1, data["sessions"]["held"]),
    }
    tables = {t.key: t for t in doc.tables}
    csv_rows = list(csv.reader(io.StringIO(render(doc, "csv").decode("utf-8-sig"))))
    book = openpyxl.load_workbook(io.BytesIO(render(doc, "xlsx")))
    ods = ods_sheets(render(doc, "ods"))
    by_title = {s.title: s.name for s in sheets(doc)}
    text = pdf_text(render(doc, "pdf"))
    doc.with_charts()
    for (key, label), (value, in_json) in figures.items():
        table = tables[key]
        assert in_json == value
        cell_value = dict(table.rows)[label]  # Hours(9.0) for hours: == 9.0
        assert cell_value == value
        assert [table.caption, label, table.headers[1], str(value)] in csv_rows
        name = by_title[table.caption]
        xlsx = {r[0]: r[1] for r in book[name].iter_rows(min_row=3, values_only=True)}
        assert xlsx[label] == value
        assert {r[0]: r[1] for r in ods[name].values[2:]}[label] == value
        shown = human(cell_value).replace(NBSP, " ")
        assert re.search(re.escape(f"{label} {shown}") + r"(?!\d)", text), (label, shown)
        i = [r[0] for r in table.rows].index(label)
        svg_labels = re.findall(r"<text [^>]*>([^<]*)</text>", table.chart)
        desc = re.search(r"<desc [^>]*>([^<]*)</desc>", table.chart).group(1)
        escaped = human(cell_value).replace("<", "&lt;")
        assert escaped in svg_labels
        assert f"{label} : {shown.replace('<', '&lt;')}" in desc.replace("&#x27;", "'"), i
