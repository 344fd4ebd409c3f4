"""Every format says the same numbers, masked the same way, with no name in it."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest

from cadran.reporting.charts import STUB
from cadran.reporting.exports import render, report_document, report_json
from cadran.reporting.selectors import attendance_report

from .conftest import NOVEMBER, SECRET_NAMES, sql_appointments, sql_scalar
from .office import ods_sheets, pdf_text

pytestmark = pytest.mark.django_db

BAR_RE = re.compile(r'<g id="graphique-(\w+)-bar-(\d+)">\s*<path d="M ([\d.]+) [\d.]+\s+L ([\d.]+)')


def bar_lengths(svg: str) -> dict[int, float]:
    return {int(m.group(2)): float(m.group(4)) - float(m.group(3)) for m in BAR_RE.finditer(svg)}


def test_formats_agree_with_sql(history, estaires):
    report = attendance_report(commune=estaires, period=NOVEMBER)
    doc = report_document(report, masked=False)
    seen_sql = sql_appointments(estaires.pk, NOVEMBER, "seen")
    rdv = next(t for t in doc.tables if t.key == "rendez_vous")
    assert rdv.rows[0][1] == seen_sql == 5

    rows = list(csv.reader(io.StringIO(render(doc, "csv").decode("utf-8-sig"))))
    assert ["Rendez-vous de la période", "Honorés (la personne est venue)", "Nombre", "5"] in rows

    book = openpyxl.load_workbook(io.BytesIO(render(doc, "xlsx")))
    sheet = book["Rendez-vous de la période"]
    assert sheet["A1"].value == "Rendez-vous de la période"  # the title row, then headers
    assert sheet["B3"].value == seen_sql

    ods_sheet = ods_sheets(render(doc, "ods"))["Rendez-vous de la période"]
    assert ods_sheet.values[2][1] == seen_sql

    data = report_json(report, masked=False)
    assert data["appointments"]["seen"] == seen_sql
    accompanied_sql = sql_scalar(
        "SELECT COUNT(*) FROM activity_activityparticipant pa "
        "JOIN activity_activityrecord r ON r.id = pa.record_id "
        "WHERE r.commune_id = %s AND r.date >= %s AND r.date <= %s",
        [estaires.pk, NOVEMBER.start, NOVEMBER.end],
    ) + sql_scalar(
        "SELECT SUM(anon_total) FROM activity_activityrecord "
        "WHERE commune_id = %s AND date >= %s AND date <= %s",
        [estaires.pk, NOVEMBER.start, NOVEMBER.end],
    )
    assert data["activities"]["accompaniments"] == accompanied_sql == 4
    key_figures = dict(next(t for t in doc.tables if t.key == "chiffres_cles").rows)
    assert key_figures["Personnes accompagnées (comptes rendus)"] == accompanied_sql
    assert json.loads(json.dumps(data))["hours"] == {"offered": 9.0, "used": 5.0}

    text = pdf_text(render(doc, "pdf"))
    assert "Estaires" in text and "Honorés (la personne est venue)" in text
    assert re.search(r"Honorés \(la personne est venue\)\s*5\b", text)


def test_masked_formats_hide_small_counts_and_names(history, estaires):
    report = attendance_report(commune=estaires, period=NOVEMBER)
    doc = report_document(report, masked=True)
    rdv = {row[0]: row[1] for row in next(t for t in doc.tables if t.key == "rendez_vous").rows}
    assert rdv["Honorés (la personne est venue)"] == 5
    assert rdv["Absences (la personne n'est pas venue)"] == "< 3"
    assert report_json(report, masked=True)["appointments"]["noshow"] == "< 3"
    for fmt in ("csv", "xlsx", "ods"):
        content = render(doc, fmt)
        for name in SECRET_NAMES:
            assert name.encode() not in content
    text = pdf_text(render(doc, "pdf"))  # non-breaking spaces read as spaces
    assert "< 3" in text
    assert not any(name in text for name in SECRET_NAMES)
    assert "Merville" not in text


def test_charts_draw_one_bar_per_row_proportional_to_the_table(history, estaires):
    report = attendance_report(commune=estaires, period=NOVEMBER)
    doc = report_document(report, masked=True).with_charts()
    table = next(t for t in doc.tables if t.key == "rendez_vous")
    assert 'role="img"' in table.chart and "<title" in table.chart and "<desc" in table.chart
    lengths = bar_lengths(table.chart)
    assert len(lengths) == len(table.rows)
    values = [row[1] for row in table.rows]
    scale = lengths[0] / values[0]
    top = max(v for v in values if v != "< 3")
    for i, value in enumerate(values):
        # A masked value: a stub of the same length for 1 and 2, never its true length.
        expected = STUB * top * scale if value == "< 3" else value * scale
        assert lengths[i] == pytest.approx(expected, abs=0.01)
    topics = next(t for t in doc.tables if t.key == "motifs")
    assert len(bar_lengths(topics.chart)) == len(topics.rows)
