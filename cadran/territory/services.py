"""Every write about venues: a commune's venue change (convention, art. 3).

One keyword-only function per business action. Each is atomic and writes the audit log;
a refusal raises ``ValidationError`` with a French message shown as is.

Confirming a change moves rows of two other apps in the same transaction: appointments
(through their permanence, split at the date) and workshop sessions. Those writes are
kept together below (``_split_permanence``, ``_move_sessions``) so that the whole change
either happens or does not.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import audit, clock
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment, Permanence
from cadran.scheduling.notifications import notify_appointment_venue_changed
from cadran.workshops.enums import ACTIVE_REGISTRATION_STATUSES
from cadran.workshops.models import Registration, Session
from cadran.workshops.notifications import notify_registration_venue_changed

from . import selectors
from .models import Commune, Venue, VenueChange, VenueChangeStatus
from .notifications import notify_venue_change_decided, notify_venue_change_staff

NOT_YOUR_COMMUNE = "Vous ne pouvez pas déclarer de changement de lieu pour cette commune."
NOT_ALLOWED_TO_DECIDE = "Seul le Service Culture du territoire confirme ou refuse un changement."
MUST_BE_IN_ADVANCE = "La commune prévient à l'avance : choisissez une date à partir de demain."
NOT_PENDING = "Ce changement a déjà été confirmé ou refusé."

VENUE_FLAGS = (
    "confidential",
    "accessible",
    "wifi",
    "heated",
    "insured",
    "has_pc",
    "has_printer",
    "has_projector",
    "has_screen",
    "has_tables_chairs",
)


@dataclass
class VenueData:
    """A venue the commune declares for the first time."""

    name: str
    address: str
    room: str = ""
    confidential: bool = False
    accessible: bool = False
    wifi: bool = False
    heated: bool = False
    insured: bool = False
    has_pc: bool = False
    has_printer: bool = False
    has_projector: bool = False
    has_screen: bool = False
    has_tables_chairs: bool = False


@dataclass
class Confirmation:
    change: VenueChange
    appointments: list[Appointment]
    sessions: list[Session]
    permanences: list[Permanence]


def may_declare(user, commune: Commune) -> bool:
    """The commune's referents, and the Service Culture or coordination of its territory."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if user.role in TERRITORY_ROLES:
        return user.territory_id == commune.territory_id
    if user.role == Role.COMMUNE_REFERENT:
        return user.communes.filter(pk=commune.pk).exists()
    return False


def may_decide(user, commune: Commune) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.role in TERRITORY_ROLES and user.territory_id == commune.territory_id


def _create_venue(*, commune: Commune, data: VenueData) -> Venue:
    errors: dict[str, list[str]] = {}
    name, address, room = data.name.strip(), data.address.strip(), data.room.strip()
    if not name:
        errors["name"] = ["Indiquez le nom du nouveau lieu (par exemple : Salle des fêtes)."]
    elif len(name) > 200:
        errors["name"] = ["Le nom est trop long : 200 caractères au plus."]
    if not address:
        errors["address"] = ["Indiquez l'adresse du nouveau lieu."]
    elif len(address) > 255:
        errors["address"] = ["L'adresse est trop longue : 255 caractères au plus."]
    if len(room) > 200:
        errors["room"] = ["Le nom de la salle est trop long : 200 caractères au plus."]
    if errors:
        raise ValidationError(errors)
    return Venue.objects.create(
        commune=commune,
        name=name,
        address=address,
        room=room,
        **{flag: bool(getattr(data, flag)) for flag in VENUE_FLAGS},
    )


