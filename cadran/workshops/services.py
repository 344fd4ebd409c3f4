"""Every write about collective interventions (docs/ateliers.md).

One keyword-only function per business action; each is atomic, writes the audit log and
queues its messages in the same transaction. A refusal raises ``ValidationError`` with a
French message shown as is (``SessionClosed``, a subclass, is HTTP 409 in the API).

- Programme: ``create_workshop``, ``update_workshop``, ``propose_workshop``,
  ``review_workshop``, ``approve_workshop``, ``refuse_workshop``, ``publish_workshop``,
  ``archive_workshop`` (the steps are the territory's circuit: :mod:`.circuit`).
- Requests: ``request_intervention``, ``examine_request``, ``accept_request``,
  ``refuse_request``, ``withdraw_request``.
- Sessions: ``schedule_sessions``, ``update_session``, ``move_session``, ``cancel_session``,
  ``decide_session``, ``override_decision``, ``record_attendance``.
- Registrations: ``register``, ``cancel_registration``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import audit, clock
from cadran.core.tokens import hash_token, new_reference, new_token
from cadran.equipment.selectors import printer_booked_for
from cadran.scheduling.services import BeneficiaryData, validate_beneficiary_data
from cadran.territory.models import Commune, Library, Territory, Venue

from . import notifications
from .circuit import Circuit, Step, circuit_for, min_attendance_for
from .conditions import venue_shortfalls
from .eligibility import Ineligible, check_eligibility
from .enums import (
    LIVE_SESSION_STATUSES,
    OPEN_SESSION_STATUSES,
    PLACE_HOLDING_STATUSES,
    OffSitePlaceKind,
    RegistrationStatus,
    RequestStatus,
    SessionStatus,
    TargetPublic,
    WorkshopStatus,
)
from .models import (
    DEFAULT_DECISION_HOURS,
    Attendance,
    InterventionRequest,
    Registration,
    Session,
    Workshop,
    WorkshopFormat,
    WorkshopReview,
)
from .selectors import (
    adviser_conflicts,
    cycle_sessions,
    next_sessions,
    venue_closures,
    waiting_position,
)

FORBIDDEN = "Vous n'avez pas le droit de faire cette action."
# The code of the refusal « no 3D printer booked »: the pages offer to request the loan.
PRINTER_MISSING = "printer_missing"
MAX_DATE_OPTIONS = 3


class SessionClosed(ValidationError):
    """Registration refused: the session is cancelled, over or has begun (HTTP 409)."""


@dataclass(frozen=True)
class OffSitePlace:
    """Where an off-site (« hors les murs ») session takes place, instead of its venue."""

    name: str
    address: str
    access: str = ""


def _clean_off_site_place(place: OffSitePlace) -> OffSitePlace:
    """Name and address are required; refused with a French message on each field."""
    errors: dict[str, list[str]] = {}
    if not place.name.strip():
        errors["off_site_name"] = ["Indiquez le nom du lieu hors les murs (par exemple : Marché)."]
    if not place.address.strip():
        errors["off_site_address"] = [
            "Indiquez l'adresse du lieu hors les murs, pour que les personnes le trouvent."
        ]
    if errors:
        raise ValidationError(errors)
    return OffSitePlace(
        name=place.name.strip()[:200],
        address=place.address.strip()[:255],
        access=place.access.strip(),
    )


# --- Helpers ---------------------------------------------------------------------------------


def _authenticated(by) -> bool:
    return by is not None and by.is_authenticated and by.is_active


def _is_culture_service(by, territory_id: int) -> bool:
    """The Service Culture of the territory (or a superuser): runs the programme."""
    if not _authenticated(by):
        return False
    if by.is_superuser:
        return True
    return by.role == Role.CULTURE_SERVICE and by.territory_id == territory_id


def _manages_territory(by, territory_id: int) -> bool:
    """The Service Culture or the coordination of the territory: runs the sessions."""
    if not _authenticated(by):
        return False
    if by.is_superuser:
        return True
    return by.role in TERRITORY_ROLES and by.territory_id == territory_id


def _require(allowed: bool) -> None:
    if not allowed:
        raise ValidationError(FORBIDDEN, code="forbidden")


def _paris(value: dt.datetime) -> str:
    return f"{clock.paris(value):%d/%m/%Y à %H:%M}"


def _lock(session: Session) -> Session:
    """The registration target of ``session``, locked: the one row every change of places,
    waiting list and decision goes through (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
    IMMEDIATE transactions already hold the write lock)."""
    target_id = session.cycle_group_id or session.pk
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("workshop__territory", "workshop__format", "venue__commune", "request")
        .get(pk=target_id)
    )


def _contact(territory: Territory) -> str:
    ways = " ou ".join(x for x in (territory.contact_phone, territory.contact_email) if x)
    return f" Pour toute question : {territory.service_name}" + (f", {ways}." if ways else ".")


# --- Programme -------------------------------------------------------------------------------


@transaction.atomic
def create_workshop(
    *,
    territory: Territory,
    title: str,
    description: str,
    format: WorkshopFormat,
    by,
    target_public: str = TargetPublic.ALL,
    level: str | None = None,
    is_cycle: bool = False,
) -> Workshop:
    """A new offer, in draft, written by the Service Culture."""
    _require(_is_culture_service(by, territory.pk))
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Indiquez le titre de l'atelier."]
    if not description.strip():
        errors["description"] = ["Décrivez l'atelier en quelques phrases simples."]
    if format.territory_id != territory.pk:
        errors["format"] = ["Ce format n'appartient pas à votre territoire."]
    if target_public not in TargetPublic.values:
        errors["target_public"] = ["Public inconnu."]
    if errors:
        raise ValidationError(errors)
    workshop = Workshop.objects.create(
        territory=territory,
        title=title.strip()[:200],
        description=description.strip(),
        format=format,
        target_public=target_public,
        level=level or format.level,
        is_cycle=is_cycle,
        created_by=by,
    )
    audit.record(
        actor=by,
        obj=workshop,
        action="workshop.created",
        description=f"Atelier « {workshop.title} » créé (brouillon).",
        territory_id=territory.pk,
    )
    return workshop


EDITABLE_STATUSES = (WorkshopStatus.DRAFT, WorkshopStatus.REFUSED)


@transaction.atomic
def update_workshop(
    *,
    workshop: Workshop,
    by,
    title: str | None = None,
    description: str | None = None,
    format: WorkshopFormat | None = None,
    target_public: str | None = None,
    level: str | None = None,
    is_cycle: bool | None = None,
) -> Workshop:
    """Change a draft (or a refused offer before proposing it again)."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    _require(_is_culture_service(by, workshop.territory_id))
    if workshop.status not in EDITABLE_STATUSES:
        raise ValidationError(
            "Cet atelier a déjà été proposé : il ne peut plus être modifié. "
            "Archivez-le et créez-en un nouveau."
        )
    if format is not None and format.territory_id != workshop.territory_id:
        raise ValidationError({"format": ["Ce format n'appartient pas à votre territoire."]})
    changes = {
        "title": title.strip()[:200] if title is not None else None,
        "description": description.strip() if description is not None else None,
        "format": format,
        "target_public": target_public,
        "level": level,
        "is_cycle": is_cycle,
    }
    changed = [name for name, value in changes.items() if value is not None]
    if "title" in changed and not changes["title"]:
        raise ValidationError({"title": ["Indiquez le titre de l'atelier."]})
    for name in changed:
        setattr(workshop, name, changes[name])
    workshop.save()
    audit.record(
        actor=by,
        obj=workshop,
        action="workshop.updated",
        description=f"Atelier « {workshop.title} » modifié ({', '.join(changed) or 'rien'}).",
        territory_id=workshop.territory_id,
    )
    return workshop


