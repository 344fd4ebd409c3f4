"""``GET /api/v1/activites``: the activity records in the shape of La Coop's API v1.

A tool written for « La Coop de la médiation numérique »'s API (``GET /api/v1/activites``)
reads Cadran unchanged: same JSON:API envelope (``data``, ``links``, ``meta``), same
``page[size]`` / ``page[after]`` / ``page[before]`` cursor pagination (1 to 500, 500 by
default), same ``filter[creation][depuis]`` / ``filter[modification][depuis]``, same
attribute names and values, newest modification first. The reference is La Coop's
``apps/web/src/app/api/v1/activites/route.ts`` and its published ``v1.openapi.json``
(copied in ``tests/api/fixtures/``).

Authentication is Cadran's API token, as ``Authorization: Bearer <jeton>`` or, for tools
that send La Coop's client credentials, ``Authorization: Bearer <client-id>:<jeton>``. The
scope is the token owner's, as on ``/api/v1/activities``. The older ``/api/v1/activities``
endpoint is unchanged.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
import uuid
import zlib
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import field_validator, model_validator

from cadran.accounts.models import ApiScope
from cadran.activity.coop_export import beneficiary_rows
from cadran.activity.enums import Genre, StatutSocial, TrancheAge
from cadran.activity.models import ACTIVITY_ROLES, ActivityRecord

from .activity_routes import FORBIDDEN
from .auth import StaffTokenAuth
from .errors import INVALID_INPUT, ErrorOut, error_body
from .lacoop_schemas import ActiviteListOut

PATH = "/activites"
DEFAULT_PAGE_SIZE = 500  # La Coop's defaultJsonApiCursorPaginationSize
MAX_PAGE_SIZE = 500  # La Coop's maxJsonApiCursorPaginationSize
MAX_CURSOR_LENGTH = 512
CURSOR_SEPARATOR = "###"  # La Coop's createCompositeCursor

# Stable UUIDs for Cadran's integer keys (La Coop's identifiers are UUIDs).
ID_NAMESPACE = uuid.UUID("5b1d2c1e-6f7a-4c55-9a43-0c6a1d2e7f10")

PAGE_SIZE_MESSAGE = (
    f"page[size] est le nombre d'activités par page : un nombre entier de 1 à {MAX_PAGE_SIZE} "
    f"({DEFAULT_PAGE_SIZE} par défaut)."
)
CURSOR_MESSAGE = (
    "Ce curseur de pagination n'est pas valide : suivez les liens links.next.href et "
    "links.prev.href de la réponse précédente sans les modifier."
)
BOTH_CURSORS = "Donnez page[after] ou page[before], pas les deux."
SINCE_MESSAGE = (
    "Cette date-heure n'est pas valide : écrivez-la en ISO 8601 avec son fuseau, "
    "par exemple 2026-09-01T00:00:00Z."
)
UNKNOWN_PARAMETER = (
    "Ce paramètre n'est pas attendu. Paramètres possibles : page[size], page[after], "
    "page[before], filter[creation][depuis], filter[modification][depuis]."
)
ALLOWED_PARAMETERS = frozenset(
    {
        "page[size]",
        "page[after]",
        "page[before]",
        "filter[creation][depuis]",
        "filter[modification][depuis]",
    }
)


class LaCoopBearerAuth(StaffTokenAuth):
    """Cadran's API token, alone or as the secret of La Coop's ``client-id:client-secret``."""

    def authenticate(self, request: HttpRequest, token: str):
        try:
            return super().authenticate(request, token)
        except HttpError:
            # Cadran's tokens never contain « : » (URL-safe base64): the secret is after it.
            _client_id, sep, secret = token.partition(":")
            if not sep or not secret:
                raise
            return super().authenticate(request, secret)


router = Router(
    auth=LaCoopBearerAuth(ApiScope.READ_ACTIVITIES), tags=["Activité (format API v1 de La Coop)"]
)


# --- cursors ------------------------------------------------------------------------------


def encode_cursor(modified: dt.datetime, pk: int) -> str:
    """La Coop's encoding (``encodeSerializableState``): superjson, deflate, URL-safe base64.

    The composite value is ``<modification>###<id>`` as La Coop's, with Cadran's key and
    the modification to the microsecond so that no record is skipped.
    """
    value = f"{modified.astimezone(dt.UTC).isoformat()}{CURSOR_SEPARATOR}{pk}"
    packed = zlib.compress(json.dumps({"json": value}).encode())
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_cursor(encoded: str) -> tuple[dt.datetime, int]:
    """The (modification, id) of a cursor; ``ValueError`` with a French message if invalid."""
    try:
        if len(encoded) > MAX_CURSOR_LENGTH:
            raise ValueError
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        inflater = zlib.decompressobj()
        text = inflater.decompress(raw, 4 * MAX_CURSOR_LENGTH)
        if inflater.unconsumed_tail:
            raise ValueError
        value = json.loads(text)["json"]
        stamp, separator, key = value.partition(CURSOR_SEPARATOR)
        modified = dt.datetime.fromisoformat(stamp)
        pk = int(key)
        if not separator or modified.tzinfo is None or pk < 1 or not key.isdigit():
            raise ValueError
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, zlib.error):
        raise ValueError(CURSOR_MESSAGE) from None
    return modified, pk


# RFC 3339 (the OpenAPI « date-time »), years 1900–2999, at most microseconds: exactly
# what is read, so that the schema says it (Python alone would read more shapes).
SINCE_PATTERN = (
    "^(?:19|2[0-9])[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    "[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.][0-9]{1,6})?"
    "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
_SINCE_RE = re.compile(SINCE_PATTERN)
CURSOR_PATTERN = f"^[A-Za-z0-9_-]{{1,{MAX_CURSOR_LENGTH}}}$"


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    if not _SINCE_RE.match(value):
        raise ValueError(SINCE_MESSAGE)
    if value[-1] in "Zz":
        value = value[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        # OverflowError: year 1 or 9999 with an offset falls off Python's calendar in UTC.
        raise ValueError(SINCE_MESSAGE) from None


class ActivitesQuery(Schema):
    page_size: int = Field(
        DEFAULT_PAGE_SIZE,
        alias="page[size]",
        description="nombre maximum d'éléments à retourner (1 à 500)",
        json_schema_extra={"minimum": 1, "maximum": MAX_PAGE_SIZE},
    )
    page_after: str | None = Field(
        None,
        alias="page[after]",
        description="curseur : les éléments suivants (links.next)",
        json_schema_extra={"pattern": CURSOR_PATTERN},
    )
    page_before: str | None = Field(
        None,
        alias="page[before]",
        description="curseur : les éléments précédents (links.prev)",
        json_schema_extra={"pattern": CURSOR_PATTERN},
    )
    creation_since: str | None = Field(
        None,
        alias="filter[creation][depuis]",
        description="date de création supérieure ou égale (ISO 8601, ex. 2026-09-01T00:00:00Z)",
        json_schema_extra={"format": "date-time", "pattern": SINCE_PATTERN},
    )
    modification_since: str | None = Field(
        None,
        alias="filter[modification][depuis]",
        description="date de modification supérieure ou égale (ISO 8601 avec fuseau)",
        json_schema_extra={"format": "date-time", "pattern": SINCE_PATTERN},
    )

    @field_validator("page_size", mode="before")
    @classmethod
    def _page_size(cls, value: Any) -> int:
        try:
            size = int(str(value).strip())
        except ValueError:
            raise ValueError(PAGE_SIZE_MESSAGE) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(PAGE_SIZE_MESSAGE)
        return size

    @field_validator("page_after", "page_before")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value is not None:
            decode_cursor(value)
        return value

    @field_validator("creation_since", "modification_since")
    @classmethod
    def _since_format(cls, value: str | None) -> str | None:
        _since(value)
        return value

    @model_validator(mode="after")
    def _one_cursor(self) -> ActivitesQuery:
        if self.page_after is not None and self.page_before is not None:
            raise ValueError(BOTH_CURSORS)
        return self


# --- serialisation ------------------------------------------------------------------------


def stable_uuid(kind: str, pk: int) -> str:
    """A UUID that never changes for Cadran's ``kind`` number ``pk``."""
    return str(uuid.uuid5(ID_NAMESPACE, f"cadran:{kind}:{pk}"))