@transaction.atomic
def declare_venue_change(
    *,
    commune: Commune,
    old_venue: Venue,
    effective_date: dt.date,
    by,
    new_venue: Venue | None = None,
    venue_data: VenueData | None = None,
    note: str = "",
) -> VenueChange:
    """The commune announces, in advance, that what takes place at ``old_venue`` moves to
    ``new_venue`` (one of its venues) or to a new venue described by ``venue_data``."""
    if not may_declare(by, commune):
        raise ValidationError(NOT_YOUR_COMMUNE, code="forbidden")
    if effective_date <= clock.today():
        raise ValidationError({"effective_date": [MUST_BE_IN_ADVANCE]})
    if old_venue.commune_id != commune.pk:
        raise ValidationError({"old_venue": ["Ce lieu n'est pas un lieu de la commune."]})
    if (new_venue is None) == (venue_data is None):
        raise ValidationError({"new_venue": ["Choisissez le nouveau lieu ou décrivez-le."]})
    if new_venue is not None:
        if new_venue.commune_id != commune.pk:
            raise ValidationError({"new_venue": ["Ce lieu n'est pas un lieu de la commune."]})
        if new_venue.pk == old_venue.pk:
            raise ValidationError(
                {"new_venue": ["Le nouveau lieu doit être différent du lieu quitté."]}
            )
    if VenueChange.objects.pending().filter(old_venue=old_venue).exists():
        raise ValidationError(
            {
                "old_venue": [
                    "Un changement est déjà en attente pour ce lieu : attendez la réponse "
                    "du Service Culture."
                ]
            }
        )
    if len(note) > 2000:
        raise ValidationError({"note": ["Le message est trop long : 2000 caractères au plus."]})
    if new_venue is None:
        assert venue_data is not None
        new_venue = _create_venue(commune=commune, data=venue_data)
    change = VenueChange.objects.create(
        commune=commune,
        old_venue=old_venue,
        new_venue=new_venue,
        effective_date=effective_date,
        note=note.strip(),
        declared_by=by if by is not None and by.is_authenticated else None,
    )
    audit.record(
        actor=by,
        obj=change,
        action="venue_change.declared",
        description=(
            f"{commune.name} : à partir du {effective_date:%d/%m/%Y}, « {old_venue.full_place} »"
            f" est remplacé par « {new_venue.full_place} »."
        ),
        territory_id=commune.territory_id,
    )
    return change


def _locked_pending(change: VenueChange) -> VenueChange:
    change = (
        VenueChange.objects.select_for_update(of=("self",))
        .select_related("commune__territory", "old_venue", "new_venue", "declared_by")
        .get(pk=change.pk)
    )
    if change.status != VenueChangeStatus.PENDING:
        raise ValidationError(NOT_PENDING, code="not_pending")
    return change


def _split_permanence(permanence: Permanence, *, day: dt.date, venue: Venue) -> Permanence:
    """``permanence`` takes place at ``venue`` from ``day`` on: the same permanence if it
    starts that day or later, otherwise a copy from ``day`` while the old one ends the day
    before. Returns the permanence held at ``venue``."""
    if permanence.valid_from >= day:
        permanence.venue = venue
        permanence.save(update_fields=["venue"])
        return permanence
    successor = Permanence.objects.create(
        commune_id=permanence.commune_id,
        venue=venue,
        adviser_id=permanence.adviser_id,
        weekday=permanence.weekday,
        # The same recurrence: a fortnightly one keeps its weeks (its anchor, not ``day``).
        frequency=permanence.frequency,
        first_date=permanence.recurrence_rule.anchor,
        week_of_month=permanence.week_of_month,
        start_time=permanence.start_time,
        end_time=permanence.end_time,
        adviser_arrival_time=permanence.adviser_arrival_time,
        slot_minutes=permanence.slot_minutes,
        valid_from=day,
        valid_until=permanence.valid_until,
        online_booking=permanence.online_booking,
        min_notice_minutes=permanence.min_notice_minutes,
        booking_window_days=permanence.booking_window_days,
        is_demo=permanence.is_demo,
    )
    permanence.valid_until = day - dt.timedelta(days=1)
    permanence.save(update_fields=["valid_until"])
    Appointment.objects.filter(
        permanence=permanence, start__gte=selectors.paris_midnight(day)
    ).update(permanence=successor, updated_at=clock.now())
    return successor


