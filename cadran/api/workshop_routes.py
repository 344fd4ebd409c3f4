"""Public endpoints about the collective workshops: the agenda of sessions people can
register for, and registering. No login: the person reaches their registration only
through the secret of its private link (``manage_url``)."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Status

from cadran.accounts.models import ApiScope
from cadran.core import clock
from cadran.territory.models import Commune, Territory
from cadran.workshops.enums import WorkshopStatus
from cadran.workshops.models import Session
from cadran.workshops.selectors import public_agenda
from cadran.workshops.services import PersonData, SessionClosed, register

from .auth import FORBIDDEN_CODE, OPTIONAL_STAFF_SECURITY, optional_staff
from .errors import INVALID_INPUT, ErrorOut, django_errors, error_body
from .periods import resolve_period
from .routes import DEFAULT_SPAN_DAYS, MAX_SPAN_DAYS, UNKNOWN_COMMUNE
from .workshop_schemas import RegistrationIn, RegistrationOut, SessionOut, SessionPeriod

UNKNOWN_SESSION = "Atelier introuvable. Vérifiez son identifiant (champ id de la liste)."
INELIGIBLE = "Cette personne ne peut pas s'inscrire à cet atelier."
ELIGIBILITY_FIELDS = ("commune_insee", "library_card")

router = Router(tags=["Ateliers"])


def _dates(session: Session) -> list[Session]:
    return getattr(session, "cycle_dates", None) or [session]


def place_out(session: Session) -> dict:
    """Where people go: the off-site place of a session « hors les murs », else its venue."""
    place = session.place
    return {
        "name": place.name,
        "address": place.address,
        "commune": place.commune.name,
        "access": place.access_notes or None,
        "off_site": place.off_site,
    }


def session_out(session: Session) -> dict:
    place = session.place
    return {
        "id": session.pk,
        "title": session.workshop.title,
        "format": session.workshop.format.name,
        "level": session.workshop.level,
        "start": clock.paris(session.start),
        "end": clock.paris(session.end),
        "sessions": [
            {"start": clock.paris(s.start), "end": clock.paris(s.end)} for s in _dates(session)
        ],
        "venue": {"name": place.name, "address": place.address},
        "place": place_out(session),
        "places_left": session.places_left,
        "status": session.status,
    }


@router.get(
    "/sessions",
    response={200: list[SessionOut], 404: ErrorOut, 422: ErrorOut},
    summary="Ateliers ouverts aux inscriptions",
    description=(
        "Les séances d'ateliers collectifs (gratuits pour les habitants du territoire et les "
        "inscrits des médiathèques du réseau) auxquelles on peut encore s'inscrire, qui "
        "commencent entre deux dates incluses (heure de Paris). Par défaut : d'aujourd'hui à "
        f"dans {DEFAULT_SPAN_DAYS} jours ; au plus {MAX_SPAN_DAYS} jours entre `from` et `to`. "
        "Un cycle de plusieurs séances est une seule ligne (toutes ses dates dans `sessions`). "
        "`commune` (code INSEE) garde les ateliers qui se tiennent dans cette commune ; "
        "404 si elle est inconnue."
    ),
)
def list_sessions(request: HttpRequest, period: Query[SessionPeriod]):
    resolved = resolve_period(
        period.date_from, period.date_to, default_days=DEFAULT_SPAN_DAYS, max_days=MAX_SPAN_DAYS
    )
    if isinstance(resolved, Status):
        return resolved
    date_from, date_to = resolved
    commune_insee = (period.commune or "").strip().upper()
    if commune_insee:
        commune = Commune.objects.select_related("territory").filter(insee_code=commune_insee)
        territories = [c.territory for c in commune]
        if not territories:
            return Status(404, error_body(UNKNOWN_COMMUNE))
    else:
        territories = list(Territory.objects.order_by("name", "pk"))
    cycle_dates = Prefetch(
        "cycle_sessions", queryset=Session.objects.order_by("start", "pk"), to_attr="cycle_dates"
    )
    now = clock.now()
    rows: list[Session] = []
    for territory in territories:
        rows += public_agenda(
            territory=territory,
            date_from=date_from,
            date_to=date_to,
            commune_insee=commune_insee,
            now=now,
        ).prefetch_related(cycle_dates)
    rows.sort(key=lambda s: (s.start, s.pk))
    return Status(200, [session_out(s) for s in rows])


@router.post(
    "/sessions/{session_id}/registrations",
    response={
        201: RegistrationOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    openapi_extra={"security": OPTIONAL_STAFF_SECURITY},
    summary="S'inscrire à un atelier",
    description=(
        "Inscrit une personne à une séance (à tout le cycle pour un cycle). Il faut un "
        "téléphone ou une adresse e-mail, l'accord de la personne (consent: true), et de quoi "
        "montrer qu'elle peut venir : le code INSEE d'une commune du territoire "
        "(commune_insee) ou un numéro de carte du réseau des médiathèques (library_card). "
        "Quand il n'y a plus de place, l'inscription va sur la liste d'attente "
        '(status: "waiting") : une place libérée est donnée à la première personne qui '
        "attend, qui est prévenue. Réponses : 404 atelier inconnu ; 409 atelier annulé, "
        "passé ou commencé ; 422 informations à corriger ou personne qui ne peut pas "
        "s'inscrire (la raison, avec le contact du service, sous le champ concerné) ; 429 "
        "trop de demandes en une minute. Avec un jeton d'équipe ayant le droit « Prendre "
        "rendez-vous pour une personne » (appointments:book), l'inscription est faite par ce "
        "membre de l'équipe pour la personne (401 jeton inconnu, révoqué ou expiré ; 403 "
        "jeton sans ce droit ou atelier d'un autre territoire)."
    ),
)
def create_registration(request: HttpRequest, session_id: int, payload: RegistrationIn):
    staff = optional_staff(request, ApiScope.BOOK)
    session = (
        Session.objects.filter(pk=session_id, workshop__status=WorkshopStatus.PUBLISHED)
        .select_related("workshop__territory")
        .first()
    )
    if session is None:
        return Status(404, error_body(UNKNOWN_SESSION))
    person = PersonData(
        first_name=payload.first_name,
        last_name=payload.last_name,
        phone=payload.phone or "",
        email=payload.email or "",
        commune_insee=payload.commune_insee or "",
        library_card=payload.library_card or "",
        notify_email=payload.notify_email,
        notify_sms=payload.notify_sms,
    )
    try:
        result = register(session=session, person=person, by=staff)
    except SessionClosed as exc:
        return Status(409, error_body(" ".join(exc.messages), {NON_FIELD_ERRORS: exc.messages}))
    except DjangoValidationError as exc:
        if getattr(exc, "code", None) == FORBIDDEN_CODE:
            return Status(403, error_body(" ".join(exc.messages)))
        detail, errors = django_errors(exc)
        if detail == INVALID_INPUT and any(name in errors for name in ELIGIBILITY_FIELDS):
            detail = INELIGIBLE
        return Status(422, error_body(detail, errors))
    path = reverse("public:workshop_registration", kwargs={"token": result.token})
    return Status(
        201,
        {
            "reference": result.registration.reference,
            "status": result.registration.status,
            "waiting_position": result.waiting_position,
            "manage_url": request.build_absolute_uri(path),
        },
    )
