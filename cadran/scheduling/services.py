"""Every write about permanences, closures and appointments.

One keyword-only function per business action. Each is atomic and writes the audit log;
a refusal raises ``ValidationError`` with a French message shown as is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import audit, clock
from cadran.core.french import de
from cadran.core.tokens import hash_token, new_reference, new_token
from cadran.notifications.formatting import day_label
from cadran.territory.models import Territory

from .enums import AppointmentStatus, Channel, Thematique
from .models import Appointment, AppointmentTopic, Beneficiary, Closure, Permanence
from .notifications import (
    notify_appointment_booked,
    notify_appointment_cancelled,
    notify_appointment_moved,
)
from .slots import Slot, WeeklyRule, free_slots, parse_slot_id

SLOT_TAKEN = "Ce créneau vient d'être réservé. Choisissez-en un autre."
SLOT_UNAVAILABLE = "Ce créneau n'est plus disponible. Choisissez-en un autre."
NOT_AN_OCCURRENCE = (
    "La permanence n'a pas lieu le {day} : elle a lieu {when}. Choisissez un autre créneau."
)
NAME_MAX_LENGTH = 100  # Beneficiary.first_name / last_name


class SlotTaken(ValidationError):
    """The slot was booked by someone else a moment ago (HTTP 409 in the API)."""


@dataclass
class BeneficiaryData:
    first_name: str
    last_name: str
    phone: str = ""
    email: str = ""
    no_phone: bool = False
    residence_insee: str = ""
    birth_year: int | None = None
    notify_email: bool = True
    notify_sms: bool = True


@dataclass
class Booking:
    appointment: Appointment
    token: str = field(repr=False)


def normalize_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    return digits


def validate_beneficiary_data(data: BeneficiaryData, *, by_staff: bool) -> BeneficiaryData:
    errors: dict[str, list[str]] = {}
    data.first_name = data.first_name.strip()
    data.last_name = data.last_name.strip()
    data.email = data.email.strip().lower()
    data.phone = normalize_phone(data.phone.strip())
    if not data.first_name:
        errors.setdefault("first_name", []).append("Indiquez le prénom.")
    elif len(data.first_name) > NAME_MAX_LENGTH:
        errors.setdefault("first_name", []).append(
            f"Le prénom est trop long : {NAME_MAX_LENGTH} lettres au plus."
        )
    if not data.last_name:
        errors.setdefault("last_name", []).append("Indiquez le nom.")
    elif len(data.last_name) > NAME_MAX_LENGTH:
        errors.setdefault("last_name", []).append(
            f"Le nom est trop long : {NAME_MAX_LENGTH} lettres au plus."
        )
    if data.email:
        try:
            validate_email(data.email)
        except ValidationError:
            errors.setdefault("email", []).append(
                "Cette adresse e-mail ne semble pas correcte, par exemple : nom@exemple.fr."
            )
    if data.phone and not (10 <= len(data.phone.lstrip("+")) <= 15):
        errors.setdefault("phone", []).append(
            "Ce numéro de téléphone ne semble pas complet : il faut 10 chiffres."
        )
    if not data.phone and not data.email:
        if not (by_staff and data.no_phone):
            errors.setdefault("phone", []).append(
                "Indiquez un numéro de téléphone ou une adresse e-mail, pour vous prévenir "
                "en cas de changement."
            )
    else:
        data.no_phone = False
    if errors:
        raise ValidationError(errors)
    return data


def get_bookable_slot(
    *, slot_id: str, now: dt.datetime, for_staff: bool
) -> tuple[Permanence, Slot]:
    """The permanence and the slot behind an id, if that slot is free right now."""
    try:
        permanence_id, start = parse_slot_id(slot_id)
    except ValueError as exc:
        raise ValidationError({"slot": [str(exc)]}) from exc
    permanence = Permanence.objects.with_related().filter(pk=permanence_id).first()
    if permanence is None or (not for_staff and not permanence.online_booking):
        raise ValidationError({"slot": ["Ce créneau n'existe pas."]})
    day = start.date()
    _check_occurrence(permanence, day)
    _check_agreement_covers(permanence, day)
    for slot in free_slots([permanence], date_from=day, date_to=day, now=now, for_staff=for_staff):
        if slot.start == start:
            return permanence, slot
    if _is_taken(permanence, start):
        raise SlotTaken({"slot": [SLOT_TAKEN]}, code="slot_taken")
    raise ValidationError({"slot": [SLOT_UNAVAILABLE]})


def _check_occurrence(permanence: Permanence, day: dt.date) -> None:
    """Refuse, with the reason, a date a fortnightly or monthly permanence skips (no query).

    A weekly permanence's other days keep the plain « plus disponible » message.
    """
    rule = WeeklyRule.of(permanence)
    if rule.recurrence.is_weekly or rule.occurs_on(day):
        return
    if day < rule.valid_from or (rule.valid_until is not None and day > rule.valid_until):
        return
    raise ValidationError(
        {"slot": [NOT_AN_OCCURRENCE.format(day=day_label(day), when=permanence.recurrence_label)]},
        code="not_an_occurrence",
    )


def acts_for_service(by, permanence: Permanence) -> bool:
    """Whether ``by`` books, moves or cancels on this permanence as staff.

    The Service Culture and the coordinator of its territory, and advisers who hold it or
    serve its commune; anyone else (a referent, a librarian, another territory) is refused.
    """
    if by is None or not by.is_authenticated:
        return False
    if by.is_superuser:
        return True
    if by.role in TERRITORY_ROLES:
        return by.territory_id == permanence.commune.territory_id
    if by.role == Role.ADVISER:
        return (
            permanence.adviser_id == by.pk or by.communes.filter(pk=permanence.commune_id).exists()
        )
    return False


NOT_YOUR_PERMANENCE = "Vous ne pouvez pas gérer les rendez-vous de cette permanence."


def _check_staff(by, permanence: Permanence) -> None:
    if by is not None and by.is_authenticated and not acts_for_service(by, permanence):
        raise ValidationError(NOT_YOUR_PERMANENCE, code="forbidden")


def _is_taken(permanence: Permanence, start: dt.datetime) -> bool:
    return Appointment.objects.active().filter(permanence=permanence, start=start).exists()


def _clean_topics(topics: list[str]) -> list[str]:
    valid = set(Thematique.values)
    unknown = [t for t in topics if t not in valid]
    if unknown:
        raise ValidationError({"topics": [f"Motif inconnu : {', '.join(unknown)}."]})
    if not topics:
        raise ValidationError({"topics": ["Choisissez au moins un motif."]})
    return list(dict.fromkeys(topics))


def _insert_appointment(
    *, permanence: Permanence, slot: Slot, beneficiary: Beneficiary, channel: str, by
) -> tuple[Appointment, str]:
    token = new_token()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    permanence=permanence,
                    start=slot.start,
                    end=slot.end,
                    beneficiary=beneficiary,
                    channel=channel,
                    reference=new_reference(),
                    token_hash=hash_token(token),
                    created_by=by if by is not None and by.is_authenticated else None,
                )
            return appointment, token
        except IntegrityError as exc:
            # Either the slot was taken (the partial unique index) or, very rarely,
            # the random reference already exists: only the latter is worth a retry.
            if _is_taken(permanence, slot.start):
                raise SlotTaken({"slot": [SLOT_TAKEN]}, code="slot_taken") from exc
    raise SlotTaken({"slot": [SLOT_TAKEN]}, code="slot_taken")


@transaction.atomic
def book_appointment(
    *,
    slot_id: str,
    topics: list[str],
    channel: str,
    beneficiary: Beneficiary | None = None,
    person: BeneficiaryData | None = None,
    by=None,
) -> Booking:
    """Book a slot for a known person (``beneficiary``) or a new one (``person``).

    The public books online within the permanence's notice and window; staff may book any
    slot that has not started. Two bookings of the same slot: the database keeps one.
    """
    now = clock.now()
    by_staff = by is not None and by.is_authenticated
    if channel not in Channel.values:
        raise ValidationError({"channel": ["Canal de prise de rendez-vous inconnu."]})
    topic_codes = _clean_topics(topics)
    permanence, slot = get_bookable_slot(slot_id=slot_id, now=now, for_staff=by_staff)
    _check_staff(by, permanence)
    territory_id = permanence.commune.territory_id
    if beneficiary is None:
        if person is None:
            raise ValidationError("Indiquez pour qui est le rendez-vous.")
        data = validate_beneficiary_data(person, by_staff=by_staff)
        beneficiary = Beneficiary.objects.create(
            territory_id=territory_id,
            first_name=data.first_name,
            last_name=data.last_name,
            phone=data.phone,
            email=data.email,
            no_phone=data.no_phone,
            residence_insee=data.residence_insee,
            birth_year=data.birth_year,
            notify_email=data.notify_email,
            notify_sms=data.notify_sms,
        )
    elif beneficiary.territory_id != territory_id:
        raise ValidationError("Cette personne n'est pas suivie sur ce territoire.")
    appointment, token = _insert_appointment(
        permanence=permanence, slot=slot, beneficiary=beneficiary, channel=channel, by=by
    )
    AppointmentTopic.objects.bulk_create(
        [AppointmentTopic(appointment=appointment, thematique=code) for code in topic_codes]
    )
    audit.record(
        actor=by,
        obj=appointment,
        action="appointment.booked",
        description=(
            f"Rendez-vous {appointment.reference} pris ({Channel(channel).label.lower()}) pour le "
            f"{clock.paris(slot.start):%d/%m/%Y à %H:%M}, {permanence.commune.name}."
        ),
        territory_id=territory_id,
    )
    notify_appointment_booked(appointment, token)
    return Booking(appointment=appointment, token=token)


def get_appointment_by_token(token: str) -> Appointment | None:
    if not token or len(token) > 100:
        return None
    return Appointment.objects.with_related().filter(token_hash=hash_token(token)).first()


@transaction.atomic
def cancel_appointment(*, appointment: Appointment, by=None, reason: str = "") -> Appointment:
    """Cancel: by the person (``by`` is None: excused) or by the service (revoked)."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError("Ce rendez-vous est déjà annulé ou terminé.")
    by_staff = by is not None and by.is_authenticated
    _check_staff(by, appointment.permanence)
    if not by_staff and appointment.start <= clock.now():
        raise ValidationError(
            "Ce rendez-vous est déjà passé : il ne peut plus être annulé en ligne."
        )
    appointment.status = AppointmentStatus.REVOKED if by_staff else AppointmentStatus.EXCUSED
    appointment.save(update_fields=["status", "updated_at"])
    who = "par le service" if by_staff else "par la personne"
    audit.record(
        actor=by,
        obj=appointment,
        action="appointment.cancelled",
        description=f"Rendez-vous {appointment.reference} annulé {who}."
        + (f" Motif : {reason[:200]}" if reason else ""),
        territory_id=appointment.permanence.commune.territory_id,
    )
    notify_appointment_cancelled(appointment, by_service=by_staff)
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    """The appointment's row, locked until the end of the transaction, with its commune."""
    return (
        Appointment.objects.select_for_update()
        .select_related("permanence__commune")
        .get(pk=appointment.pk)
    )