# target status → (allowed from, audit action)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    WorkshopStatus.PROPOSED: ((WorkshopStatus.DRAFT, WorkshopStatus.REFUSED), "workshop.proposed"),
    WorkshopStatus.APPROVED: ((WorkshopStatus.PROPOSED,), "workshop.approved"),
    WorkshopStatus.REFUSED: ((WorkshopStatus.PROPOSED,), "workshop.refused"),
    WorkshopStatus.PUBLISHED: ((WorkshopStatus.APPROVED,), "workshop.published"),
    WorkshopStatus.ARCHIVED: (
        (
            WorkshopStatus.DRAFT,
            WorkshopStatus.PROPOSED,
            WorkshopStatus.APPROVED,
            WorkshopStatus.REFUSED,
            WorkshopStatus.PUBLISHED,
        ),
        "workshop.archived",
    ),
}


def _impossible(workshop: Workshop, to_label: str) -> ValidationError:
    return ValidationError(
        f"Impossible : l'atelier est « {workshop.get_status_display()} », il ne peut pas "
        f"passer à « {to_label} ».",
        code="invalid_transition",
    )


def _move_workshop(
    *,
    workshop: Workshop,
    to: str,
    by,
    step_name: str,
    step_position: int | None = None,
    review_position: int | None = None,
    meeting_date: dt.date | None = None,
    remarks: str = "",
    action: str | None = None,
) -> Workshop:
    """Change the status (``workshop`` is already locked and checked), keep the step and
    write the audit log."""
    allowed_from, default_action = TRANSITIONS[to]
    if workshop.status not in allowed_from and not (
        to == WorkshopStatus.PROPOSED and workshop.status == WorkshopStatus.PROPOSED
    ):
        raise _impossible(workshop, WorkshopStatus(to).label)
    previous = workshop.status
    workshop.status = to
    workshop.review_position = review_position if to == WorkshopStatus.PROPOSED else None
    workshop.save(update_fields=["status", "review_position", "updated_at"])
    review = WorkshopReview.objects.create(
        workshop=workshop,
        from_status=previous,
        to_status=to,
        step_name=step_name,
        step_position=step_position,
        meeting_date=meeting_date,
        remarks=remarks.strip(),
        by=by,
        at=clock.now(),
    )
    when = f" le {meeting_date:%d/%m/%Y}" if meeting_date else ""
    audit.record(
        actor=by,
        obj=workshop,
        action=action or default_action,
        description=(
            f"Atelier « {workshop.title} » : {WorkshopStatus(previous).label} → "
            f"{WorkshopStatus(to).label} ({step_name}{when})."
            + (f" Remarques : {review.remarks}" if review.remarks else "")
        ),
        territory_id=workshop.territory_id,
    )
    return workshop


def _lock_for_step(workshop: Workshop, by) -> tuple[Workshop, Circuit]:
    workshop = (
        Workshop.objects.select_for_update(of=("self",))
        .select_related("territory")
        .get(pk=workshop.pk)
    )
    _require(_is_culture_service(by, workshop.territory_id))
    return workshop, circuit_for(workshop.territory_id)


def _last_meeting_date(workshop: Workshop) -> tuple[dt.date, str] | None:
    """The last meeting of the current review: the proposal always has one, so the latest
    meeting noted is never one of an earlier round."""
    review = (
        WorkshopReview.objects.filter(workshop=workshop, meeting_date__isnull=False)
        .order_by("-at", "-pk")
        .first()
    )
    return (review.meeting_date, review.step_name) if review else None


def _check_meeting_date(workshop: Workshop, step: Step, meeting_date: dt.date | None) -> None:
    """A step that gives its opinion or decides has met, after the previous meeting."""
    if meeting_date is None:
        raise ValidationError(
            {"meeting_date": [f"Indiquez la date de la réunion « {step.name} »."]}
        )
    if meeting_date > clock.today():
        raise ValidationError(
            {"meeting_date": [f"La réunion « {step.name} » doit avoir déjà eu lieu."]}
        )
    last = _last_meeting_date(workshop)
    if last is not None and meeting_date < last[0]:
        raise ValidationError(
            {
                "meeting_date": [
                    f"La réunion « {step.name} » vient après « {last[1]} » du {last[0]:%d/%m/%Y}."
                ]
            }
        )


def awaited_step(workshop: Workshop, circuit: Circuit | None = None) -> Step | None:
    """The step a proposed workshop waits for (None when it is not proposed)."""
    if workshop.status != WorkshopStatus.PROPOSED:
        return None
    circuit = circuit or circuit_for(workshop.territory_id)
    return circuit.step(workshop.review_position)


@transaction.atomic
def propose_workshop(
    *, workshop: Workshop, meeting_date: dt.date, by, remarks: str = ""
) -> Workshop:
    """Draft (or refused) → proposed to the first step after the proposal, at the meeting
    of ``meeting_date`` (its remarks). See :mod:`.circuit` for the step it then waits for."""
    workshop, circuit = _lock_for_step(workshop, by)
    step = circuit.first_instance
    if workshop.status not in TRANSITIONS[WorkshopStatus.PROPOSED][0]:
        raise _impossible(workshop, WorkshopStatus.PROPOSED.label)
    if meeting_date is None:
        raise ValidationError(
            {"meeting_date": [f"Indiquez la date de la réunion « {step.name} »."]}
        )
    return _move_workshop(
        workshop=workshop,
        to=WorkshopStatus.PROPOSED,
        by=by,
        step_name=step.name,
        step_position=step.position,
        review_position=circuit.after_proposal().position,
        meeting_date=meeting_date,
        remarks=remarks,
    )


@transaction.atomic
def review_workshop(
    *, workshop: Workshop, meeting_date: dt.date, by, remarks: str = ""
) -> Workshop:
    """An intermediate step has given its opinion: the workshop waits for the next step."""
    workshop, circuit = _lock_for_step(workshop, by)
    step = awaited_step(workshop, circuit)
    if step is None or circuit.is_last(step):
        raise ValidationError(
            f"Impossible : l'atelier est « {workshop.get_status_display()} »"
            + (f" et attend la décision « {step.name} »." if step else ".")
            + " Il n'y a pas d'avis à noter.",
            code="invalid_transition",
        )
    _check_meeting_date(workshop, step, meeting_date)
    return _move_workshop(
        workshop=workshop,
        to=WorkshopStatus.PROPOSED,
        by=by,
        step_name=step.name,
        step_position=step.position,
        review_position=circuit.next_after(step).position,
        meeting_date=meeting_date,
        remarks=remarks,
        action="workshop.reviewed",
    )


def _decide_workshop(
    *, workshop: Workshop, to: str, meeting_date: dt.date, by, remarks: str
) -> Workshop:
    workshop, circuit = _lock_for_step(workshop, by)
    step = awaited_step(workshop, circuit)
    if step is None:
        raise _impossible(workshop, WorkshopStatus(to).label)
    if not circuit.is_last(step):
        raise ValidationError(
            f"Impossible : l'atelier attend d'abord l'avis « {step.name} ».",
            code="invalid_transition",
        )
    if to == WorkshopStatus.REFUSED and not remarks.strip():
        raise ValidationError({"remarks": ["Indiquez pourquoi l'atelier est refusé."]})
    _check_meeting_date(workshop, step, meeting_date)
    return _move_workshop(
        workshop=workshop,
        to=to,
        by=by,
        step_name=step.name,
        step_position=step.position,
        meeting_date=meeting_date,
        remarks=remarks,
    )


