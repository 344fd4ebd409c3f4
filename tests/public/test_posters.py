"""Posters and flyers (PDF, A4 and A3) for a commune's permanence and for a session,
read back with pypdf (issue 7)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from cadran.publicity.models import Charter
from tests.workshops.factories import WorkshopFactory

from .pubface_helpers import clear_public_cache
from .workshop_helpers import make_cycle, make_session, paris

A4 = (595, 842)
A3 = (842, 1191)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_public_cache()
    yield
    clear_public_cache()


def _read(response) -> tuple[str, tuple[float, float], PdfReader]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    size = (float(page.mediabox.width), float(page.mediabox.height))
    text = re.sub(r"\s+", " ", page.extract_text())
    return text, size, reader


def _close(size, expected) -> bool:
    return all(abs(a - b) <= 1 for a, b in zip(size, expected, strict=True))


@pytest.mark.parametrize(("page_format", "expected"), [("A4", A4), ("A3", A3)])
def test_commune_poster(client, frozen_now, permanence, page_format, expected):
    response = client.get("/affiches/communes/59212/", {"format": page_format})
    text, size, reader = _read(response)
    assert _close(size, expected), size
    assert f"affiche-59212-{page_format}.pdf" in response["Content-Disposition"]
    assert "Besoin d'aide avec le numérique" in text and "C'est gratuit" in text
    assert "Estaires" in text
    assert "Le mercredi de 9h à 12h" in text
    assert "Mairie de Estaires" in text and "Bureau du CCAS" in text
    assert "03 28 00 00 00" in text
    assert "http://127.0.0.1:8000/communes/estaires/" in text
    assert reader.metadata.title == "Conseiller numérique à Estaires"


def test_a4_is_the_default_and_other_formats_are_refused(client, frozen_now, permanence):
    _text, size, _reader = _read(client.get("/affiches/communes/59212/"))
    assert _close(size, A4)
    assert client.get("/affiches/communes/59212/", {"format": "A0"}).status_code == 400
    assert client.get("/affiches/communes/99999/").status_code == 404


def test_poster_in_the_territory_charter(client, frozen_now, permanence, territory):
    Charter.objects.create(
        territory=territory,
        logo_svg=(
            '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
            '<rect width="120" height="40" fill="#00467f"/></svg>'
        ),
        logo_text="CCFL",
        message="Un souci avec votre téléphone ? On vous aide.",
        footer_text="Un service du réseau l'Esperluette.",
    )
    text, _size, _reader = _read(client.get("/affiches/communes/59212/"))
    assert "Un souci avec votre téléphone ? On vous aide." in text
    assert "Un service du réseau l'Esperluette." in text
    # The SVG logo is drawn instead of the text logo.
    assert "CCFL" not in text


def _path_moves(reader: PdfReader) -> int:
    page = reader.pages[0]
    stream = ContentStream(page.get_contents(), reader)
    return sum(1 for _operands, operator in stream.operations if operator == b"m")


def test_poster_has_the_qr_code(client, frozen_now, permanence):
    text, _size, reader = _read(client.get("/affiches/communes/59212/"))
    assert "CCFL" in text  # the default text logo
    # The QR code is an SVG image drawn as vector paths: one move per run of dark modules.
    assert _path_moves(reader) > 100


def test_session_poster(client, frozen_now, territory, estaires):
    session = make_session(territory, estaires)
    response = client.get(f"/affiches/ateliers/{session.pk}/", {"format": "A3"})
    text, size, _reader = _read(response)
    assert _close(size, A3)
    assert "Arnaques en ligne : les repérer" in text
    assert "Samedi 5 décembre 2026, de 10h à 12h" in text
    assert "Médiathèque de Estaires" in text and "Salle d'animation" in text
    assert "03 28 00 00 00" in text
    assert f"http://127.0.0.1:8000/ateliers/{session.pk}/" in text


def test_cycle_poster_lists_every_date(client, frozen_now, territory, estaires):
    first, second = make_cycle(
        territory, estaires, [paris(2026, 12, 5, 10), paris(2026, 12, 12, 10)]
    )
    text, _size, _reader = _read(client.get(f"/affiches/ateliers/{second.pk}/"))
    assert "Samedi 5 décembre 2026" in text and "Samedi 12 décembre 2026" in text
    assert "Cycle de 2 séances" in text
    assert f"http://127.0.0.1:8000/ateliers/{first.pk}/" in text


def test_no_poster_for_an_unpublished_workshop(client, frozen_now, territory, estaires):
    session = make_session(
        territory, estaires, workshop=WorkshopFactory(territory=territory, draft=True)
    )
    assert client.get(f"/affiches/ateliers/{session.pk}/").status_code == 404


def test_poster_is_cached(client, frozen_now, permanence, settings, django_assert_num_queries):
    settings.CADRAN_PUBLIC_CACHE_SETTLE_SECONDS = 0
    first = client.get("/affiches/communes/59212/")
    with django_assert_num_queries(0):
        again = client.get("/affiches/communes/59212/")
    assert again.content == first.content
