"""Authentication of staff programs: ``Authorization: Bearer <jeton>``.

A token acts with its owner's scope (see ``/compte/jetons/``). A missing, unknown or
revoked token is HTTP 401 with a French message in the API's usual error shape.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from cadran.accounts.services import authenticate_api_token

AUTH_MISSING = (
    "Jeton d'API manquant. Ajoutez l'en-tête « Authorization: Bearer <votre jeton> » "
    "(jeton à créer sur la page « Mes jetons d'API »)."
)
AUTH_REFUSED = (
    "Jeton d'API inconnu ou révoqué. Créez-en un nouveau sur la page « Mes jetons d'API »."
)


class StaffTokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest):
        value = request.headers.get(self.header, "")
        scheme, _, token = value.partition(" ")
        if not value:
            raise HttpError(401, AUTH_MISSING)
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise HttpError(401, AUTH_REFUSED)
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str):
        user = authenticate_api_token(token)
        if user is None:
            raise HttpError(401, AUTH_REFUSED)
        return user
