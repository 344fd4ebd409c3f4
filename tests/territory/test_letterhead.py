"""Every PDF a territory produces carries its letterhead: its logo, programme and name in
its colour (reports, conventions, a person's data; posters have their own layout)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from cadran.publicity.letterhead import letterhead_html
from cadran.publicity.models import Charter
from cadran.reporting.exports import render, report_document
from cadran.reporting.selectors import Period, attendance_report
from tests import factories as f

pytestmark = pytest.mark.django_db

LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>'


def first_page(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", reader.pages[0].extract_text())


@pytest.fixture
def val(db):
    territory = f.TerritoryFactory(
        slug="val-fictif",
        name="Communauté de communes du Val Fictif",
        programme_name="Numérique en Val",
    )
    Charter.objects.create(territory=territory, primary_color="#5a2d82", logo_svg=LOGO)
    return territory


def test_the_letterhead_names_the_territory_in_its_colour(val):
    html = letterhead_html(val.pk)
    assert "Numérique en Val" in html and "Communauté de communes du Val Fictif" in html
    assert "#5a2d82" in html
    assert 'src="data:image/svg+xml;base64,' in html and 'alt="' in html
    assert letterhead_html(None) == ""


def test_a_territory_without_programme_heads_with_its_name(db):
    plain = f.TerritoryFactory(name="Communauté de communes Sans Nom", programme_name="")
    html = letterhead_html(plain.pk)
    assert "Communauté de communes Sans Nom" in html
    assert "Cadran" not in html
    assert "#00467f" in html  # the site's blue without a charte


def test_the_attendance_report_pdf_opens_with_the_letterhead(val):
    commune = f.CommuneFactory(territory=val, name="Bourg-Fictif")
    period = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    content = render(
        report_document(attendance_report(commune=commune, period=period), masked=True), "pdf"
    )
    text = first_page(content)
    assert text.startswith("Numérique en Val Communauté de communes du Val Fictif")


def test_the_convention_pdf_opens_with_the_letterhead(val):
    from cadran.agreements.documents import to_pdf

    content = to_pdf("<p>Article premier.</p>", title="Convention", territory_id=val.pk)
    text = first_page(content)
    assert text.startswith("Numérique en Val Communauté de communes du Val Fictif")
    assert "Article premier." in text
