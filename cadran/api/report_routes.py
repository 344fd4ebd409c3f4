"""Staff endpoint: the attendance report of a commune, the same figures as the report page.

``GET /api/v1/reports/attendance?commune=INSEE&from=&to=`` with ``Authorization: Bearer``.
The Service Culture and the coordination read any commune of their territory; a commune
referent only their own commune, with counts of 1 or 2 people written ``"< 3"``. Never a name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.accounts.models import ApiScope
from cadran.core import clock
from cadran.reporting.exports import report_json
from cadran.reporting.selectors import MAX_PERIOD_DAYS, Period, attendance_report
from cadran.territory.models import Commune

from .auth import StaffTokenAuth
from .errors import ErrorOut
from .periods import ApiDate, out_of_bounds

REPORT_ROLES = frozenset({*TERRITORY_ROLES, Role.COMMUNE_REFERENT})
FORBIDDEN = "Votre rôle ne donne pas accès aux rapports de fréquentation."
UNKNOWN_COMMUNE = "Commune inconnue, ou qui n'est pas la vôtre."
BAD_PERIOD = "La date de fin doit être le même jour ou après la date de début."
TOO_LONG = "La période ne peut pas dépasser dix ans."

router = Router(auth=StaffTokenAuth(ApiScope.READ_REPORTS), tags=["Rapports (personnel)"])


class AttendanceQuery(Schema):
    commune: str = Field(..., description="Code INSEE de la commune, par exemple 59212")
    date_from: ApiDate | None = Field(None, alias="from", description="Premier jour (inclus)")
    date_to: ApiDate | None = Field(None, alias="to", description="Dernier jour (inclus)")


@router.get(
    "/reports/attendance",
    response={200: dict[str, Any], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="État de la fréquentation d'une commune",
    description=(
        "Les chiffres du rapport de fréquentation d'une commune pour une période (par défaut "
        "l'année en cours) : rendez-vous, personnes reçues, premières visites, heures de "
        "permanence, motifs, thématiques, autonomie, orientation, mois, ateliers. Jamais de nom. "
        'Pour un référent communal, les nombres de 1 ou 2 personnes valent `"< 3"`.'
    ),
)
def attendance(request: HttpRequest, params: Query[AttendanceQuery]):
    user = request.auth
    if not (user.is_superuser or user.role in REPORT_ROLES):
        raise HttpError(403, FORBIDDEN)
    commune = (
        Commune.objects.visible_to(user)
        .select_related("territory")
        .filter(insee_code=params.commune)
        .first()
    )
    if commune is None:
        raise HttpError(404, UNKNOWN_COMMUNE)
    refusal = out_of_bounds(params.date_from, params.date_to)
    if refusal is not None:
        return refusal
    today = clock.today()
    start = params.date_from or dt.date(today.year, 1, 1)
    end = params.date_to or dt.date(start.year, 12, 31)
    if end < start:
        raise HttpError(422, BAD_PERIOD)
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise HttpError(422, TOO_LONG)
    report = attendance_report(commune=commune, period=Period(start, end))
    masked = not user.is_superuser and user.role == Role.COMMUNE_REFERENT
    return report_json(report, masked=masked)