@transaction.atomic
def confirm_venue_change(
    *, change: VenueChange, by, accept_missing_conditions: bool = False
) -> Confirmation:
    """The Service Culture confirms: from the date on, every permanence, appointment and
    session at the old venue moves to the new one, and the people concerned are told."""
    change = _locked_pending(change)
    commune = change.commune
    if not may_decide(by, commune):
        raise ValidationError(NOT_ALLOWED_TO_DECIDE, code="forbidden")
    if change.effective_date <= clock.today():
        raise ValidationError(
            "La date de ce changement est passée ou c'est aujourd'hui : refusez-le et "
            "demandez à la commune de le déclarer à nouveau avec une date à venir."
        )
    day = change.effective_date
    permanences = list(selectors.affected_permanences(change).select_for_update().order_by("pk"))
    sessions = list(
        selectors.affected_sessions(change)
        .select_for_update(of=("self",))
        .select_related("workshop__format")
        .order_by("start", "pk")
    )
    shortfalls = selectors.venue_shortfalls(
        change.new_venue, permanences=permanences, sessions=sessions
    )
    if shortfalls and not accept_missing_conditions:
        raise ValidationError(
            {
                "accept_missing_conditions": [
                    "Le nouveau lieu ne remplit pas toutes les conditions : cochez la case "
                    "pour l'accepter quand même, ou refusez le changement."
                ]
            },
            code="missing_conditions",
        )
    old_place = f"{change.old_venue.full_place}, {change.old_venue.address}"
    new_venue = change.new_venue

    held = [_split_permanence(p, day=day, venue=new_venue) for p in permanences]
    for permanence, successor in zip(permanences, held, strict=True):
        audit.record(
            actor=by,
            obj=successor,
            action="permanence.venue_changed",
            description=(
                f"Permanence {permanence.hours_label} ({commune.name}) à « "
                f"{new_venue.full_place} » à partir du {day:%d/%m/%Y}."
            ),
            territory_id=commune.territory_id,
        )

    session_ids = [s.pk for s in sessions]
    Session.objects.filter(pk__in=session_ids).update(venue=new_venue, updated_at=clock.now())

    appointments = list(
        Appointment.objects.filter(
            permanence__in=held,
            start__gte=selectors.paris_midnight(day),
            status=AppointmentStatus.BOOKED,
        )
        .select_related("beneficiary", "permanence__commune__territory", "permanence__venue")
        .order_by("start", "pk")
    )
    for appointment in appointments:
        audit.record(
            actor=by,
            obj=appointment,
            action="appointment.venue_changed",
            description=(
                f"Rendez-vous {appointment.reference} du "
                f"{clock.paris(appointment.start):%d/%m/%Y %H:%M} : nouveau lieu « "
                f"{new_venue.full_place} »."
            ),
            territory_id=commune.territory_id,
        )
        notify_appointment_venue_changed(appointment, previous_place=old_place)

    moved_sessions = list(
        Session.objects.filter(pk__in=session_ids)
        .select_related("workshop__territory", "venue__commune")
        .order_by("start", "pk")
    )
    by_target: dict[int, list[Session]] = defaultdict(list)
    for session in moved_sessions:
        by_target[session.cycle_group_id or session.pk].append(session)
        audit.record(
            actor=by,
            obj=session,
            action="session.venue_changed",
            description=(
                f"Séance « {session.workshop.title} » du "
                f"{clock.paris(session.start):%d/%m/%Y %H:%M} : nouveau lieu « "
                f"{new_venue.full_place} »."
            ),
            territory_id=commune.territory_id,
        )
    registrations = Registration.objects.filter(
        session_id__in=list(by_target), status__in=ACTIVE_REGISTRATION_STATUSES
    ).order_by("pk")
    for registration in registrations:
        notify_registration_venue_changed(
            registration, sessions=by_target[registration.session_id], previous_place=old_place
        )

    change.status = VenueChangeStatus.CONFIRMED
    change.decided_by = by
    change.decided_at = clock.now()
    change.missing_conditions = "\n".join(
        f"{s.missing} ({', '.join(s.needed_for)})" for s in shortfalls
    )
    change.appointments_moved = len(appointments)
    change.sessions_moved = len(moved_sessions)
    change.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "missing_conditions",
            "appointments_moved",
            "sessions_moved",
        ]
    )
    audit.record(
        actor=by,
        obj=change,
        action="venue_change.confirmed",
        description=(
            f"{commune.name} : changement de lieu confirmé à partir du {day:%d/%m/%Y} "
            f"(« {change.old_venue.full_place} » → « {new_venue.full_place} ») ; "
            f"{len(appointments)} rendez-vous et {len(moved_sessions)} séance(s) déplacés."
            + (
                f" Conditions manquantes acceptées : {change.missing_conditions}"
                if shortfalls
                else ""
            )
        ),
        territory_id=commune.territory_id,
    )
    notify_venue_change_decided(change)
    notify_venue_change_staff(change, permanences=held, sessions=moved_sessions)
    return Confirmation(
        change=change, appointments=appointments, sessions=moved_sessions, permanences=held
    )


@transaction.atomic
def refuse_venue_change(*, change: VenueChange, reason: str, by) -> VenueChange:
    """The Service Culture refuses, with a reason the commune reads. Nothing moves."""
    change = _locked_pending(change)
    if not may_decide(by, change.commune):
        raise ValidationError(NOT_ALLOWED_TO_DECIDE, code="forbidden")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Expliquez à la commune pourquoi vous refusez."]})
    if len(reason) > 2000:
        raise ValidationError({"reason": ["Le motif est trop long : 2000 caractères au plus."]})
    change.status = VenueChangeStatus.REFUSED
    change.refusal_reason = reason
    change.decided_by = by
    change.decided_at = clock.now()
    change.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    audit.record(
        actor=by,
        obj=change,
        action="venue_change.refused",
        description=(
            f"{change.commune.name} : changement de lieu du {change.effective_date:%d/%m/%Y} "
            f"refusé. Motif : {reason[:300]}"
        ),
        territory_id=change.commune.territory_id,
    )
    notify_venue_change_decided(change)
    return change
