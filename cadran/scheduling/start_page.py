"""What each role's start page (``/espace/``) shows: what waits for them, and the figures of
their scope (docs/cadran.md, « Page d'accueil de chaque rôle »).

:func:`start_page` is the one entry point; it picks the part of the user's role. Every
count starts from a ``visible_to(user)`` QuerySet (or ``staff_permanences``), so nothing
outside the user's scope is ever counted, and each part makes a fixed number of queries
whatever the number of rows (counts are aggregated in SQL; lists are cut).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.urls import reverse

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.activity.models import ActivityRecord
from cadran.agreements import selectors as agreement_selectors
from cadran.agreements.sweepers import renewal_notice_months_of
from cadran.core.clock import PARIS
from cadran.equipment.enums import LoanStatus
from cadran.equipment.models import Loan
from cadran.notifications.models import Message
from cadran.notifications.selectors import failed_about_appointments
from cadran.workshops import selectors as workshop_selectors
from cadran.workshops.enums import (
    OPEN_REQUEST_STATUSES,
    PLACE_HOLDING_STATUSES,
    RequestStatus,
    SessionStatus,
    WorkshopStatus,
)
from cadran.workshops.models import InterventionRequest, Registration, Session, Workshop

from .enums import ACTIVE_STATUSES, AppointmentStatus
from .models import Appointment, Permanence
from .selectors import OccurrenceSummary, summarize_occurrences

# How many lines a list of the start page shows at most (the full list is one link away).
LIST_LIMIT = 5
# How far ahead a commune's referent sees their permanences.
REFERENT_DAYS = 14


@dataclass(frozen=True)
class Todo:
    """Something that waits: how many, and the page where it is dealt with."""

    key: str
    label: str
    count: int
    url: str
    hint: str = ""


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | str


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass
class StartPage:
    todos: list[Todo] = field(default_factory=list)
    figures_title: str = ""
    figures: list[Figure] = field(default_factory=list)
    # Role-specific lists.
    unmarked: list[Link] = field(default_factory=list)  # adviser: days to mark
    failed_messages: list[Link] = field(default_factory=list)  # adviser
    occurrences: list[OccurrenceSummary] = field(default_factory=list)  # referent
    agreements: list[agreement_selectors.Row] = field(default_factory=list)  # referent
    sessions: list[Session] = field(default_factory=list)  # librarian
    at_risk: list[Link] = field(default_factory=list)  # territory: sessions under their minimum

    @property
    def waiting(self) -> list[Todo]:
        """The items with something to do (the page lists only these)."""
        return [t for t in self.todos if t.count]

    def count(self, key: str) -> int:
        return next((t.count for t in self.todos if t.key == key), 0)


# --- Periods (Paris days) --------------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)


def _month_bounds(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return _midnight(first), _midnight(following)


def _week_bounds(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    monday = today - dt.timedelta(days=today.weekday())
    return _midnight(monday), _midnight(monday + dt.timedelta(days=7))


def _year_start(today: dt.date) -> dt.datetime:
    return _midnight(today.replace(month=1, day=1))


def _day_sheet(permanence_id: int, day: dt.date) -> str:
    return reverse("staff:day_sheet", kwargs={"pk": permanence_id, "day": day})


def _people(value: int, *, masked: bool) -> int | str:
    """A count of people as the commune's report shows it (« < 3 » for 1 or 2 when masked)."""
    from cadran.reporting.exports import people

    return people(value, masked)


def _in_days(days: int) -> str:
    if days <= 0:
        return "aujourd'hui"
    return "demain" if days == 1 else f"dans {days} jours"


# --- Entry point -----------------------------------------------------------------------------


def start_page(user, *, now: dt.datetime) -> StartPage:
    """What the user's start page shows, for their role."""
    if not user.is_authenticated:
        return StartPage()
    if user.is_superuser or user.role in TERRITORY_ROLES:
        return territory_page(user, now=now)
    if user.role == Role.ADVISER:
        return adviser_page(user, now=now)
    if user.role == Role.COMMUNE_REFERENT:
        return referent_page(user, now=now)
    if user.role == Role.LIBRARIAN:
        return librarian_page(user, now=now)
    return StartPage()


# --- Service Culture and coordination --------------------------------------------------------


def _records_to_write(user, appointments) -> int:
    """Appointments seen and sessions held whose activity record is still to write."""
    seen = appointments.filter(status=AppointmentStatus.SEEN, activity_record__isnull=True)
    held = Session.objects.visible_to(user).filter(
        status=SessionStatus.HELD, activity_record__isnull=True
    )
    if user.is_adviser:
        seen = seen.filter(permanence__adviser=user)
        held = held.filter(advisers=user)
    return seen.count() + held.count()