@transaction.atomic
def approve_workshop(
    *, workshop: Workshop, meeting_date: dt.date, by, remarks: str = ""
) -> Workshop:
    """Proposed → validated by the last step of the circuit."""
    return _decide_workshop(
        workshop=workshop,
        to=WorkshopStatus.APPROVED,
        meeting_date=meeting_date,
        by=by,
        remarks=remarks,
    )


@transaction.atomic
def refuse_workshop(*, workshop: Workshop, meeting_date: dt.date, remarks: str, by) -> Workshop:
    """Proposed → refused by the last step of the circuit, with its reasons."""
    return _decide_workshop(
        workshop=workshop,
        to=WorkshopStatus.REFUSED,
        meeting_date=meeting_date,
        by=by,
        remarks=remarks,
    )


def _service_move(*, workshop: Workshop, to: str, by, remarks: str) -> Workshop:
    """Publish, archive: the territory's service acts, no meeting."""
    workshop, _circuit = _lock_for_step(workshop, by)
    if workshop.status not in TRANSITIONS[to][0]:
        raise _impossible(workshop, WorkshopStatus(to).label)
    return _move_workshop(
        workshop=workshop,
        to=to,
        by=by,
        step_name=workshop.territory.service_name,
        remarks=remarks,
    )


@transaction.atomic
def publish_workshop(*, workshop: Workshop, by, remarks: str = "") -> Workshop:
    """Approved → published: librarians can ask for it."""
    return _service_move(workshop=workshop, to=WorkshopStatus.PUBLISHED, by=by, remarks=remarks)


@transaction.atomic
def archive_workshop(*, workshop: Workshop, by, remarks: str = "") -> Workshop:
    """Out of the catalogue. Refused while sessions are still to come."""
    upcoming = Session.objects.filter(
        workshop_id=workshop.pk, status__in=OPEN_SESSION_STATUSES, start__gt=clock.now()
    ).count()
    if upcoming:
        raise ValidationError(
            f"{upcoming} séance(s) de cet atelier sont encore prévues : annulez-les d'abord."
        )
    return _service_move(workshop=workshop, to=WorkshopStatus.ARCHIVED, by=by, remarks=remarks)


# --- Requests --------------------------------------------------------------------------------


def _may_request_for(by, library: Library) -> bool:
    if not _authenticated(by):
        return False
    if by.is_superuser:
        return True
    if by.role == Role.LIBRARIAN:
        return by.library_id == library.pk
    return by.role == Role.CULTURE_SERVICE and by.territory_id == library.commune.territory_id


@transaction.atomic
def request_intervention(
    *,
    workshop: Workshop,
    library: Library,
    by,
    wished_dates: str = "",
    date_options: Sequence[dt.datetime] = (),
    room: str = "",
    expected_public: str = "",
    expected_size: int | None = None,
    off_site: bool = False,
    off_site_place_kind: str = "",
    place_name: str = "",
    place_address: str = "",
    justification: str = "",
) -> InterventionRequest:
    """A librarian asks for a published workshop in their library (or « hors les murs »)."""
    _require(_may_request_for(by, library))
    errors: dict[str, list[str]] = {}
    if workshop.territory_id != library.commune.territory_id:
        errors["workshop"] = ["Cet atelier n'est pas proposé sur votre territoire."]
    elif workshop.status != WorkshopStatus.PUBLISHED:
        errors["workshop"] = ["Cet atelier n'est pas proposé aux bibliothèques en ce moment."]
    options = sorted(d for d in date_options if d is not None)
    if len(options) > MAX_DATE_OPTIONS:
        errors["date_options"] = [f"Proposez au plus {MAX_DATE_OPTIONS} dates."]
    if any(d <= clock.now() for d in options):
        errors["date_options"] = ["Les dates proposées doivent être à venir."]
    if not wished_dates.strip() and not options:
        errors["wished_dates"] = ["Indiquez les dates qui vous conviendraient."]
    if expected_size is not None and expected_size < 1:
        errors["expected_size"] = ["Indiquez un nombre de personnes (au moins 1)."]
    if off_site:
        if off_site_place_kind not in OffSitePlaceKind.values:
            errors["off_site_place_kind"] = ["Choisissez le type de lieu."]
        if not place_name.strip():
            errors["place_name"] = ["Indiquez le nom du lieu."]
        if not place_address.strip():
            errors["place_address"] = ["Indiquez l'adresse du lieu."]
        if not justification.strip():
            errors["justification"] = [
                "Expliquez pourquoi l'atelier doit avoir lieu hors de la médiathèque."
            ]
    if errors:
        raise ValidationError(errors)
    padded = [*options, None, None, None]
    request = InterventionRequest.objects.create(
        workshop=workshop,
        library=library,
        requested_by=by,
        wished_dates=wished_dates.strip(),
        date_option_1=padded[0],
        date_option_2=padded[1],
        date_option_3=padded[2],
        room=room.strip()[:200],
        expected_public=expected_public.strip()[:200],
        expected_size=expected_size,
        off_site=off_site,
        off_site_place_kind=off_site_place_kind if off_site else "",
        place_name=place_name.strip()[:200] if off_site else "",
        place_address=place_address.strip()[:255] if off_site else "",
        justification=justification.strip() if off_site else "",
    )
    where = (
        f"hors les murs ({request.get_off_site_place_kind_display()} : {request.place_name})"
        if off_site
        else f"à {library.name}"
    )
    audit.record(
        actor=by,
        obj=request,
        action="request.created",
        description=f"Demande de l'atelier « {workshop.title} » {where}.",
        territory_id=workshop.territory_id,
    )
    return request


def _load_request(request: InterventionRequest) -> InterventionRequest:
    return (
        InterventionRequest.objects.select_for_update(of=("self",))
        .select_related(
            "workshop__territory", "workshop__format", "library__commune", "requested_by"
        )
        .get(pk=request.pk)
    )


@transaction.atomic
def examine_request(*, request: InterventionRequest, by, remarks: str = "") -> InterventionRequest:
    """An off-site request is taken into examination by the Service Culture."""
    request = _load_request(request)
    _require(_is_culture_service(by, request.workshop.territory_id))
    if not request.off_site:
        raise ValidationError("Seules les demandes hors les murs passent par l'examen.")
    if request.status != RequestStatus.REQUESTED:
        raise ValidationError("Cette demande n'attend plus d'examen.", code="invalid_transition")
    request.status = RequestStatus.UNDER_EXAMINATION
    request.examined_at = clock.now()
    request.examined_by = by
    request.save(update_fields=["status", "examined_at", "examined_by", "updated_at"])
    audit.record(
        actor=by,
        obj=request,
        action="request.examined",
        description=f"Demande hors les murs « {request.workshop.title} » mise à l'examen."
        + (f" Remarques : {remarks.strip()}" if remarks.strip() else ""),
        territory_id=request.workshop.territory_id,
    )
    return request


def _check_decidable(request: InterventionRequest) -> None:
    expected = RequestStatus.UNDER_EXAMINATION if request.off_site else RequestStatus.REQUESTED
    if request.status == expected:
        return
    if request.off_site and request.status == RequestStatus.REQUESTED:
        raise ValidationError(
            "Une demande hors les murs doit d'abord être mise à l'examen.",
            code="invalid_transition",
        )
    raise ValidationError("Cette demande a déjà été traitée.", code="invalid_transition")