def js_iso(value: dt.datetime) -> str:
    """JavaScript's ``Date.toISOString()``: UTC, milliseconds, « Z »."""
    utc = value.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def _zeros(values) -> dict[str, int]:
    return dict.fromkeys(values, 0)


def beneficiaires(record: ActivityRecord) -> dict[str, Any]:
    """La Coop's ``countBeneficiaires``: every key present, zero-filled, one per person helped
    (known participants and anonymous ones, as in the spreadsheet export)."""
    profiles = beneficiary_rows(record)
    genres = _zeros(("masculin", "feminin", "non_communique"))
    tranches = _zeros(
        (
            "moins_de_douze",
            "douze_dix_huit",
            "dix_huit_vingt_quatre",
            "vingt_cinq_trente_neuf",
            "quarante_cinquante_neuf",
            "soixante_soixante_neuf",
            "soixante_dix_plus",
            "non_communique",
        )
    )
    statuts = _zeros(("scolarise", "sans_emploi", "en_emploi", "retraite", "non_communique"))
    for counts, values, fallback in (
        (genres, Counter(p.genre for p in profiles), Genre.NON_COMMUNIQUE),
        (tranches, Counter(p.tranche_age for p in profiles), TrancheAge.NON_COMMUNIQUE),
        (statuts, Counter(p.statut_social for p in profiles), StatutSocial.NON_COMMUNIQUE),
    ):
        for value, n in values.items():
            key = str(value) if str(value) in counts else str(fallback)
            counts[key] += n
    return {"total": len(profiles), "genres": genres, "tranches_age": tranches, "statuts": statuts}