def territory_page(user, *, now: dt.datetime) -> StartPage:
    today = now.astimezone(PARIS).date()
    requests = InterventionRequest.objects.visible_to(user)
    sessions = Session.objects.visible_to(user)
    loans = Loan.objects.visible_to(user)
    loan_counts = loans.aggregate(
        to_approve=Count("pk", filter=Q(status=LoanStatus.REQUESTED)),
        late=Count("pk", filter=Q(status=LoanStatus.COLLECTED, end_date__lt=today)),
    )
    agreements = agreement_selectors.agreement_todo(user, today=today)
    appointments = Appointment.objects.visible_to(user)
    failed = Message.objects.visible_to(user).failed().count()
    at_risk_qs = workshop_selectors.sessions_at_risk(sessions, now=now)
    at_risk = [
        Link(
            f"« {s.workshop.title} » du {s.start.astimezone(PARIS):%d/%m} : il manque "
            f"{s.missing} personne{'s' if s.missing > 1 else ''}, décision "  # type: ignore[attr-defined]
            + _in_days(workshop_selectors.days_before(s.decision_at, now=now)),
            reverse("workshops:session_detail", kwargs={"pk": s.pk}),
        )
        for s in at_risk_qs[:LIST_LIMIT]
    ]
    todos = [
        Todo(
            "requests",
            "Demandes d'ateliers des bibliothèques à examiner",
            requests.filter(status__in=OPEN_REQUEST_STATUSES).count(),
            reverse("workshops:request_list") + "?etat=a-traiter",
        ),
        Todo(
            "workshops_in_review",
            "Ateliers en cours de validation",
            Workshop.objects.visible_to(user).filter(status=WorkshopStatus.PROPOSED).count(),
            reverse("workshops:programme"),
        ),
        Todo(
            "decisions",
            "Séances à confirmer ou à annuler (décision dans les 2 jours)",
            workshop_selectors.decisions_due(sessions, now=now).count(),
            reverse("workshops:session_list") + f"?status={SessionStatus.SCHEDULED}",
            "Sans décision de votre part, la séance est confirmée ou annulée automatiquement "
            "selon le nombre d'inscrits.",
        ),
        Todo(
            "sessions_at_risk",
            "Séances sous leur minimum avant la décision (inscrits et liste d'attente)",
            at_risk_qs.count(),
            reverse("workshops:sessions_at_risk"),
            "Faites-les connaître : affiche, encadré, message aux listes d'attente "
            "d'ateliers semblables.",
        ),
        Todo(
            "loans_to_approve",
            "Prêts de matériel à accepter",
            loan_counts["to_approve"],
            reverse("equipment:loan_list"),
        ),
        Todo(
            "loans_late",
            "Matériel pas encore rendu (retour en retard)",
            loan_counts["late"],
            reverse("equipment:loan_list"),
        ),
        Todo(
            "agreements_to_sign",
            "Conventions préparées, pas encore signées",
            agreements.to_sign,
            reverse("agreements:list"),
        ),
        Todo(
            "agreements_to_decide",
            "Conventions : reconduction à décider ou limite proche",
            agreements.to_decide,
            reverse("agreements:list"),
        ),
        Todo(
            "agreements_to_transmit",
            "Conventions signées dont un exemplaire reste à transmettre",
            agreements.to_transmit,
            reverse("agreements:list"),
        ),
        Todo(
            "failed_messages",
            "E-mails et SMS non partis",
            failed,
            reverse("notifications:message_list") + "?status=failed",
        ),
        Todo(
            "records",
            "Comptes rendus d'activité à écrire (tout le territoire)",
            _records_to_write(user, appointments),
            reverse("activity:record_list"),
        ),
    ]
    month_start, month_end = _month_bounds(today)
    month = appointments.filter(start__gte=month_start, start__lt=month_end).aggregate(
        total=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        seen=Count("pk", filter=Q(status=AppointmentStatus.SEEN)),
        noshow=Count("pk", filter=Q(status=AppointmentStatus.NOSHOW)),
    )
    registrations = Registration.objects.filter(
        session__in=workshop_selectors.upcoming_with_counts(sessions, now=now).values("pk"),
        status__in=PLACE_HOLDING_STATUSES,
    ).count()
    received = (
        appointments.filter(
            status=AppointmentStatus.SEEN, start__gte=_year_start(today), start__lt=now
        )
        .values("beneficiary_id")
        .distinct()
        .count()
    )
    return StartPage(
        todos=todos,
        at_risk=at_risk,
        figures_title="Les chiffres du territoire",
        figures=[
            Figure("Rendez-vous ce mois-ci", month["total"]),
            Figure("dont personnes venues", month["seen"]),
            Figure("dont absences", month["noshow"]),
            Figure("Inscriptions aux ateliers à venir", registrations),
            Figure(f"Personnes reçues en rendez-vous depuis le 1er janvier {today.year}", received),
        ],
    )