@transaction.atomic
def accept_request(
    *,
    request: InterventionRequest,
    by,
    venue: Venue,
    starts: Sequence[dt.datetime],
    advisers: Iterable,
    duration_minutes: int | None = None,
    capacity: int | None = None,
    min_attendance: int | None = None,
    decision_at: dt.datetime | None = None,
    remarks: str = "",
    waive_venue_conditions: bool = False,
    off_site_place: OffSitePlace | None = None,
) -> list[Session]:
    """The Service Culture accepts: the session(s) are created with their adviser(s), after
    checking the advisers are free and the venue meets the format's needs (see
    :func:`schedule_sessions`). An off-site request is accepted after its examination; only
    there may the venue conditions be waived (the arbitration), and that is logged; only
    there may the session be given its own place (``off_site_place``), ``venue`` then being
    its registered venue of reference."""
    request = _load_request(request)
    _require(_is_culture_service(by, request.workshop.territory_id))
    _check_decidable(request)
    if waive_venue_conditions and not request.off_site:
        raise ValidationError(
            "Les conditions d'accueil ne peuvent être levées que pour un atelier hors les murs."
        )
    if off_site_place is not None and not request.off_site:
        raise ValidationError(
            "Seule une demande hors les murs peut avoir lieu ailleurs que dans un lieu enregistré."
        )
    sessions = schedule_sessions(
        workshop=request.workshop,
        venue=venue,
        starts=starts,
        advisers=advisers,
        by=by,
        duration_minutes=duration_minutes,
        capacity=capacity,
        min_attendance=min_attendance,
        decision_at=decision_at,
        request=request,
        waive_venue_conditions=waive_venue_conditions,
        off_site_place=off_site_place,
    )
    request.status = RequestStatus.ACCEPTED
    request.decided_at = clock.now()
    request.decided_by = by
    request.decision_reason = remarks.strip()
    request.save(
        update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"]
    )
    audit.record(
        actor=by,
        obj=request,
        action="request.accepted",
        description=(
            f"Demande « {request.workshop.title} » ({request.library.name}) acceptée : "
            f"{len(sessions)} séance(s) à partir du {_paris(sessions[0].start)}."
            + (
                f" Hors les murs : {sessions[0].off_site_name}, {sessions[0].off_site_address}."
                if sessions[0].is_off_site
                else ""
            )
            + (" Conditions d'accueil levées (hors les murs)." if waive_venue_conditions else "")
        ),
        territory_id=request.workshop.territory_id,
    )
    notifications.notify_request_decided(request, sessions=sessions)
    return sessions


@transaction.atomic
def refuse_request(*, request: InterventionRequest, by, reason: str) -> InterventionRequest:
    """The Service Culture refuses, saying why."""
    request = _load_request(request)
    _require(_is_culture_service(by, request.workshop.territory_id))
    if not reason.strip():
        raise ValidationError({"reason": ["Expliquez pourquoi la demande est refusée."]})
    _check_decidable(request)
    request.status = RequestStatus.REFUSED
    request.decided_at = clock.now()
    request.decided_by = by
    request.decision_reason = reason.strip()
    request.save(
        update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"]
    )
    audit.record(
        actor=by,
        obj=request,
        action="request.refused",
        description=(
            f"Demande « {request.workshop.title} » ({request.library.name}) refusée. "
            f"Motif : {request.decision_reason}"
        ),
        territory_id=request.workshop.territory_id,
    )
    notifications.notify_request_decided(request)
    return request


@transaction.atomic
def withdraw_request(*, request: InterventionRequest, by) -> InterventionRequest:
    """The library no longer needs it (before the decision)."""
    request = _load_request(request)
    _require(_may_request_for(by, request.library))
    if request.status not in (RequestStatus.REQUESTED, RequestStatus.UNDER_EXAMINATION):
        raise ValidationError("Cette demande a déjà été traitée.", code="invalid_transition")
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=by,
        obj=request,
        action="request.withdrawn",
        description=f"Demande « {request.workshop.title} » retirée par la bibliothèque.",
        territory_id=request.workshop.territory_id,
    )
    return request


# --- Sessions --------------------------------------------------------------------------------


@dataclass
class Decision:
    """What :func:`decide_session` did. ``outcome``: ``confirmed``, ``cancelled``,
    ``already_decided`` (nothing done) or ``not_due`` (nothing done)."""

    session: Session
    outcome: str
    confirmed_count: int = 0
    messages: int = 0

    @property
    def changed(self) -> bool:
        return self.outcome in ("confirmed", "cancelled")


def _check_advisers(
    advisers: list, *, territory_id: int, intervals: list[tuple[dt.datetime, dt.datetime]]
) -> list[str]:
    problems: list[str] = []
    if not advisers:
        return ["Choisissez au moins un conseiller numérique."]
    for adviser in advisers:
        if adviser.role != Role.ADVISER or not adviser.is_active:
            problems.append(f"{adviser} n'est pas conseiller numérique.")
            continue
        if adviser.territory_id != territory_id:
            problems.append(f"{adviser} ne travaille pas sur ce territoire.")
            continue
        for start, end in intervals:
            problems += adviser_conflicts(adviser=adviser, start=start, end=end)
    return problems


def _check_venue(
    venue: Venue,
    *,
    workshop: Workshop,
    intervals: list[tuple[dt.datetime, dt.datetime]],
    waive_conditions: bool,
    off_site: bool = False,
) -> list[str]:
    """What keeps ``venue`` from hosting the sessions. An off-site session does not use its
    venue (only its commune): neither its equipment, its room nor its closures count."""
    if venue.commune.territory_id != workshop.territory_id:
        return ["Ce lieu n'est pas sur votre territoire."]
    if off_site:
        return []
    problems: list[str] = []
    if not waive_conditions:
        missing = venue_shortfalls(workshop.format, venue)
        if missing:
            problems.append(
                f"{venue.name} ne convient pas pour « {workshop.format.name} » : "
                + ", ".join(missing)
                + "."
            )
    for start, end in intervals:
        taken = (  # an off-site session attached to the venue does not use its room
            Session.objects.filter(venue=venue, status__in=LIVE_SESSION_STATUSES, off_site_name="")
            .between(start, end)
            .select_related("workshop")
        )
        for other in taken:
            problems.append(
                f"{venue.name} accueille déjà « {other.workshop.title} » le {_paris(other.start)}."
            )
        problems += venue_closures(venue=venue, start=start, end=end)
    return problems


