"""WeasyPrint, loaded on first use, with a clear answer when the machine lacks Pango.

WeasyPrint needs the Pango system libraries (Debian ``libpango-1.0-0``,
``libpangoft2-1.0-0``) and a font; ``make demo`` and ``make test`` install them
(``scripts/ensure-system-deps``). A server installed by other means without them answers a
PDF request with a French 503 page saying what to install (``PdfUnavailableMiddleware``),
never a 500, and every other page keeps working.
"""

from __future__ import annotations

from types import ModuleType

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

INSTALL_COMMAND = "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
UNAVAILABLE = (
    "Les documents PDF ne peuvent pas être produits sur ce serveur pour le moment. "
    "Les autres formats (ODS, XLSX, CSV, ODT) restent disponibles. "
    "Signalez-le à la personne qui gère le serveur."
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load its system libraries."""


def weasyprint() -> ModuleType:
    """The ``weasyprint`` module, or ``PdfUnavailable`` when Pango is missing."""
    try:
        import weasyprint as module
    except OSError as exc:  # cffi could not open libpango / libgobject
        raise PdfUnavailable(
            f"WeasyPrint ne trouve pas ses bibliothèques ({exc}). Installez-les : {INSTALL_COMMAND}"
        ) from exc
    return module


class PdfUnavailableMiddleware:
    """Turns ``PdfUnavailable`` into a French 503 page (JSON under /api/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PdfUnavailable):
            return None
        import logging

        logging.getLogger("cadran.pdf").error("%s", exception)
        if request.path_info.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"detail": UNAVAILABLE}, status=503)
        html = render_to_string(
            "cadran/error.html",
            {"title": "Document PDF indisponible", "message": UNAVAILABLE},
            request,
        )
        return HttpResponse(html, status=503)