# --- Adviser ---------------------------------------------------------------------------------


def adviser_page(user, *, now: dt.datetime) -> StartPage:
    today = now.astimezone(PARIS).date()
    own = Appointment.objects.visible_to(user).filter(permanence__adviser=user)
    day_start, day_end = _midnight(today), _midnight(today + dt.timedelta(days=1))
    week_start, week_end = _week_bounds(today)
    unmarked_q = Q(status=AppointmentStatus.BOOKED, end__lte=now)
    counts = own.aggregate(
        week=Count(
            "pk", filter=Q(status__in=ACTIVE_STATUSES, start__gte=week_start, start__lt=week_end)
        ),
        unmarked=Count("pk", filter=unmarked_q),
    )
    todos: list[Todo] = []
    today_rows = (
        own.filter(status__in=ACTIVE_STATUSES, start__gte=day_start, start__lt=day_end)
        .values("permanence_id", "permanence__commune__name")
        .annotate(n=Count("pk"))
        .order_by("permanence__commune__name", "permanence_id")
    )
    for row in today_rows:
        todos.append(
            Todo(
                f"today:{row['permanence_id']}",
                f"Rendez-vous aujourd'hui à {row['permanence__commune__name']}",
                row["n"],
                _day_sheet(row["permanence_id"], today),
                "La feuille de la journée.",
            )
        )
    # The days that still have appointments to mark « venu » or « absent », oldest first.
    unmarked: list[Link] = []
    seen_days: set[tuple[int, dt.date]] = set()
    for permanence_id, start, commune in (
        own.filter(unmarked_q)
        .order_by("start", "pk")
        .values_list("permanence_id", "start", "permanence__commune__name")[: LIST_LIMIT * 10]
    ):
        day = start.astimezone(PARIS).date()
        if (permanence_id, day) in seen_days:
            continue
        seen_days.add((permanence_id, day))
        if len(unmarked) < LIST_LIMIT:
            unmarked.append(Link(f"{commune}, {day:%d/%m/%Y}", _day_sheet(permanence_id, day)))
    todos.append(
        Todo(
            "unmarked",
            "Rendez-vous passés sans « venu » ni « absent »",
            counts["unmarked"],
            unmarked[0].url if unmarked else reverse("staff:home"),
            "Notez-les sur la feuille de la journée.",
        )
    )
    todos.append(
        Todo(
            "records",
            "Comptes rendus d'activité à écrire",
            _records_to_write(user, Appointment.objects.visible_to(user)),
            reverse("activity:record_list"),
        )
    )
    failed_qs = failed_about_appointments(own)
    failed_count = failed_qs.count()
    failed_links = [
        Link(
            f"Rendez-vous {reference} du {start.astimezone(PARIS):%d/%m/%Y à %H:%M}",
            reverse("staff:appointment", kwargs={"pk": pk}),
        )
        for pk, reference, start in Appointment.objects.filter(pk__in=failed_qs.values("object_id"))
        .order_by("start", "pk")
        .values_list("pk", "reference", "start")[:LIST_LIMIT]
    ]
    todos.append(
        Todo(
            "failed_messages",
            "Messages non partis vers les personnes (appelez-les)",
            failed_count,
            failed_links[0].url if failed_links else reverse("staff:home"),
        )
    )
    month_start, month_end = _month_bounds(today)
    records = (
        ActivityRecord.objects.visible_to(user)
        .filter(date__gte=month_start.date(), date__lt=month_end.date())
        .count()
    )
    return StartPage(
        todos=todos,
        figures_title="Vos chiffres",
        figures=[
            Figure("Rendez-vous cette semaine", counts["week"]),
            Figure("Comptes rendus écrits ce mois-ci", records),
        ],
        unmarked=unmarked,
        failed_messages=failed_links,
    )


# --- Commune referent ------------------------------------------------------------------------