def _move_to_slot(
    appointment: Appointment, *, permanence: Permanence, slot: Slot, by
) -> Appointment:
    """Put the locked and checked ``appointment`` on ``slot`` of ``permanence``: saved,
    logged as ``appointment.moved``, told to the person (the « appointment_moved » message).
    ``by`` is None when the person moves it from their private link. A slot taken
    meanwhile: :class:`SlotTaken`, and the row stays as it was."""
    old_start = appointment.start
    appointment.permanence = permanence
    appointment.start, appointment.end = slot.start, slot.end
    # An answer given for the old date says nothing of the new one: asked again in time.
    appointment.confirmation_asked_at = None
    appointment.confirmation_answer = ""
    appointment.confirmation_answered_at = None
    appointment.confirmation_token_hash = None
    try:
        with transaction.atomic():
            appointment.save(
                update_fields=[
                    "permanence",
                    "start",
                    "end",
                    "updated_at",
                    "confirmation_asked_at",
                    "confirmation_answer",
                    "confirmation_answered_at",
                    "confirmation_token_hash",
                ]
            )
    except IntegrityError as exc:
        raise SlotTaken({"slot": [SLOT_TAKEN]}, code="slot_taken") from exc
    who = "déplacé par la personne du " if by is None else "déplacé du "
    audit.record(
        actor=by,
        obj=appointment,
        action="appointment.moved",
        description=(
            f"Rendez-vous {appointment.reference} {who}{clock.paris(old_start):%d/%m/%Y %H:%M}"
            f" au {clock.paris(slot.start):%d/%m/%Y %H:%M} ({permanence.commune.name})."
        ),
        territory_id=permanence.commune.territory_id,
    )
    notify_appointment_moved(appointment)
    return appointment