@transaction.atomic
def schedule_sessions(
    *,
    workshop: Workshop,
    venue: Venue,
    starts: Sequence[dt.datetime],
    advisers: Iterable,
    by,
    duration_minutes: int | None = None,
    capacity: int | None = None,
    min_attendance: int | None = None,
    decision_at: dt.datetime | None = None,
    request: InterventionRequest | None = None,
    waive_venue_conditions: bool = False,
    off_site_place: OffSitePlace | None = None,
) -> list[Session]:
    """Put a published workshop on the calendar: one session, or every session of a cycle
    (registration is to the whole cycle, on its first session).

    Checks that each adviser is free (no other session, no permanence, no closure) and
    that the venue meets the format's needs and is free. Capacity, minimum and duration
    default to the format's; the decision defaults to 48 hours before the (first) start.
    A session whose decision time has already passed is decided at once.

    With ``off_site_place`` (« hors les murs ») the sessions take place there (name and
    address required); ``venue`` gives their commune and is not checked as a room.
    """
    workshop = Workshop.objects.select_related("format", "territory").get(pk=workshop.pk)
    _require(_is_culture_service(by, workshop.territory_id))
    fmt = workshop.format
    now = clock.now()
    errors: dict[str, list] = {}
    if workshop.status != WorkshopStatus.PUBLISHED:
        raise ValidationError("Seul un atelier publié peut être programmé.")
    starts = sorted(starts)
    if not starts:
        errors["starts"] = ["Indiquez la date et l'heure de la séance."]
    elif workshop.is_cycle and len(starts) < 2:
        errors["starts"] = ["Un cycle compte au moins deux séances : indiquez toutes les dates."]
    elif not workshop.is_cycle and len(starts) > 1:
        errors["starts"] = ["Cet atelier n'est pas un cycle : une seule date."]
    elif starts[0] <= now:
        errors["starts"] = ["La séance doit être à venir."]
    minutes = duration_minutes or fmt.default_duration_minutes
    if not 15 <= minutes <= 600:
        errors["duration_minutes"] = ["La durée va de 15 minutes à 10 heures."]
    capacity = capacity if capacity is not None else fmt.default_capacity
    if capacity < 1:
        errors["capacity"] = ["Il faut au moins une place."]
    min_attendance = min_attendance if min_attendance is not None else min_attendance_for(fmt)
    if min_attendance < 0:
        errors["min_attendance"] = ["La jauge minimale ne peut pas être négative."]
    if off_site_place is not None:
        try:
            off_site_place = _clean_off_site_place(off_site_place)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    intervals = [(s, s + dt.timedelta(minutes=minutes)) for s in starts]
    for (_a_start, a_end), (b_start, _b_end) in zip(intervals, intervals[1:], strict=False):
        if b_start < a_end:
            raise ValidationError({"starts": ["Deux séances du cycle se chevauchent."]})
    if decision_at is None:
        decision_at = starts[0] - dt.timedelta(hours=DEFAULT_DECISION_HOURS)
    if decision_at > starts[0]:
        raise ValidationError(
            {"decision_at": ["La décision doit être prise avant le début de la séance."]}
        )
    advisers = list(advisers)
    adviser_problems = _check_advisers(
        advisers, territory_id=workshop.territory_id, intervals=intervals
    )
    venue_problems = _check_venue(
        venue,
        workshop=workshop,
        intervals=intervals,
        waive_conditions=waive_venue_conditions,
        off_site=off_site_place is not None,
    )
    printer_problems: list[ValidationError] = []
    if fmt.needs_3d_printer:  # a 3D printer must be lent to the commune (equipment loans)
        # The code lets the pages offer the loan request (docs/ateliers.md, « Imprimante 3D »).
        printer_problems = [
            ValidationError(
                f"Aucune imprimante 3D n'est réservée pour {venue.commune.name} le "
                f"{_paris(start)} : il faut un prêt accepté par le service.",
                code=PRINTER_MISSING,
            )
            for start, end in intervals
            if not printer_booked_for(venue_or_commune=venue, start=start, end=end)
        ]
    if adviser_problems:
        errors["advisers"] = adviser_problems
    if venue_problems or printer_problems:
        errors["venue"] = [*venue_problems, *printer_problems]
    if errors:
        raise ValidationError(errors)

    sessions: list[Session] = []
    for start, end in intervals:
        session = Session.objects.create(
            workshop=workshop,
            venue=venue,
            start=start,
            end=end,
            capacity=capacity,
            min_attendance=min_attendance,
            decision_at=min(decision_at, start),
            request=request,
            off_site_name=off_site_place.name if off_site_place else "",
            off_site_address=off_site_place.address if off_site_place else "",
            off_site_access=off_site_place.access if off_site_place else "",
            created_by=by,
        )
        session.advisers.set(advisers)
        sessions.append(session)
    first = sessions[0]
    if len(sessions) > 1:
        Session.objects.filter(pk__in=[s.pk for s in sessions]).update(cycle_group=first)
        for s in sessions:
            s.cycle_group = first
    audit.record(
        actor=by,
        obj=first,
        action="session.scheduled",
        description=(
            f"« {workshop.title} » programmé "
            + (
                f"hors les murs à {off_site_place.name} ({off_site_place.address}, "
                f"rattaché à {venue.name}) : "
                if off_site_place
                else f"à {venue.name} : "
            )
            + ", ".join(_paris(s.start) for s in sessions)
            + f" ; {capacity} places, jauge minimale {min_attendance}, "
            f"décision le {_paris(decision_at)} ; "
            + ", ".join(str(a) for a in advisers)
            + "."
            + (" Conditions d'accueil levées (hors les murs)." if waive_venue_conditions else "")
        ),
        territory_id=workshop.territory_id,
    )
    notifications.notify_session_scheduled(first, sessions=sessions)
    if decision_at <= now:
        decide_session(session=first, now=now)
        first.refresh_from_db()
    return sessions


def _set_status(
    target: Session, status: str, *, now: dt.datetime, by=None, reason: str = ""
) -> None:
    """The status of a session and of every session of its cycle."""
    Session.objects.filter(pk=target.pk).update(
        status=status, decided_at=now, decided_by=by, decision_reason=reason, updated_at=now
    )
    if target.cycle_group_id:
        Session.objects.filter(cycle_group_id=target.pk).exclude(pk=target.pk).update(
            status=status, decided_at=now, decided_by=by, decision_reason=reason, updated_at=now
        )
    target.status, target.decided_at, target.decided_by = status, now, by
    target.decision_reason = reason


def _cancel(target: Session, *, status: str, now: dt.datetime, by, reason: str, count: int) -> int:
    _set_status(target, status, now=now, by=by, reason=reason)
    registrations = list(target.registrations.active().order_by("created_at", "pk"))
    messages = notifications.notify_session_cancelled(
        target,
        sessions=cycle_sessions(target),
        registrations=registrations,
        next_sessions=next_sessions(target, now=now),
        low_attendance=status == SessionStatus.CANCELLED_LOW_ATTENDANCE,
        confirmed_count=count,
        reason=reason,
    )
    return len(messages)


def _confirm(target: Session, *, now: dt.datetime, by, reason: str, count: int) -> int:
    _set_status(target, SessionStatus.CONFIRMED, now=now, by=by, reason=reason)
    registrations = list(target.registrations.holding_place().order_by("created_at", "pk"))
    messages = notifications.notify_session_confirmed(
        target, sessions=cycle_sessions(target), registrations=registrations, confirmed_count=count
    )
    return len(messages)


@transaction.atomic
def decide_session(*, session: Session, now: dt.datetime) -> Decision:
    """At the decision time, count the registrations that hold a place: under the minimum,
    the session (the whole cycle) is cancelled and everyone is told, with the next
    sessions of the workshop; at or above, it is confirmed and the registrants reminded.

    The status change and the messages are one transaction, on the locked row: deciding
    twice (two sweeps, two workers) does nothing the second time.
    """
    target = _lock(session)
    if target.status != SessionStatus.SCHEDULED:
        return Decision(target, "already_decided")
    if target.decision_at > now:
        return Decision(target, "not_due")
    count = target.registrations.holding_place().count()
    if count < target.min_attendance:
        reason = f"{count} inscrit(s) pour une jauge minimale de {target.min_attendance}."
        messages = _cancel(
            target,
            status=SessionStatus.CANCELLED_LOW_ATTENDANCE,
            now=now,
            by=None,
            reason=reason,
            count=count,
        )
        action, outcome, text = "session.cancelled_low_attendance", "cancelled", "annulée"
    else:
        reason = f"{count} inscrit(s), jauge minimale {target.min_attendance}."
        messages = _confirm(target, now=now, by=None, reason=reason, count=count)
        action, outcome, text = "session.confirmed", "confirmed", "confirmée"
    audit.record(
        actor=None,
        obj=target,
        action=action,
        description=f"Séance « {target.workshop.title} » du {_paris(target.start)} {text} : {reason}",
        territory_id=target.workshop.territory_id,
    )
    return Decision(target, outcome, confirmed_count=count, messages=messages)


