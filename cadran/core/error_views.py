"""Error handlers: the site's French pages, and the API's JSON error shape under /api/.

Django's own handlers render ``404.html``, ``500.html``… (cadran/core/templates/); these add
only the JSON answer for addresses under ``/api/`` that no route matches, so a program
calling the API never receives an HTML page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
NOT_FOUND = "Cette adresse n'existe pas dans l'API."
SERVER_ERROR = (
    "Le serveur a rencontré une erreur. Rien n'a été enregistré à moitié : réessayez dans "
    "quelques minutes."
)


def _api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": NOT_FOUND, "errors": {}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": SERVER_ERROR, "errors": {}}, status=500)
    return defaults.server_error(request)