@transaction.atomic
def move_appointment(*, appointment: Appointment, slot_id: str, by) -> Appointment:
    """Move a booked appointment to another free slot (same or another permanence)."""
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError("Seul un rendez-vous à venir peut être déplacé.")
    if by is None or not acts_for_service(by, appointment.permanence):
        raise ValidationError(NOT_YOUR_PERMANENCE, code="forbidden")
    permanence, slot = get_bookable_slot(slot_id=slot_id, now=clock.now(), for_staff=True)
    if permanence.commune.territory_id != appointment.permanence.commune.territory_id:
        raise ValidationError({"slot": ["Ce créneau n'existe pas."]})
    if not acts_for_service(by, permanence):
        raise ValidationError({"slot": [NOT_YOUR_PERMANENCE]}, code="forbidden")
    return _move_to_slot(appointment, permanence=permanence, slot=slot, by=by)


ALREADY_STARTED = (
    "Ce rendez-vous a déjà commencé : son horaire ne peut plus être changé en ligne. "
    "Appelez le service."
)
SAME_SLOT = "C'est déjà l'horaire de votre rendez-vous. Choisissez-en un autre."


@transaction.atomic
def reschedule_appointment(*, appointment: Appointment, slot_id: str) -> Appointment:
    """The person changes the time of their own appointment, from its private link.

    The same rules as cancelling online (:func:`cancel_appointment`): a booked appointment
    that has not started yet. The new slot follows the rules of online booking (the
    permanence is open online, the minimum notice, the booking window) and belongs to a
    permanence of the same commune. Recorded and notified as a move (``appointment.moved``,
    the « appointment_moved » e-mail and SMS, one more iCalendar SEQUENCE), like
    :func:`move_appointment` by staff. A slot taken meanwhile: :class:`SlotTaken`, and the
    appointment stays where it was.
    """
    now = clock.now()
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError("Ce rendez-vous est déjà annulé ou terminé.")
    if appointment.start <= now:
        raise ValidationError(ALREADY_STARTED, code="started")
    try:
        permanence_id, start = parse_slot_id(slot_id)
    except ValueError as exc:
        raise ValidationError({"slot": [str(exc)]}) from exc
    if permanence_id == appointment.permanence_id and start == appointment.start:
        raise ValidationError({"slot": [SAME_SLOT]}, code="same_slot")
    permanence, slot = get_bookable_slot(slot_id=slot_id, now=now, for_staff=False)
    if permanence.commune_id != appointment.permanence.commune_id:
        raise ValidationError({"slot": ["Ce créneau n'existe pas."]})
    return _move_to_slot(appointment, permanence=permanence, slot=slot, by=None)