@transaction.atomic
def override_decision(*, session: Session, confirm: bool, reason: str, by) -> Decision:
    """Staff decide before the decision time: the session takes place whatever the count
    (``confirm=True``), or is cancelled by the service. The reason is kept."""
    target = _lock(session)
    _require(_manages_territory(by, target.workshop.territory_id))
    if not reason.strip():
        raise ValidationError({"reason": ["Indiquez la raison de cette décision."]})
    if target.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            f"La décision est déjà prise : la séance est « {target.get_status_display()} ».",
            code="invalid_transition",
        )
    now = clock.now()
    count = target.registrations.holding_place().count()
    reason = reason.strip()
    if confirm:
        messages = _confirm(target, now=now, by=by, reason=reason, count=count)
        outcome, text = "confirmed", "confirmée"
    else:
        messages = _cancel(
            target,
            status=SessionStatus.CANCELLED_BY_SERVICE,
            now=now,
            by=by,
            reason=reason,
            count=count,
        )
        outcome, text = "cancelled", "annulée"
    audit.record(
        actor=by,
        obj=target,
        action="session.decision_overridden",
        description=(
            f"Séance « {target.workshop.title} » du {_paris(target.start)} {text} avant l'heure "
            f"de décision ({count} inscrit(s), jauge {target.min_attendance}). Raison : {reason}"
        ),
        territory_id=target.workshop.territory_id,
    )
    return Decision(target, outcome, confirmed_count=count, messages=messages)


@transaction.atomic
def cancel_session(*, session: Session, reason: str, by) -> Session:
    """The service cancels a session (the whole cycle), scheduled or confirmed; everyone is
    told."""
    target = _lock(session)
    _require(_manages_territory(by, target.workshop.territory_id))
    if not reason.strip():
        raise ValidationError({"reason": ["Indiquez pourquoi la séance est annulée."]})
    if target.status not in OPEN_SESSION_STATUSES:
        raise ValidationError(
            f"Cette séance ne peut plus être annulée : elle est « {target.get_status_display()} ».",
            code="invalid_transition",
        )
    if target.start <= clock.now():
        raise ValidationError("Cette séance a déjà commencé.")
    count = target.registrations.holding_place().count()
    _cancel(
        target,
        status=SessionStatus.CANCELLED_BY_SERVICE,
        now=clock.now(),
        by=by,
        reason=reason.strip(),
        count=count,
    )
    audit.record(
        actor=by,
        obj=target,
        action="session.cancelled_by_service",
        description=(
            f"Séance « {target.workshop.title} » du {_paris(target.start)} annulée par le "
            f"service. Motif : {reason.strip()}"
        ),
        territory_id=target.workshop.territory_id,
    )
    return target


@transaction.atomic
def update_session(
    *,
    session: Session,
    by,
    capacity: int | None = None,
    min_attendance: int | None = None,
    decision_at: dt.datetime | None = None,
) -> Session:
    """Change the places, the minimum or the decision time of a session (a cycle: its first
    session). More places go at once to the people waiting, in order. A decision time moved
    into the past decides at once."""
    target = _lock(session)
    _require(_manages_territory(by, target.workshop.territory_id))
    if target.status not in OPEN_SESSION_STATUSES or target.start <= clock.now():
        raise ValidationError("Cette séance ne peut plus être modifiée.")
    changes: list[str] = []
    if capacity is not None and capacity != target.capacity:
        if capacity < 1:
            raise ValidationError({"capacity": ["Il faut au moins une place."]})
        changes.append(f"places {target.capacity} → {capacity}")
        target.capacity = capacity
    if min_attendance is not None and min_attendance != target.min_attendance:
        if target.status != SessionStatus.SCHEDULED:
            raise ValidationError(
                {"min_attendance": ["La décision est prise : la jauge ne compte plus."]}
            )
        if min_attendance < 0:
            raise ValidationError({"min_attendance": ["La jauge ne peut pas être négative."]})
        changes.append(f"jauge {target.min_attendance} → {min_attendance}")
        target.min_attendance = min_attendance
    if decision_at is not None and decision_at != target.decision_at:
        if target.status != SessionStatus.SCHEDULED:
            raise ValidationError({"decision_at": ["La décision est déjà prise."]})
        if decision_at > target.start:
            raise ValidationError(
                {"decision_at": ["La décision doit être prise avant le début de la séance."]}
            )
        changes.append(f"décision {_paris(target.decision_at)} → {_paris(decision_at)}")
        target.decision_at = decision_at
    if not changes:
        return target
    target.save(update_fields=["capacity", "min_attendance", "decision_at", "updated_at"])
    if target.cycle_group_id:
        Session.objects.filter(cycle_group_id=target.pk).exclude(pk=target.pk).update(
            capacity=target.capacity, min_attendance=target.min_attendance
        )
    audit.record(
        actor=by,
        obj=target,
        action="session.updated",
        description=f"Séance « {target.workshop.title} » du {_paris(target.start)} : "
        + ", ".join(changes)
        + ".",
        territory_id=target.workshop.territory_id,
    )
    now = clock.now()
    _promote_waiting(target, now=now)
    if target.status == SessionStatus.SCHEDULED and target.decision_at <= now:
        decide_session(session=target, now=now)
        target.refresh_from_db()
    return target


MAX_SESSION_HOURS = 10


