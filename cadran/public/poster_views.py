"""Posters and flyers to print (PDF, A4 or A3): a commune's permanence, a session.

In the territory's charte graphique (logo, colours, fonts, message), with a QR code to the
booking page (an absolute address on ``CADRAN_SITE_URL``). Built by WeasyPrint from
``public/poster.html`` and ``public/poster.css``; cached like the feeds
(:mod:`cadran.publicity.cache`), since a PDF takes a moment to build.
"""

from __future__ import annotations

from pathlib import Path

import segno
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from cadran.core import clock, pdf
from cadran.publicity import selectors as publicity
from cadran.publicity.cache import cached, key_part
from cadran.publicity.letterhead import logo_data_uri
from cadran.publicity.models import Charter
from cadran.publicity.views import charter_css_text, respond
from cadran.territory.models import Commune

POSTER_CSS = Path(__file__).resolve().parent / "static" / "public" / "poster.css"
FORMATS = ("A4", "A3")


def _format(request) -> str | None:
    value = request.GET.get("format", "A4").strip().upper()
    return value if value in FORMATS else None


def qr_svg_data_uri(url: str) -> str:
    """The QR code of ``url``, black on white (what every phone reads best)."""
    return segno.make(url, error="m").svg_data_uri(scale=10, border=2, dark="#000", light="#fff")


def _charter_print_css(charter: Charter, page_format: str) -> str:
    return charter_css_text(charter).replace(".widget-page", ":root") + (
        f"@page {{ size: {page_format} portrait; }}\n"
    )


def render_pdf(template: str, context: dict, *, charter: Charter, page_format: str) -> bytes:
    wp = pdf.weasyprint()

    html = render_to_string(template, {**context, "charter": charter, "page_format": page_format})
    return wp.HTML(string=html, base_url=str(POSTER_CSS.parent)).write_pdf(
        stylesheets=[
            wp.CSS(filename=str(POSTER_CSS)),
            wp.CSS(string=_charter_print_css(charter, page_format)),
        ]
    )


def _pdf_response(request, key: str, build, filename: str):
    response = respond(request, cached(key, build))
    if response.status_code == 200:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def commune_poster(request, insee: str):
    insee = key_part(insee)
    page_format = _format(request)
    if page_format is None:
        return HttpResponseBadRequest("Format inconnu : A4 ou A3.")

    def build():
        commune = get_object_or_404(Commune.objects.select_related("territory"), insee_code=insee)
        territory = commune.territory
        charter = publicity.charter_for(territory)
        booking_url = publicity.commune_url(commune)
        context = {
            "title": f"Conseiller numérique à {commune.name}",
            "commune": commune,
            "territory": territory,
            "lines": publicity.commune_poster(commune=commune, today=clock.today()),
            "booking_url": booking_url,
            "qr": qr_svg_data_uri(booking_url),
            "logo": logo_data_uri(charter),
        }
        content = render_pdf(
            "public/poster_commune.html", context, charter=charter, page_format=page_format
        )
        return content, "application/pdf"

    return _pdf_response(
        request,
        f"poster:commune:{insee}:{page_format}",
        build,
        f"affiche-{insee}-{page_format}.pdf",
    )


@require_GET
def session_poster(request, pk: int):
    page_format = _format(request)
    if page_format is None:
        return HttpResponseBadRequest("Format inconnu : A4 ou A3.")
    poster = publicity.session_poster(pk=pk)
    if poster is None:
        raise Http404("Cet atelier n'existe pas.")
    session = poster.session

    def build():
        territory = session.workshop.territory
        charter = publicity.charter_for(territory)
        url = publicity.session_url(session)
        context = {
            "title": f"Atelier : {session.workshop.title}",
            "poster": poster,
            "session": session,
            "workshop": session.workshop,
            "venue": session.place,  # the off-site place when there is one
            "territory": territory,
            "booking_url": url,
            "qr": qr_svg_data_uri(url),
            "logo": logo_data_uri(charter),
        }
        content = render_pdf(
            "public/poster_session.html", context, charter=charter, page_format=page_format
        )
        return content, "application/pdf"

    return _pdf_response(
        request,
        f"poster:session:{session.pk}:{page_format}",
        build,
        f"affiche-atelier-{session.pk}-{page_format}.pdf",
    )