@transaction.atomic
def mark_attendance(*, appointment: Appointment, status: str, by) -> Appointment:
    """Record that the person came (seen) or did not (noshow), once the slot has begun."""
    if status not in (AppointmentStatus.SEEN, AppointmentStatus.NOSHOW):
        raise ValidationError("État inconnu.")
    appointment = _locked(appointment)
    if not acts_for_service(by, appointment.permanence):
        raise ValidationError(NOT_YOUR_PERMANENCE, code="forbidden")
    if appointment.status in (AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED):
        raise ValidationError("Ce rendez-vous a été annulé.")
    if appointment.start > clock.now():
        raise ValidationError("Ce rendez-vous n'a pas encore commencé.")
    previous = appointment.get_status_display()
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=by,
        obj=appointment,
        action="appointment.attendance",
        description=(
            f"Rendez-vous {appointment.reference} : {previous} → "
            f"{appointment.get_status_display()}."
        ),
        territory_id=appointment.permanence.commune.territory_id,
    )
    return appointment


@transaction.atomic
def create_closure(
    *,
    territory: Territory,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    commune=None,
    venue=None,
    adviser=None,
    by,
) -> Closure:
    if end <= start:
        raise ValidationError({"end": ["La fin de la fermeture doit être après son début."]})
    if not reason.strip():
        raise ValidationError({"reason": ["Indiquez le motif de la fermeture."]})
    if len(reason.strip()) > 200:
        raise ValidationError({"reason": ["Le motif est trop long : 200 caractères au plus."]})
    for name, obj in (("commune", commune), ("venue", venue), ("adviser", adviser)):
        obj_territory = getattr(obj, "territory_id", None)
        if obj is not None and name == "venue":
            obj_territory = obj.commune.territory_id
        if obj is not None and obj_territory != territory.pk:
            raise ValidationError({name: ["Ce choix n'appartient pas à votre territoire."]})
    closure = Closure.objects.create(
        territory=territory,
        commune=commune,
        venue=venue,
        adviser=adviser,
        start=start,
        end=end,
        reason=reason.strip(),
        created_by=by,
    )
    booked = Appointment.objects.active().filter(
        start__lt=end, end__gt=start, status=AppointmentStatus.BOOKED
    )
    if commune is not None:
        booked = booked.filter(permanence__commune=commune)
    if venue is not None:
        booked = booked.filter(permanence__venue=venue)
    if adviser is not None:
        booked = booked.filter(permanence__adviser=adviser)
    affected = booked.filter(permanence__commune__territory=territory).count()
    audit.record(
        actor=by,
        obj=closure,
        action="closure.created",
        description=(
            f"Fermeture « {closure.reason} » du {clock.paris(start):%d/%m/%Y %H:%M} au "
            f"{clock.paris(end):%d/%m/%Y %H:%M} ({closure.scope_label})."
            + (f" {affected} rendez-vous déjà pris sur cette période." if affected else "")
        ),
        territory_id=territory.pk,
    )
    return closure