@transaction.atomic
def move_session(
    *, session: Session, start: dt.datetime, end: dt.datetime, venue: Venue, by
) -> Session:
    """Move one session (one date of a cycle) to another day, time or venue (the board's
    « Déplacer »). Everyone registered or waiting is told the new date and place.

    The board shows the conflicts before (advisers, venue, closures): they are warnings,
    the person who moves decides. Refused here: what makes a move impossible (a session
    cancelled, held or begun; a date past; a venue of another territory; two sessions of a
    cycle at once). The decision time moves with the session, as far before it as it was;
    when that time has passed, the session is decided at once.
    """
    target = _lock(session)
    if target.pk == session.pk:
        session = target
    else:
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("workshop__territory", "workshop__format", "venue__commune")
            .get(pk=session.pk)
        )
    territory_id = session.workshop.territory_id
    _require(_manages_territory(by, territory_id))
    now = clock.now()
    if session.status not in OPEN_SESSION_STATUSES:
        raise ValidationError(
            f"Cette séance ne peut plus être déplacée : elle est « {session.get_status_display()} ».",
            code="invalid_transition",
        )
    if session.start <= now:
        raise ValidationError("Cette séance a déjà commencé : elle ne peut plus être déplacée.")
    errors: dict[str, list[str]] = {}
    if start <= now:
        errors["start"] = ["La nouvelle date doit être à venir."]
    if end <= start:
        errors["end"] = ["L'heure de fin doit être après l'heure de début."]
    elif end - start > dt.timedelta(hours=MAX_SESSION_HOURS):
        errors["end"] = [f"Une séance dure au plus {MAX_SESSION_HOURS} heures."]
    if venue.commune.territory_id != territory_id:
        errors["venue"] = ["Ce lieu n'est pas sur votre territoire."]
    if errors:
        raise ValidationError(errors)
    if start == session.start and end == session.end and venue.pk == session.venue_id:
        raise ValidationError(
            "Rien ne change : choisissez une autre date, un autre horaire ou un autre lieu."
        )
    if (
        session.cycle_group_id
        and Session.objects.filter(cycle_group_id=session.cycle_group_id)
        .exclude(pk=session.pk)
        .between(start, end)
        .exists()
    ):
        raise ValidationError({"start": ["Une autre séance du cycle a lieu à ce moment-là."]})
    previous_start, previous_place = session.start, session.place.full_place
    previous_venue_name = session.place.name
    if session.pk == target.pk and session.status == SessionStatus.SCHEDULED:
        session.decision_at = min(session.decision_at + (start - session.start), start)
    else:
        session.decision_at = min(session.decision_at, start)
    if venue.pk != session.venue_id:  # moved to a registered venue: no longer off-site
        session.off_site_name = session.off_site_address = session.off_site_access = ""
    session.start, session.end, session.venue = start, end, venue
    session.save(
        update_fields=[
            "start",
            "end",
            "venue",
            "off_site_name",
            "off_site_address",
            "off_site_access",
            "decision_at",
            "updated_at",
        ]
    )
    audit.record(
        actor=by,
        obj=session,
        action="session.moved",
        description=(
            f"Séance « {session.workshop.title} » déplacée : du {_paris(previous_start)} "
            f"({previous_venue_name}) au {_paris(start)} ({session.place.name})."
        ),
        territory_id=territory_id,
    )
    if session.pk == target.pk and start != previous_start:
        # An answer given for the old date says nothing of the new one: asked again in time.
        target.registrations.update(
            confirmation_asked_at=None,
            confirmation_answer="",
            confirmation_answered_at=None,
            confirmation_token_hash=None,
        )
    sessions = cycle_sessions(target)
    for registration in target.registrations.active().order_by("created_at", "pk"):
        notifications.notify_session_moved(
            registration,
            session=session,
            sessions=sessions,
            previous_start=previous_start,
            previous_place=previous_place,
            moved_at=now,
        )
    if target.status == SessionStatus.SCHEDULED and target.decision_at <= now:
        decide_session(session=target, now=now)
        session.refresh_from_db()
    return session


def _may_take_attendance(by, session: Session) -> bool:
    if _manages_territory(by, session.workshop.territory_id):
        return True
    return (
        _authenticated(by)
        and by.role == Role.ADVISER
        and session.advisers.filter(pk=by.pk).exists()
    )


@transaction.atomic
def record_attendance(
    *, session: Session, present_ids: Iterable[int], by, anonymous_count: int | None = None
) -> Session:
    """Who came, once the session has begun (each session of a cycle on its own). Everyone
    registered and not listed is absent; ``anonymous_count`` counts those who came without
    registering. May be corrected later. The session becomes « tenue »."""
    target = _lock(session)
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .get(pk=session.pk)
    )
    _require(_may_take_attendance(by, session))
    if session.is_cancelled:
        raise ValidationError("Cette séance a été annulée.")
    now = clock.now()
    if session.start > now:
        raise ValidationError("La séance n'a pas encore commencé : l'appel se fait sur place.")
    if anonymous_count is not None and anonymous_count < 0:
        raise ValidationError({"anonymous_count": ["Indiquez un nombre (0 ou plus)."]})
    registrations = {r.pk: r for r in target.registrations.holding_place()}
    present = set(present_ids)
    unknown = present - registrations.keys()
    if unknown:
        raise ValidationError(
            {"present_ids": ["Une des personnes cochées n'est pas inscrite à cette séance."]}
        )
    existing = {a.registration_id: a for a in session.attendances.all()}
    for pk in registrations:
        attendance = existing.get(pk)
        if attendance is None:
            Attendance.objects.create(
                session=session, registration_id=pk, present=pk in present, recorded_by=by
            )
        elif attendance.present != (pk in present):
            attendance.present = pk in present
            attendance.recorded_by, attendance.recorded_at = by, now
            attendance.save(update_fields=["present", "recorded_by", "recorded_at"])
    # A registration is « présent » when the person came (to at least one session of a cycle).
    came = set(
        Attendance.objects.filter(registration_id__in=registrations.keys(), present=True)
        .values_list("registration_id", flat=True)
        .distinct()
    )
    for pk, registration in registrations.items():
        status = RegistrationStatus.PRESENT if pk in came else RegistrationStatus.ABSENT
        if registration.status != status:
            registration.status = status
            registration.save(update_fields=["status", "updated_at"])
    session.status = SessionStatus.HELD
    if anonymous_count is not None:
        session.anonymous_count = anonymous_count
    session.save(update_fields=["status", "anonymous_count", "updated_at"])
    audit.record(
        actor=by,
        obj=session,
        action="session.attendance",
        description=(
            f"Appel de la séance « {session.workshop.title} » du {_paris(session.start)} : "
            f"{len(present)} présent(s) sur {len(registrations)} inscrit(s), "
            f"{session.anonymous_count} venu(s) sans inscription."
        ),
        territory_id=session.workshop.territory_id,
    )
    return session


# --- Registrations ---------------------------------------------------------------------------


@dataclass
class PersonData:
    """Who registers. ``commune_insee`` or ``library_card`` makes them eligible."""

    first_name: str
    last_name: str
    phone: str = ""
    email: str = ""
    commune_insee: str = ""
    library_card: str = ""
    notify_email: bool = True
    notify_sms: bool = True
    no_phone: bool = False


@dataclass
class RegistrationResult:
    registration: Registration
    token: str = field(repr=False)
    waiting_position: int | None = None

    @property
    def waiting(self) -> bool:
        return self.registration.status == RegistrationStatus.WAITING


def _may_register_others(by, target: Session) -> bool:
    if _manages_territory(by, target.workshop.territory_id):
        return True
    return (
        _authenticated(by)
        and by.role == Role.ADVISER
        and by.territory_id == target.workshop.territory_id
    )


def _check_open(target: Session, now: dt.datetime) -> None:
    if target.is_cancelled:
        raise SessionClosed("Cet atelier est annulé : on ne peut plus s'y inscrire.", code="closed")
    if target.status == SessionStatus.HELD or target.start <= now:
        raise SessionClosed(
            "Cet atelier a déjà commencé : on ne peut plus s'y inscrire.", code="closed"
        )


