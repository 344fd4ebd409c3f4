"""Public endpoints: communes, free slots, booking and cancelling. No login: an inhabitant
only ever reaches their own appointment through the secret of its private link."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status

from cadran.accounts.models import ApiScope
from cadran.core import clock
from cadran.scheduling.enums import Channel
from cadran.scheduling.models import Permanence
from cadran.scheduling.services import (
    BeneficiaryData,
    book_appointment,
    cancel_appointment,
    get_appointment_by_token,
)
from cadran.scheduling.slots import free_slots
from cadran.territory.models import Commune

from .auth import FORBIDDEN_CODE, OPTIONAL_STAFF_SECURITY, optional_staff
from .errors import ErrorOut, error_body
from .periods import resolve_period
from .schemas import (
    AppointmentIn,
    AppointmentOut,
    CancelIn,
    CancelOut,
    CommuneOut,
    SlotOut,
    SlotPeriod,
)

DEFAULT_SPAN_DAYS = 30
MAX_SPAN_DAYS = 92
UNKNOWN_COMMUNE = "Commune inconnue."
UNKNOWN_APPOINTMENT = "Rendez-vous introuvable. Vérifiez l'adresse reçue."

router = Router()


def manage_url(request: HttpRequest, token: str) -> str:
    # A plain path: the page belongs to the public app and this must not depend on its URL name.
    return request.build_absolute_uri(f"/rendez-vous/{token}/")


def venue_out(venue) -> dict[str, str]:
    return {"name": venue.name, "address": venue.address}


@router.get(
    "/communes",
    response=list[CommuneOut],
    tags=["Communes"],
    summary="Communes",
    description="Toutes les communes du service, par ordre alphabétique.",
)
def list_communes(request: HttpRequest):
    return Commune.objects.order_by("name", "insee_code").values(
        "insee_code", "name", "slug", "postcode"
    )


@router.get(
    "/communes/{insee_code}/slots",
    response={200: list[SlotOut], 404: ErrorOut, 422: ErrorOut},
    tags=["Créneaux"],
    summary="Créneaux libres d'une commune",
    description=(
        "Les créneaux libres des permanences ouvertes à la réservation en ligne, entre deux "
        "dates incluses (heure de Paris). Par défaut : d'aujourd'hui à dans 30 jours. "
        f"L'écart entre `from` et `to` ne peut pas dépasser {MAX_SPAN_DAYS} jours. "
        "Les créneaux trop proches (délai minimum) ou trop lointains (ouverture des "
        "réservations) ne sont pas proposés."
    ),
)
def list_slots(
    request: HttpRequest,
    insee_code: str,
    period: Query[SlotPeriod],
):
    resolved = resolve_period(
        period.date_from, period.date_to, default_days=DEFAULT_SPAN_DAYS, max_days=MAX_SPAN_DAYS
    )
    if isinstance(resolved, Status):
        return resolved
    date_from, date_to = resolved
    commune = Commune.objects.filter(insee_code=insee_code).first()
    if commune is None:
        return Status(404, error_body(UNKNOWN_COMMUNE))
    permanences = list(
        Permanence.objects.with_related()
        .open_online()
        .active_between(date_from, date_to)
        .filter(commune=commune)
    )
    venues = {p.pk: p.venue for p in permanences}
    slots = free_slots(permanences, date_from=date_from, date_to=date_to, now=clock.now())
    return Status(
        200,
        [
            {
                "id": slot.id,
                "start": slot.local_start,
                "end": slot.local_end,
                "venue": venue_out(venues[slot.permanence_id]),
            }
            for slot in slots
        ],
    )


@router.post(
    "/appointments",
    response={
        201: AppointmentOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    tags=["Rendez-vous"],
    summary="Prendre rendez-vous",
    description=(
        "Réserve un créneau libre pour une personne. Il faut un téléphone ou une adresse "
        "e-mail, au moins un motif et l'accord de la personne (consent: true). "
        "Réponse 409 si quelqu'un vient de prendre ce créneau : proposez-en un autre ; "
        "422 si les informations sont à corriger ou si le créneau n'existe pas ou n'est plus "
        "proposé. La réponse donne l'adresse privée du rendez-vous (manage_url). "
        "**Sans jeton** : réservation en ligne par la personne. **Avec un jeton d'équipe** "
        "ayant le droit « Prendre rendez-vous pour une personne » (appointments:book) : "
        "réservation faite par ce membre de l'équipe pour la personne (prise « par "
        "téléphone », à son nom dans l'historique), sur tout créneau de ses permanences qui "
        "n'a pas commencé ; 401 jeton inconnu, révoqué ou expiré ; 403 jeton sans ce droit "
        "ou permanence que son titulaire ne gère pas. 429 : trop de demandes en une minute."
    ),
    openapi_extra={"security": OPTIONAL_STAFF_SECURITY},
)
def create_appointment(request: HttpRequest, payload: AppointmentIn):
    staff = optional_staff(request, ApiScope.BOOK)
    try:
        booking = _book(payload, staff)
    except DjangoValidationError as exc:
        if getattr(exc, "code", None) == FORBIDDEN_CODE:
            return Status(403, error_body(" ".join(exc.messages)))
        raise
    appointment = booking.appointment
    return Status(
        201,
        {
            "reference": appointment.reference,
            "start": clock.paris(appointment.start),
            "end": clock.paris(appointment.end),
            "venue": venue_out(appointment.permanence.venue),
            "manage_url": manage_url(request, booking.token),
        },
    )


def _book(payload: AppointmentIn, staff):
    """The public books online; a member of staff books « par téléphone » on their behalf."""
    return book_appointment(
        slot_id=payload.slot,
        topics=list(payload.topics),
        channel=Channel.PHONE if staff is not None else Channel.ONLINE,
        person=BeneficiaryData(
            first_name=payload.first_name,
            last_name=payload.last_name,
            phone=payload.phone or "",
            email=payload.email or "",
            residence_insee=payload.commune_insee or "",
            notify_email=payload.notify_email,
            notify_sms=payload.notify_sms,
        ),
        by=staff,
    )


@router.post(
    "/appointments/cancel",
    response={200: CancelOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    tags=["Rendez-vous"],
    summary="Annuler un rendez-vous",
    description=(
        "Annule le rendez-vous dont on donne le secret (token) ; le créneau redevient libre. "
        "Réponse 404 si le secret ne correspond à aucun rendez-vous, 409 si le rendez-vous "
        "est déjà annulé, déjà passé ou terminé ; 429 trop de demandes en une minute."
    ),
)
def cancel(request: HttpRequest, payload: CancelIn):
    appointment = get_appointment_by_token(payload.token)
    if appointment is None:
        return Status(404, error_body(UNKNOWN_APPOINTMENT))
    try:
        appointment = cancel_appointment(appointment=appointment, by=None)
    except DjangoValidationError as exc:
        return Status(409, error_body(" ".join(exc.messages), {NON_FIELD_ERRORS: exc.messages}))
    return Status(200, {"reference": appointment.reference, "status": appointment.status})