@transaction.atomic
def delete_closure(*, closure: Closure, by) -> None:
    audit.record(
        actor=by,
        obj=closure,
        action="closure.deleted",
        description=f"Fermeture « {closure.reason} » supprimée.",
        territory_id=closure.territory_id,
    )
    closure.delete()


# --- The commune's agreement (cadran.agreements): no permanence past its end -------------

AFTER_AGREEMENT = (
    "La convention avec la commune se termine avant cette date : ce créneau ne peut pas "
    "être réservé."
)


def _check_agreement_covers(permanence: Permanence, day: dt.date) -> None:
    """Refuse a slot after the last day of the commune's agreement (one query)."""
    from cadran.agreements.selectors import agreement_end_for_commune

    end = agreement_end_for_commune(permanence.commune)
    if end is not None and day > end:
        raise ValidationError({"slot": [AFTER_AGREEMENT]}, code="after_agreement")


@transaction.atomic
def align_permanences_with_agreement(
    *, commune, ends_on: dt.date, previous_end: dt.date | None, by
) -> int:
    """Stop the commune's permanences on the last day of its agreement (articles 5 and 6).

    Called by the agreement services when an agreement is signed, renewed or terminated. A
    permanence without an end, or ending later, now ends on ``ends_on``; one that ended with
    the agreement (on ``previous_end``) follows it when a renewal pushes the end back. A
    permanence that ends earlier keeps its own end. Returns how many changed.
    """
    changed = 0
    for permanence in Permanence.objects.select_for_update().filter(commune=commune):
        old = permanence.valid_until
        follows = previous_end is not None and old == previous_end and ends_on > previous_end
        if not (follows or old is None or old > ends_on) or ends_on < permanence.valid_from:
            continue
        new = permanence.valid_until = ends_on
        permanence.save(update_fields=["valid_until"])
        audit.record(
            actor=by,
            obj=permanence,
            action="permanence.aligned_with_agreement",
            description=(
                f"Permanence {permanence} {de(commune)} : jusqu'au {new:%d/%m/%Y} "
                "(fin de la convention)."
            ),
            territory_id=commune.territory_id,
        )
        changed += 1
    return changed