@transaction.atomic
def register(
    *, session: Session, person: PersonData, by=None, allow_overbooking: bool = False
) -> RegistrationResult:
    """Register a person (the public: ``by`` is None; or staff, for someone who called).

    The session row is locked, then the places are counted: a free place → « inscrit »;
    none → the waiting list. Only staff may register beyond the places, on purpose
    (``allow_overbooking``), and that is logged. For a cycle, the registration is for
    every session, on the first one.

    Everything that orders people is read under the lock: the time, and the row's id (the
    waiting list's order, see ``RegistrationQuerySet.waiting``), so the position told to
    the person is the one they really hold.
    """
    by_staff = _authenticated(by)
    target = _lock(session)
    now = clock.now()
    if by_staff:
        _require(_may_register_others(by, target))
    elif allow_overbooking:
        raise ValidationError(FORBIDDEN, code="forbidden")
    _check_open(target, now)
    territory = target.workshop.territory
    data = validate_beneficiary_data(
        BeneficiaryData(
            first_name=person.first_name,
            last_name=person.last_name,
            phone=person.phone,
            email=person.email,
            no_phone=person.no_phone,
        ),
        by_staff=by_staff,
    )
    codes = set(Commune.objects.filter(territory=territory).values_list("insee_code", flat=True))
    try:
        eligibility = check_eligibility(
            territory_insee_codes=codes,
            card_pattern=territory.library_card_pattern,
            commune_insee=person.commune_insee,
            library_card=person.library_card,
        )
    except Ineligible as exc:
        raise ValidationError(
            {exc.field: [str(exc) + _contact(territory)]}, code="ineligible"
        ) from exc
    same_person = target.registrations.active().filter(
        first_name__iexact=data.first_name, last_name__iexact=data.last_name
    )
    contact = [("phone", data.phone), ("email", data.email)]
    if any(same_person.filter(**{name: value}).exists() for name, value in contact if value):
        raise ValidationError(
            "Vous êtes déjà inscrit(e) à cet atelier. Pour une question, appelez le "
            f"{territory.service_name}"
            + (f" au {territory.contact_phone}." if territory.contact_phone else "."),
            code="duplicate",
        )
    taken = target.registrations.holding_place().count()
    overbooked = False
    if taken < target.capacity:
        status = RegistrationStatus.CONFIRMED
    elif by_staff and allow_overbooking:
        status, overbooked = RegistrationStatus.CONFIRMED, True
    else:
        status = RegistrationStatus.WAITING
    token = new_token()
    registration = None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    session=target,
                    first_name=data.first_name,
                    last_name=data.last_name,
                    phone=data.phone,
                    email=data.email,
                    notify_email=person.notify_email,
                    notify_sms=person.notify_sms,
                    eligibility_basis=eligibility.basis,
                    commune_insee=eligibility.commune_insee,
                    library_card=eligibility.library_card,
                    status=status,
                    overbooked=overbooked,
                    reference=new_reference(),
                    token_hash=hash_token(token),
                    created_at=now,
                    created_by=by if by_staff else None,
                )
            break
        except IntegrityError:  # a reference drawn twice: draw again
            continue
    if registration is None:
        raise ValidationError("L'inscription n'a pas pu être enregistrée. Réessayez.")
    position = waiting_position(registration)
    what = {
        RegistrationStatus.CONFIRMED: "inscrit",
        RegistrationStatus.WAITING: f"en liste d'attente (n° {position})",
    }[status]
    audit.record(
        actor=by if by_staff else None,
        obj=registration,
        action="registration.overbooked" if overbooked else "registration.created",
        description=(
            f"Inscription {registration.reference} à « {target.workshop.title} » du "
            f"{_paris(target.start)} : {what}"
            + (f", au-delà des {target.capacity} places" if overbooked else "")
            + (" (par le service)." if by_staff else " (en ligne).")
        ),
        territory_id=territory.pk,
    )
    notifications.notify_registration(
        registration, token, session=target, sessions=cycle_sessions(target), position=position
    )
    return RegistrationResult(registration=registration, token=token, waiting_position=position)


def _promote_waiting(target: Session, *, now: dt.datetime) -> list[Registration]:
    """Give the free places to the people waiting, first come first served, each told.

    Called with ``target`` locked, so each freed place is given exactly once.
    """
    if target.status not in OPEN_SESSION_STATUSES or target.start <= now:
        return []
    free = target.capacity - target.registrations.holding_place().count()
    if free <= 0:
        return []
    promoted = list(target.registrations.waiting()[:free])
    sessions = cycle_sessions(target) if promoted else []
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at", "updated_at"])
        audit.record(
            actor=None,
            obj=registration,
            action="registration.promoted",
            description=(
                f"Inscription {registration.reference} : une place s'est libérée, passe de la "
                f"liste d'attente à inscrit."
            ),
            territory_id=target.workshop.territory_id,
        )
        notifications.notify_promoted(registration, session=target, sessions=sessions)
    return promoted


@transaction.atomic
def cancel_registration(*, registration: Registration, by=None, reason: str = "") -> Registration:
    """Cancel: by the person through their private link (``by`` None) or by staff. A place
    freed goes at once to the first person waiting, who is told."""
    target = _lock(registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    by_staff = _authenticated(by)
    if by_staff:
        _require(_may_register_others(by, target))
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING):
        raise ValidationError("Cette inscription est déjà annulée ou terminée.")
    now = clock.now()
    if target.is_cancelled:
        raise ValidationError("Cet atelier est annulé : votre inscription ne compte plus.")
    if target.start <= now and not by_staff:
        raise ValidationError(
            "L'atelier a déjà commencé : l'inscription ne peut plus être annulée en ligne."
        )
    previous = registration.get_status_display()
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    who = "par le service" if by_staff else "par la personne"
    audit.record(
        actor=by if by_staff else None,
        obj=registration,
        action="registration.cancelled",
        description=(
            f"Inscription {registration.reference} ({previous.lower()}) annulée {who}."
            + (f" Motif : {reason.strip()[:200]}" if reason.strip() else "")
        ),
        territory_id=target.workshop.territory_id,
    )
    notifications.notify_registration_cancelled(registration, session=target, by_service=by_staff)
    _promote_waiting(target, now=now)
    return registration


def places_taken(session: Session) -> int:
    """Registrations holding a place in a session (its cycle's first session)."""
    target_id = session.cycle_group_id or session.pk
    return Registration.objects.filter(
        session_id=target_id, status__in=PLACE_HOLDING_STATUSES
    ).count()


# --- Sessions at risk: push the announcement (issue 16) ----------------------------------------


@dataclass(frozen=True)
class AnnouncementPush:
    """What « Prévenir les personnes en liste d'attente d'ateliers semblables » did."""

    people: int  # people written to this time (0: everyone had already been told)
    messages: int


@transaction.atomic
def announce_to_similar_waiting_lists(
    *, session: Session, by, now: dt.datetime
) -> AnnouncementPush:
    """Queue one message per person waiting for another session of the same format
    (:func:`cadran.workshops.selectors.similar_waiting_registrations`) to tell them this
    session still has places. The Service Culture or the coordination of the territory,
    before the decision. Idempotent: a person already told about this session is not told
    again (the messages' unique keys), so a second push writes only to newcomers."""
    from .selectors import similar_waiting_registrations

    target = _lock(session)
    _require(_manages_territory(by, target.workshop.territory_id))
    if target.status != SessionStatus.SCHEDULED or target.decision_at <= now:
        raise ValidationError(
            "La décision de cette séance est déjà prise : il n'est plus temps de l'annoncer.",
            code="invalid_transition",
        )
    if target.workshop.status != WorkshopStatus.PUBLISHED:
        raise ValidationError(
            "Cet atelier n'est pas publié : personne ne peut s'y inscrire pour l'instant."
        )
    people: dict[tuple, Registration] = {}
    for registration in similar_waiting_registrations(target, now=now):
        # One person waiting on two similar sessions is written to once.
        key = (registration.email.strip().lower(), registration.phone.strip())
        people.setdefault(key, registration)
    queued = notifications.notify_similar_session(
        list(people.values()), session=target, sessions=cycle_sessions(target)
    )
    told = len({m.object_id for m in queued})
    audit.record(
        actor=by,
        obj=target,
        action="session.announced_to_waiting_lists",
        description=(
            f"Séance « {target.workshop.title} » du {_paris(target.start)} annoncée aux "
            f"personnes en liste d'attente d'ateliers semblables : {told} personne(s) "
            f"prévenue(s), {len(queued)} message(s)."
        ),
        territory_id=target.workshop.territory_id,
    )
    return AnnouncementPush(people=told, messages=len(queued))
