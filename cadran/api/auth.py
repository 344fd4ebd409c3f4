"""Authentication of staff programs: ``Authorization: Bearer <jeton>``.

A token acts with its owner's scope (see ``/compte/jetons/``), within the rights chosen
when it was created (``ApiScope``). A missing, unknown, revoked or expired token is HTTP
401, a token without the right for the endpoint HTTP 403, both with a French message in
the API's usual error shape.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from cadran.accounts.services import REFUSED_UNKNOWN, ApiTokenRefused, use_api_token

AUTH_MISSING = (
    "Jeton d'API manquant. Ajoutez l'en-tête « Authorization: Bearer <votre jeton> » "
    "(jeton à créer sur la page « Mes jetons d'API »)."
)
AUTH_REFUSED = REFUSED_UNKNOWN


class StaffTokenAuth(HttpBearer):
    """A staff token holding ``scope`` (None: any valid token)."""

    def __init__(self, scope: str | None = None) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest):
        value = request.headers.get(self.header, "")
        scheme, _, token = value.partition(" ")
        if not value.strip():
            raise HttpError(401, AUTH_MISSING)
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise HttpError(401, AUTH_REFUSED)
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str):
        try:
            row = use_api_token(token, scope=self.scope)
        except ApiTokenRefused as exc:
            raise HttpError(exc.status, exc.message) from exc
        return row.user


def optional_staff(request: HttpRequest, scope: str):
    """The member of staff behind the request's token, or None without ``Authorization``.

    For the public endpoints that staff tools may also call « on behalf » of a person:
    no header is a public request; a header with a bad token is 401, a token without
    ``scope`` 403 (never silently treated as public).
    """
    if not request.headers.get("Authorization", "").strip():
        return None
    return StaffTokenAuth(scope)(request)


# The OpenAPI ``security`` of such endpoints: anonymous, or a staff token.
OPTIONAL_STAFF_SECURITY: list[dict[str, list[str]]] = [{}, {"StaffTokenAuth": []}]
FORBIDDEN_CODE = "forbidden"
