"""Read queries for the staff screens.

Each function loads what a screen needs in a fixed number of queries, whatever the
number of rows, and always starts from a ``visible_to(user)`` QuerySet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.territory.models import Commune

from .calendars import public_holidays, school_holidays
from .enums import ACTIVE_STATUSES, CANCELLED_STATUSES, AppointmentStatus
from .models import Appointment, Closure, Permanence, PermanenceQuerySet
from .slots import WeeklyRule, day_bounds, make_slot_id, occurrence_dates, occurrence_slots

# Roles that work with inhabitants' appointments (names and contacts).
APPOINTMENT_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COORDINATOR, Role.ADVISER})
# Roles that may open a commune's permanence calendar (counts only).
CALENDAR_ROLES = APPOINTMENT_ROLES | {Role.COMMUNE_REFERENT}

AUDIT_ACTION_LABELS: dict[str, str] = {
    "appointment.booked": "Rendez-vous pris",
    "appointment.cancelled": "Rendez-vous annulé",
    "appointment.moved": "Rendez-vous déplacé",
    "appointment.attendance": "Présence notée",
    "appointment.confirmation_answered": "Réponse à « Vous venez toujours ? » (rendez-vous)",
    "registration.confirmation_answered": "Réponse à « Vous venez toujours ? » (atelier)",
    "closure.created": "Fermeture ajoutée",
    "closure.deleted": "Fermeture supprimée",
    "message.retried": "Message renvoyé",
    "venue_change.declared": "Changement de lieu déclaré",
    "venue_change.confirmed": "Changement de lieu confirmé",
    "venue_change.refused": "Changement de lieu refusé",
    "permanence.venue_changed": "Permanence : nouveau lieu",
    "appointment.venue_changed": "Rendez-vous : nouveau lieu",
    "session.venue_changed": "Séance : nouveau lieu",
    "session.moved": "Séance déplacée (Cadran)",
    "account.created": "Compte créé",
    "account.recovery_code_used": "Code de secours utilisé",
    "account.recovery_codes_renewed": "Codes de secours renouvelés",
    "account.role_changed": "Rôle du compte changé",
    "activity.created": "Compte rendu d'activité enregistré",
    "activity.corrected": "Compte rendu d'activité corrigé",
    "activity.updated": "Compte rendu d'activité modifié",
    "agreement.created": "Convention préparée",
    "agreement.signed": "Convention signée",
    "agreement.renewed": "Convention reconduite",
    "agreement.amended": "Avenant ajouté",
    "agreement.terminated": "Convention résiliée",
    "agreement.obligation": "Engagement de la commune vérifié",
    "agreement.transmitted": "Document transmis",
    "agreement_rules.saved": "Règles des conventions modifiées",
    "agreement_template.published": "Modèle de document publié",
    "api_token.created": "Jeton d'API créé",
    "api_token.revoked": "Jeton d'API révoqué",
    "api_token.extended": "Jeton d'API prolongé",
    "calendar_feed.created": "Lien d'agenda personnel créé",
    "calendar_feed.revoked": "Lien d'agenda personnel arrêté",
    "equipment.status": "État du matériel changé",
    "loan.requested": "Prêt de matériel demandé",
    "loan.approved": "Prêt de matériel accepté",
    "loan.collected": "Matériel retiré",
    "loan.returned": "Matériel rendu",
    "loan.cancelled": "Prêt de matériel annulé",
    "loan.auto_cancelled": "Prêt annulé (matériel non retiré)",
    "loan.late": "Retour de matériel en retard",
    "permanence.aligned_with_agreement": "Permanence alignée sur la convention",
    "person.viewed": "Fiche d'une personne consultée",
    "privacy.search": "Recherche d'une personne (données personnelles)",
    "privacy.viewed": "Dossier d'une personne consulté",
    "privacy.exported": "Données d'une personne exportées",
    "privacy.corrected": "Données d'une personne corrigées",
    "privacy.erased": "Données d'une personne effacées",
    "privacy.policy_changed": "Durées de conservation modifiées",
    "privacy.purged": "Données anciennes effacées (purge)",
    "registration.created": "Inscription à un atelier",
    "registration.cancelled": "Inscription annulée",
    "registration.overbooked": "Inscription au-delà des places",
    "registration.promoted": "Place libérée donnée (liste d'attente)",
    "request.created": "Demande d'intervention déposée",
    "request.examined": "Demande d'intervention examinée",
    "request.accepted": "Demande d'intervention acceptée",
    "request.refused": "Demande d'intervention refusée",
    "request.withdrawn": "Demande d'intervention retirée",
    "session.attendance": "Présences de l'atelier notées",
    "session.announced_to_waiting_lists": "Séance annoncée aux listes d'attente semblables",
    "session.cancelled_by_service": "Séance annulée par le service",
    "session.cancelled_low_attendance": "Séance annulée (pas assez d'inscrits)",
    "session.confirmed": "Séance confirmée",
    "session.decision_overridden": "Décision de la séance changée",
    "session.scheduled": "Séance programmée",
    "session.updated": "Séance modifiée",
    "workshop.created": "Atelier créé",
    "workshop.updated": "Atelier modifié",
    "workshop.reviewed": "Avis donné sur un atelier",
    "workshop.proposed": "Atelier proposé",
    "workshop.approved": "Atelier validé",
    "workshop.refused": "Atelier refusé",
    "workshop.published": "Atelier publié",
    "workshop.archived": "Atelier archivé",
}


def has_role(user, roles: Iterable[str]) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in roles))


# --- Repeated no-shows (issue 16) ------------------------------------------------------------

# A person is flagged to the adviser from this many appointments marked « absent » …
NOSHOW_FLAG_THRESHOLD = 2
# … whose start falls in this window before now (the instant ``now - window`` included).
NOSHOW_FLAG_WINDOW = dt.timedelta(days=365)


@dataclass(frozen=True)
class NoShowFlag:
    """« 2 absences sans prévenir depuis le 03/02/2025 »: a hint for the adviser, never a
    block (booking does not read it; docs/rendez-vous.md)."""

    count: int
    since: dt.datetime  # the start of the oldest absence counted

    @property
    def label(self) -> str:
        return (
            f"{self.count} absences sans prévenir depuis le {self.since.astimezone(PARIS):%d/%m/%Y}"
        )


def repeated_noshows(
    user, beneficiary_ids: Iterable[int], *, now: dt.datetime
) -> dict[int, NoShowFlag]:
    """``{beneficiary id: NoShowFlag}`` for the people with at least
    ``NOSHOW_FLAG_THRESHOLD`` absences starting in ``[now - NOSHOW_FLAG_WINDOW, now]``.

    Counted among the appointments the user may see (``visible_to``): nobody outside the
    scope learns anything, and a role without appointments (referent, librarian) gets no
    flag. One query, whatever the number of people.
    """
    ids = {pk for pk in beneficiary_ids if pk is not None}
    if not ids:
        return {}
    rows = (
        Appointment.objects.visible_to(user)
        .filter(
            beneficiary_id__in=ids,
            status=AppointmentStatus.NOSHOW,
            start__gte=now - NOSHOW_FLAG_WINDOW,
            start__lte=now,
        )
        .order_by()
        .values("beneficiary_id")
        .annotate(n=Count("pk"), since=Min("start"))
        .filter(n__gte=NOSHOW_FLAG_THRESHOLD)
    )
    return {row["beneficiary_id"]: NoShowFlag(row["n"], row["since"]) for row in rows}


# --- Permanences ------------------------------------------------------------------------


def staff_permanences(user) -> PermanenceQuerySet:
    """Permanences whose day sheets a member of staff may open.

    Territory roles: their territory; an adviser: the communes they serve and their own
    permanences anywhere; nobody else.
    """
    visible = Permanence.objects.visible_to(user)
    if not user.is_authenticated:
        return visible
    if user.is_superuser or user.role in TERRITORY_ROLES:
        return visible
    if user.role == Role.ADVISER:
        return Permanence.objects.filter(Q(pk__in=visible.values("pk")) | Q(adviser_id=user.pk))
    return Permanence.objects.none()


def _closure_applies(closure: Closure, permanence: Permanence) -> bool:
    return (
        closure.territory_id == permanence.commune.territory_id
        and (closure.commune_id is None or closure.commune_id == permanence.commune_id)
        and (closure.venue_id is None or closure.venue_id == permanence.venue_id)
        and (closure.adviser_id is None or closure.adviser_id == permanence.adviser_id)
    )


def _closures_between(permanences: Sequence[Permanence], start: dt.datetime, end: dt.datetime):
    territory_ids = {p.commune.territory_id for p in permanences}
    return list(
        Closure.objects.filter(territory_id__in=territory_ids)
        .overlapping(start, end)
        .select_related("commune", "venue", "adviser")
        .order_by("start", "pk")
    )


# --- Occurrences with counts (staff home, commune calendar) ------------------------------


@dataclass
class OccurrenceSummary:
    """One date of a permanence, with counts only: no inhabitant in here."""

    permanence: Permanence
    day: dt.date
    offered: int = 0
    booked: int = 0
    free: int = 0
    closed: int = 0
    closed_reasons: list[str] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return self.offered > 0 and self.closed == self.offered

    @property
    def closed_label(self) -> str:
        return " ; ".join(self.closed_reasons)


def summarize_occurrences(
    permanences: Sequence[Permanence], *, date_from: dt.date, date_to: dt.date, now: dt.datetime
) -> list[OccurrenceSummary]:
    """Every occurrence of these permanences between two dates, with its counts.

    Two queries whatever the number of permanences, appointments and closures. A slot is
    booked if an active appointment holds it, closed if a holiday or a closure covers it,
    free if neither and not started yet.
    """
    if not permanences or date_from > date_to:
        return []
    range_start, range_end = day_bounds(date_from, date_to)
    closures = _closures_between(permanences, range_start, range_end)
    held = set(
        Appointment.objects.filter(
            permanence_id__in=[p.pk for p in permanences],
            status__in=ACTIVE_STATUSES,
            start__gte=range_start,
            start__lt=range_end,
        ).values_list("permanence_id", "start")
    )
    holidays = public_holidays(date_from, date_to)
    summaries: list[OccurrenceSummary] = []
    for perm in permanences:
        rule = WeeklyRule.of(perm)
        perm_closures = [c for c in closures if _closure_applies(c, perm)]
        for day in occurrence_dates(rule, date_from, date_to):
            summary = OccurrenceSummary(permanence=perm, day=day)
            holiday = holidays.get(day)
            if holiday:
                summary.closed_reasons.append(f"Jour férié : {holiday}")
            for start, end in occurrence_slots(rule, day):
                summary.offered += 1
                covering = [c for c in perm_closures if c.start < end and c.end > start]
                for closure in covering:
                    if closure.reason not in summary.closed_reasons:
                        summary.closed_reasons.append(closure.reason)
                if (perm.pk, start) in held:
                    summary.booked += 1
                elif holiday or covering:
                    summary.closed += 1
                elif start > now:
                    summary.free += 1
            summaries.append(summary)
    summaries.sort(key=lambda s: (s.day, s.permanence.start_time, s.permanence.pk))
    return summaries


# --- Day sheet ---------------------------------------------------------------------------


@dataclass
class SheetLine:
    start: dt.datetime
    end: dt.datetime
    slot_id: str
    appointment: Appointment | None = None
    closed_reason: str = ""
    started: bool = False
    noshow_flag: NoShowFlag | None = None  # repeated absences of the person (a hint)

    @property
    def bookable(self) -> bool:
        return self.appointment is None and not self.closed_reason and not self.started


@dataclass
class DaySheet:
    permanence: Permanence
    day: dt.date
    lines: list[SheetLine]
    holiday: str
    closures: list[Closure]
    other_appointments: list[Appointment]
    cancelled: list[Appointment]
    previous_day: dt.date | None
    next_day: dt.date | None

    @property
    def booked_count(self) -> int:
        return sum(1 for line in self.lines if line.appointment is not None)

    @property
    def free_count(self) -> int:
        return sum(1 for line in self.lines if line.bookable)


def is_occurrence(permanence: Permanence, day: dt.date) -> bool:
    """Whether the permanence takes place that day (its validity and its recurrence)."""
    return WeeklyRule.of(permanence).occurs_on(day)


def day_sheet(*, permanence: Permanence, day: dt.date, user, now: dt.datetime) -> DaySheet:
    """One occurrence of a permanence, slot by slot (four queries: with the people's
    repeated absences, :func:`repeated_noshows`)."""
    rule = WeeklyRule.of(permanence)
    start_of_day, end_of_day = day_bounds(day, day)
    appointments = list(
        Appointment.objects.visible_to(user)
        .filter(permanence=permanence, start__gte=start_of_day, start__lt=end_of_day)
        .with_related()
        .order_by("start", "pk")
    )
    active = {a.start: a for a in appointments if a.status not in CANCELLED_STATUSES}
    cancelled = [a for a in appointments if a.status in CANCELLED_STATUSES]
    closures = [
        c
        for c in _closures_between([permanence], start_of_day, end_of_day)
        if _closure_applies(c, permanence)
    ]
    holiday = public_holidays(day, day).get(day, "")
    flags = repeated_noshows(user, (a.beneficiary_id for a in active.values()), now=now)
    lines: list[SheetLine] = []
    for start, end in occurrence_slots(rule, day):
        line = SheetLine(
            start=start,
            end=end,
            slot_id=make_slot_id(permanence.pk, start),
            appointment=active.pop(start, None),
            started=start <= now,
        )
        if line.appointment is not None:
            line.noshow_flag = flags.get(line.appointment.beneficiary_id)
        if holiday:
            line.closed_reason = f"Jour férié : {holiday}"
        else:
            covering = [c.reason for c in closures if c.start < end and c.end > start]
            line.closed_reason = " ; ".join(covering)
        lines.append(line)
    # The neighbouring occurrences: a week away, two weeks, or in the month before or after.
    previous_day = rule.recurrence.previous_before(day)
    next_day = rule.recurrence.next_after(day)
    return DaySheet(
        permanence=permanence,
        day=day,
        lines=lines,
        holiday=holiday,
        closures=closures,
        other_appointments=sorted(active.values(), key=lambda a: a.start),
        cancelled=cancelled,
        previous_day=previous_day if rule.occurs_on(previous_day) else None,
        next_day=next_day if rule.occurs_on(next_day) else None,
    )


# --- Closures ----------------------------------------------------------------------------


def upcoming_closures(user, *, now: dt.datetime):
    return (
        Closure.objects.visible_to(user)
        .filter(end__gt=now)
        .select_related("commune", "venue__commune", "adviser")
        .order_by("start", "pk")
    )


def deletable_closures(user):
    """An adviser removes only their own absences; territory roles any closure in scope."""
    closures = Closure.objects.visible_to(user)
    if has_role(user, TERRITORY_ROLES):
        return closures
    return closures.filter(adviser_id=user.pk)


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    start: dt.date
    end: dt.date


def holiday_periods(days: dict[dt.date, str]) -> list[HolidayPeriod]:
    """Consecutive days with the same name, as periods."""
    periods: list[HolidayPeriod] = []
    for day in sorted(days):
        name = days[day]
        last = periods[-1] if periods else None
        if last and last.name == name and last.end + dt.timedelta(days=1) == day:
            periods[-1] = HolidayPeriod(name, last.start, day)
        else:
            periods.append(HolidayPeriod(name, day, day))
    return periods


def holidays_ahead(*, today: dt.date, zone: str, days: int = 92):
    end = today + dt.timedelta(days=days)
    return (
        holiday_periods(public_holidays(today, end)),
        holiday_periods(school_holidays(today, end, zone=zone)),
    )


# --- Communes, audit log -----------------------------------------------------------------


def calendar_communes(user):
    return Commune.objects.visible_to(user).order_by("name")


def audit_entries(user, *, action: str = ""):
    entries = AuditLog.objects.visible_to(user).select_related("actor")
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-created_at", "-pk")


def audit_actions(user) -> list[tuple[str, str]]:
    codes = set(
        AuditLog.objects.visible_to(user).order_by().values_list("action", flat=True).distinct()
    )
    codes |= set(AUDIT_ACTION_LABELS)
    return sorted(((c, AUDIT_ACTION_LABELS.get(c, c)) for c in codes), key=lambda x: x[1])


def paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)
