"""Staff endpoint: activity records in the vocabulary of La Coop de la médiation numérique.

``GET /api/v1/activities?from=&to=`` with ``Authorization: Bearer <jeton>``: an adviser's
token reads their own records, a Service Culture or coordination token the territory's;
other roles get 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from cadran.accounts.models import ApiScope
from cadran.activity.coop_export import record_to_coop
from cadran.activity.models import ACTIVITY_ROLES
from cadran.activity.selectors import records_for
from cadran.core import clock

from .auth import StaffTokenAuth
from .errors import ErrorOut
from .periods import EARLIEST, ApiDate, out_of_bounds

FORBIDDEN = (
    "Votre rôle ne donne pas accès aux comptes rendus d'activité. "
    "Les communes consultent l'état de la fréquentation."
)
BAD_PERIOD = "La date de fin doit être après la date de début."
MAX_SPAN_DAYS = 366

router = Router(auth=StaffTokenAuth(ApiScope.READ_ACTIVITIES), tags=["Activité (personnel)"])


class ActivityPeriod(Schema):
    date_from: ApiDate | None = Field(None, alias="from", description="Premier jour (inclus)")
    date_to: ApiDate | None = Field(None, alias="to", description="Dernier jour (inclus)")


class ActivityOut(Schema):
    id: int
    type: str
    mediateur_id: int
    date: str
    duree: int
    type_lieu: str
    structure_id: int | None
    structure_nom: str | None
    lieu_code_postal: str | None
    lieu_commune: str | None
    lieu_code_insee: str | None
    autonomie: str | None
    oriente_vers_structure: bool | None
    structure_de_redirection: str | None
    materiel: list[str]
    thematiques: list[str]
    thematiques_demarche: list[str]
    precisions_demarche: str | None
    titre_atelier: str | None
    niveau: str | None
    accompagnements: int
    premiers_accompagnements: int
    deja_accompagne: int
    genres: dict[str, int]
    tranches_age: dict[str, int]
    statuts: dict[str, int]
    creation: str
    modification: str


@router.get(
    "/activities",
    response={200: list[ActivityOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Comptes rendus d'activité (format La Coop)",
    description=(
        "Les comptes rendus d'activité visibles par le titulaire du jeton, du plus récent "
        "au plus ancien, avec les valeurs de l'API de La Coop de la médiation numérique. "
        "Période par défaut : les 31 derniers jours ; au plus 366 jours."
    ),
)
def list_activities(request: HttpRequest, period: Query[ActivityPeriod]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not (user.is_superuser or user.role in ACTIVITY_ROLES):
        raise HttpError(403, FORBIDDEN)
    refusal = out_of_bounds(period.date_from, period.date_to)
    if refusal is not None:
        return refusal
    date_to = period.date_to or clock.today()
    date_from = period.date_from or max(date_to - dt.timedelta(days=30), EARLIEST)
    if date_to < date_from:
        raise HttpError(422, BAD_PERIOD)
    if (date_to - date_from).days >= MAX_SPAN_DAYS:
        raise HttpError(422, f"Demandez au plus {MAX_SPAN_DAYS} jours à la fois.")
    return [record_to_coop(r) for r in records_for(user, date_from=date_from, date_to=date_to)]