def referent_page(user, *, now: dt.datetime) -> StartPage:
    from cadran.territory.models import Commune

    today = now.astimezone(PARIS).date()
    communes = Commune.objects.visible_to(user)
    date_to = today + dt.timedelta(days=REFERENT_DAYS - 1)
    permanences: Sequence[Permanence] = list(
        Permanence.objects.visible_to(user)
        .active_between(today, date_to)
        .with_related()
        .order_by("commune__name", "weekday", "start_time", "pk")
    )
    occurrences = summarize_occurrences(permanences, date_from=today, date_to=date_to, now=now)
    loans = Loan.objects.visible_to(user).aggregate(
        requested=Count("pk", filter=Q(status=LoanStatus.REQUESTED)),
        approved=Count("pk", filter=Q(status=LoanStatus.APPROVED)),
        collected=Count("pk", filter=Q(status=LoanStatus.COLLECTED)),
    )
    rows = agreement_selectors.latest_agreement_rows(
        user, today=today, months_before=renewal_notice_months_of(user.territory_id)
    )
    year_start = _year_start(today)
    appointments = Appointment.objects.filter(
        permanence__commune__in=communes, start__gte=year_start, start__lt=now
    )
    year = appointments.aggregate(
        total=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
    )
    received = (
        appointments.filter(status=AppointmentStatus.SEEN)
        .values("beneficiary_id")
        .distinct()
        .count()
    )
    held = Session.objects.filter(
        venue__commune__in=communes,
        status=SessionStatus.HELD,
        start__gte=year_start,
        start__lt=now,
    ).count()
    loan_url = reverse("equipment:loan_list")
    return StartPage(
        todos=[
            Todo(
                "loans_requested",
                "Prêts de matériel demandés, en attente",
                loans["requested"],
                loan_url,
            ),
            Todo(
                "loans_approved", "Prêts acceptés, matériel à retirer", loans["approved"], loan_url
            ),
            Todo("loans_collected", "Matériel prêté en ce moment", loans["collected"], loan_url),
        ],
        figures_title=f"Les chiffres depuis le 1er janvier {today.year}",
        figures=[
            Figure("Personnes reçues (différentes)", _people(received, masked=True)),
            Figure("Rendez-vous", year["total"]),
            Figure("Ateliers tenus", held),
        ],
        occurrences=occurrences[: LIST_LIMIT * 2],
        agreements=rows,
    )


# --- Librarian -------------------------------------------------------------------------------


def librarian_page(user, *, now: dt.datetime) -> StartPage:
    by_status = {
        row["status"]: row["n"]
        for row in InterventionRequest.objects.visible_to(user)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    }
    waiting = sum(by_status.get(s, 0) for s in OPEN_REQUEST_STATUSES)
    sessions = list(
        workshop_selectors.upcoming_with_counts(Session.objects.visible_to(user), now=now)[
            : LIST_LIMIT * 2
        ]
    )
    at_risk = (
        workshop_selectors.upcoming_with_counts(Session.objects.visible_to(user), now=now)
        .filter(status=SessionStatus.SCHEDULED)
        # ``confirmed_count`` is annotated by ``with_counts()``: django-stubs cannot see it.
        .filter(confirmed_count__lt=F("min_attendance"))  # type: ignore[misc]
        .count()
    )
    loans = (
        Loan.objects.visible_to(user)
        .filter(library_id=user.library_id)
        .aggregate(
            requested=Count("pk", filter=Q(status=LoanStatus.REQUESTED)),
            approved=Count("pk", filter=Q(status=LoanStatus.APPROVED)),
            collected=Count("pk", filter=Q(status=LoanStatus.COLLECTED)),
        )
    )
    requests_url = reverse("workshops:request_list")
    loan_url = reverse("equipment:loan_list")
    return StartPage(
        todos=[
            Todo(
                "requests_waiting",
                "Demandes d'ateliers en attente de réponse",
                waiting,
                requests_url + "?etat=a-traiter",
            ),
            Todo(
                "sessions_at_risk",
                "Séances à venir sous le minimum d'inscrits (risque d'annulation)",
                at_risk,
                reverse("workshops:session_list"),
                "Parlez-en autour de vous : sous le minimum, la séance est annulée.",
            ),
            Todo(
                "loans_requested",
                "Prêts de matériel demandés, en attente",
                loans["requested"],
                loan_url,
            ),
            Todo(
                "loans_approved", "Prêts acceptés, matériel à retirer", loans["approved"], loan_url
            ),
            Todo("loans_collected", "Matériel prêté en ce moment", loans["collected"], loan_url),
        ],
        figures_title="Vos demandes d'ateliers",
        figures=[
            Figure("En attente de réponse", waiting),
            Figure("Acceptées", by_status.get(RequestStatus.ACCEPTED, 0)),
            Figure("Refusées", by_status.get(RequestStatus.REFUSED, 0)),
        ],
        sessions=sessions,
    )