def activite(record: ActivityRecord) -> dict[str, Any]:
    """One record as La Coop's ``ActiviteResource``, field by field (see docs/api.md)."""
    commune = record.commune
    counts = beneficiaires(record)
    return {
        "type": "activite",
        "id": stable_uuid("activite", record.pk),
        "attributes": {
            "type": record.kind,
            "mediateur_id": stable_uuid("mediateur", record.adviser_id),
            "user_id": stable_uuid("user", record.adviser_id),
            "date": record.date.isoformat(),
            "duree": record.duration_minutes,
            "structure_id": stable_uuid("structure", record.venue_id) if record.venue_id else None,
            "lieu_code_postal": (commune.postcode or None) if commune else None,
            "lieu_commune": commune.name if commune else None,
            "lieu_code_insee": record.place_insee or None,
            "creation": js_iso(record.created_at),
            "modification": js_iso(record.updated_at),
            "suppression": None,
            "type_lieu": record.place_type,
            "autonomie": record.autonomie or None,
            "structure_de_redirection": record.structure_redirection or None,
            "thematiques": [t.thematique for t in record.thematiques.all()]
            + [d.thematique for d in record.demarches.all()],
            "tags": [],
            "materiel": [m.materiel for m in record.materiels.all()],
            "oriente_vers_structure": record.oriented,
            "precisions_demarche": record.precisions_demarche or None,
            "titre_atelier": record.title or None,
            "niveau_atelier": record.level or None,
            "accompagnements": counts["total"],
            "beneficiaires": counts,
        },
    }


# --- the endpoint -------------------------------------------------------------------------


def _href(request: HttpRequest, base: dict[str, str], cursor: tuple[str, str] | None) -> dict:
    params = dict(base)
    if cursor is not None:
        params[f"page[{cursor[0]}]"] = cursor[1]
    query = urlencode(params)
    url = f"{settings.CADRAN_SITE_URL}{request.path}"
    return {"href": f"{url}?{query}" if query else url}


@router.get(
    PATH,
    response={200: ActiviteListOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="lacoop_list_activites",
    summary="Liste des activités (format de l'API v1 de La Coop)",
    description=(
        "Les comptes rendus d'activité visibles par le titulaire du jeton, au format de "
        "`GET /api/v1/activites` de La Coop de la médiation numérique : enveloppe JSON:API, "
        "pagination par curseur (`page[size]` de 1 à 500, `page[after]`, `page[before]`), "
        "triés par date de dernière modification décroissante. Jeton : "
        "`Authorization: Bearer <jeton>` ou `Bearer <client-id>:<jeton>`."
    ),
)
def list_activites(request: HttpRequest, query: Query[ActivitesQuery]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not (user.is_superuser or user.role in ACTIVITY_ROLES):
        raise HttpError(403, FORBIDDEN)
    unknown = sorted(set(request.GET) - ALLOWED_PARAMETERS)
    if unknown:
        return Status(
            422, error_body(INVALID_INPUT, {name: [UNKNOWN_PARAMETER] for name in unknown})
        )

    records = ActivityRecord.objects.visible_to(user)
    creation_since = _since(query.creation_since)
    modification_since = _since(query.modification_since)
    if creation_since:
        records = records.filter(created_at__gte=creation_since)
    if modification_since:
        records = records.filter(updated_at__gte=modification_since)
    total = records.count()

    size = query.page_size
    rows: list[ActivityRecord]
    if query.page_before is not None:
        modified, pk = decode_cursor(query.page_before)
        newer = records.filter(Q(updated_at__gt=modified) | Q(updated_at=modified, pk__gt=pk))
        rows = list(newer.with_related().order_by("updated_at", "pk")[: size + 1])
        has_prev = len(rows) > size
        rows = rows[:size][::-1]
        has_next = True  # the cursor's own record, at least, comes after
    else:
        page = records
        if query.page_after is not None:
            modified, pk = decode_cursor(query.page_after)
            page = records.filter(Q(updated_at__lt=modified) | Q(updated_at=modified, pk__lt=pk))
        rows = list(page.with_related().order_by("-updated_at", "-pk")[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_prev = query.page_after is not None
    if not rows:
        # Nothing on this page: no cursor to build links from (La Coop does the same).
        has_next = has_prev = False

    base: dict[str, str] = {}
    if size != DEFAULT_PAGE_SIZE:
        base["page[size]"] = str(size)
    if query.creation_since:
        base["filter[creation][depuis]"] = query.creation_since
    if query.modification_since:
        base["filter[modification][depuis]"] = query.modification_since
    current = None
    if query.page_after is not None:
        current = ("after", query.page_after)
    elif query.page_before is not None:
        current = ("before", query.page_before)
    links: dict[str, Any] = {"self": _href(request, base, current)}
    if has_next:
        last = rows[-1]
        links["next"] = _href(request, base, ("after", encode_cursor(last.updated_at, last.pk)))
    if has_prev:
        first = rows[0]
        links["prev"] = _href(request, base, ("before", encode_cursor(first.updated_at, first.pk)))

    body = {
        "data": [activite(r) for r in rows],
        "links": links,
        "meta": {
            "total_count": total,
            "items_per_page": size,
            "total_pages": math.ceil(total / size),
            "has_next_page": has_next,
            "has_prev_page": has_prev,
        },
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
