"""Every error the API returns has one shape, in French:

    {"detail": "Certaines informations sont à corriger.", "errors": {"phone": ["…"]}}

``errors`` maps a field name to its messages; ``__all__`` holds what belongs to no field
(the body as a whole, a rule across fields). Ninja's own errors (validation, malformed JSON,
404) are translated here, so a client never sees pydantic's English.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from cadran.core.error_views import NOT_FOUND
from cadran.scheduling.services import SlotTaken

INVALID_INPUT = "Certaines informations sont à corriger."
MALFORMED_JSON = "Le contenu envoyé n'est pas du JSON valide."
EMPTY_BODY = "La demande est vide : envoyez les informations en JSON."

CONSENT_REQUIRED = (
    "Pour prendre rendez-vous, la personne doit accepter que ses coordonnées servent "
    "à la prévenir (consent doit valoir true)."
)
INSEE_FORMAT = "Le code INSEE de la commune compte cinq caractères (ex. 59212)."
EMAIL_FORMAT = "Cette adresse e-mail n'est pas valide (ex. prenom.nom@exemple.fr)."
DATE_FORMAT = "Cette date n'est pas valide : écrivez-la AAAA-MM-JJ, par exemple 2026-12-02."

# Fields whose every error gets the same plain message, whatever pydantic found.
FIELD_MESSAGES: dict[str, str] = {
    "consent": CONSENT_REQUIRED,
    "commune_insee": INSEE_FORMAT,
    "from": DATE_FORMAT,
    "to": DATE_FORMAT,
}

# Fields whose pattern, when not matched, gets this message.
PATTERN_MESSAGES: dict[str, str] = {
    "first_name": "Indiquez le prénom.",
    "last_name": "Indiquez le nom.",
    "phone": "Ce numéro de téléphone ne semble pas complet : il faut 10 chiffres.",
    "slot": "Ce créneau n'existe pas.",
}
NO_TOPIC = "Choisissez au moins un motif."

# Source names ninja puts at the start of an error location; they are not field names.
_LOCATION_PREFIXES = {"body", "query", "path", "header", "cookie", "form", "file", "payload"}


class ErrorOut(Schema):
    """An error: ``detail`` is a sentence to show; ``errors`` lists messages by field."""

    detail: str
    errors: dict[str, list[str]] = {}


class MalformedBodyError(Exception):
    """The request body could not be read as JSON."""


class FrenchJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            return json.loads(request.body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise MalformedBodyError(MALFORMED_JSON) from exc


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or {}}


def translate(error: dict[str, Any]) -> str:
    """One pydantic error (type, ctx, msg) as a French sentence."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "Ce champ est obligatoire."
    if kind == "string_too_long":
        return f"Ce texte est trop long : {ctx.get('max_length')} caractères au plus."
    if kind == "string_too_short":
        return f"Ce texte est trop court : {ctx.get('min_length')} caractères au moins."
    if kind == "too_long":
        return f"Cette liste est trop longue : {ctx.get('max_length')} éléments au plus."
    if kind == "too_short":
        return f"Cette liste est trop courte : {ctx.get('min_length')} élément(s) au moins."
    if kind == "string_type":
        return "Ce champ doit être un texte."
    if kind in {"bool_type", "bool_parsing"}:
        return "Ce champ doit valoir true ou false."
    if kind in {"list_type", "tuple_type", "set_type"}:
        return "Ce champ doit être une liste."
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return "Ce champ doit être un nombre entier."
    if kind.startswith("date"):
        return DATE_FORMAT
    if kind == "extra_forbidden":
        return "Ce champ n'est pas attendu."
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "Le contenu envoyé doit être un objet JSON."
    if kind in {"value_error", "assertion_error"} and ctx.get("error"):
        # Our own validators raise ValueError with a French message.
        return str(ctx["error"])
    return "Cette valeur n'est pas valide."


def field_name(loc: tuple | list) -> str:
    """The API field an error location points to (``topics`` for ``body.payload.topics.0``)."""
    names = [part for part in loc if isinstance(part, str)]
    while names and names[0] in _LOCATION_PREFIXES:
        names.pop(0)
    return names[0] if names else NON_FIELD_ERRORS


def errors_by_field(raw_errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in raw_errors:
        name = field_name(error.get("loc", ()))
        if name == NON_FIELD_ERRORS and error.get("type") == "missing":
            message = EMPTY_BODY
        elif error.get("type") == "string_pattern_mismatch" and name in PATTERN_MESSAGES:
            message = PATTERN_MESSAGES[name]
        elif error.get("type") == "too_short" and name == "topics":
            message = NO_TOPIC
        elif error.get("type") == "value_error" and (error.get("ctx") or {}).get("error"):
            # A schema's own validator already speaks French, for this endpoint: it wins.
            message = translate(error)
        else:
            message = FIELD_MESSAGES.get(name) or translate(error)
        messages = errors.setdefault(name, [])
        if message not in messages:
            messages.append(message)
    return errors


def django_errors(exc: DjangoValidationError) -> tuple[str, dict[str, list[str]]]:
    """A service's refusal: field messages under their names, the rest under ``__all__``."""
    if hasattr(exc, "error_dict"):
        return INVALID_INPUT, exc.message_dict
    messages = exc.messages
    return " ".join(messages), {NON_FIELD_ERRORS: messages}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return api.create_response(
            request, error_body(INVALID_INPUT, errors_by_field(exc.errors)), status=422
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, MalformedBodyError):
            return api.create_response(
                request,
                error_body(MALFORMED_JSON, {NON_FIELD_ERRORS: [MALFORMED_JSON]}),
                status=422,
            )
        return api.create_response(request, error_body(str(exc)), status=exc.status_code)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body(NOT_FOUND), status=404)

    @api.exception_handler(SlotTaken)
    def on_slot_taken(request: HttpRequest, exc: SlotTaken) -> HttpResponse:
        _detail, errors = django_errors(exc)
        message = errors.get("slot", exc.messages)[0]
        return api.create_response(request, error_body(message, errors), status=409)

    @api.exception_handler(DjangoValidationError)
    def on_refusal(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        detail, errors = django_errors(exc)
        return api.create_response(request, error_body(detail, errors), status=422)
