"""Collective interventions (docs/ateliers.md): the programme, the librarians' requests,
the dated sessions, the registrations and the attendance.

Rows change only through :mod:`cadran.workshops.services` (audit-logged); the QuerySets
below are the reads, scoped with ``visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q

from cadran.accounts.enums import PERSONAL_DATA_ROLES, TERRITORY_ROLES, Role
from cadran.core import clock
from cadran.scheduling.enums import ConfirmationAnswer, confirmation_label
from cadran.territory.models import Commune, postal_address

from .enums import (
    ACTIVE_REGISTRATION_STATUSES,
    CANCELLED_SESSION_STATUSES,
    OPEN_SESSION_STATUSES,
    PLACE_HOLDING_STATUSES,
    EligibilityBasis,
    FormatKind,
    Level,
    OffSitePlaceKind,
    RegistrationStatus,
    RequestStatus,
    SessionStatus,
    TargetPublic,
    WorkshopStatus,
)

# A territory that has not set its minimum (``WorkshopSettings``) cancels nothing for lack of
# registrations: the minimum is a rule of each territory's agreement, set in its data.
FALLBACK_MIN_ATTENDANCE = 0
DEFAULT_DECISION_HOURS = 48


def _territory_scope(user, path: str) -> Q | None:
    """``Q`` on the territory for staff who see the whole territory; None otherwise."""
    if user.role in TERRITORY_ROLES:
        return Q(**{path: user.territory_id})
    return None


# --- The territory's settings: circuit and minimum -----------------------------------------


class ReviewStep(models.Model):
    """One step of a territory's review circuit, in order (docs/decisions/0011).

    The first step proposes (the service that writes the workshops), the last one validates
    or refuses, the ones between give their opinion. A territory without at least two steps
    uses the neutral circuit « Proposition » → « Validation » (:mod:`.circuit`).
    """

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="workshop_review_steps",
    )
    position = models.PositiveSmallIntegerField(
        "ordre", help_text="Les étapes se suivent dans l'ordre croissant de ce nombre."
    )
    name = models.CharField(
        "nom de l'étape",
        max_length=100,
        help_text="Tel qu'il s'affiche, par exemple « Bureau communautaire ». La première étape "
        "propose l'atelier, la dernière le valide ou le refuse.",
    )

    class Meta:
        verbose_name = "étape du circuit de validation"
        verbose_name_plural = "circuit de validation des ateliers"
        ordering = ["territory", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "position"], name="review_step_unique_position"
            ),
            models.UniqueConstraint(fields=["territory", "name"], name="review_step_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkshopSettings(models.Model):
    """What a territory decides about its workshops and is not a format's."""

    territory = models.OneToOneField(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="workshop_settings",
    )
    default_min_attendance = models.PositiveSmallIntegerField(
        "jauge minimale par défaut",
        help_text="En dessous, une séance est annulée au moment de la décision, sauf si son "
        "format ou la séance en fixe une autre. 0 : aucune annulation faute d'inscrits.",
    )

    class Meta:
        verbose_name = "réglages des ateliers"
        verbose_name_plural = "réglages des ateliers"

    def __str__(self) -> str:
        return f"Réglages des ateliers — {self.territory}"


# --- The programme -----------------------------------------------------------------------


class WorkshopFormatQuerySet(models.QuerySet["WorkshopFormat"]):
    def visible_to(self, user) -> WorkshopFormatQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(territory_id=user.territory_id)

    def active(self) -> WorkshopFormatQuerySet:
        return self.filter(is_active=True)


class WorkshopFormat(models.Model):
    """A kind of collective intervention, with its defaults and what it needs on site."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="workshop_formats",
    )
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=32, choices=FormatKind.choices)
    description = models.TextField("description", blank=True)
    default_duration_minutes = models.PositiveSmallIntegerField(
        "durée habituelle (minutes)",
        default=120,
        validators=[MinValueValidator(15), MaxValueValidator(600)],
    )
    default_capacity = models.PositiveSmallIntegerField(
        "nombre de places habituel", default=12, validators=[MinValueValidator(1)]
    )
    min_attendance = models.PositiveSmallIntegerField(
        "jauge minimale",
        null=True,
        blank=True,
        help_text="En dessous, la séance est annulée au moment de la décision. Vide : la "
        "jauge minimale par défaut du territoire (réglages des ateliers).",
    )
    level = models.CharField("niveau", max_length=16, choices=Level.choices, default=Level.DEBUTANT)
    needs_projector = models.BooleanField("vidéoprojecteur nécessaire", default=False)
    needs_screen = models.BooleanField("écran nécessaire", default=False)
    needs_tables_chairs = models.BooleanField("tables et chaises nécessaires", default=True)
    needs_pc = models.BooleanField("ordinateurs nécessaires", default=False)
    needs_wifi = models.BooleanField("wifi nécessaire", default=True)
    needs_3d_printer = models.BooleanField("imprimante 3D nécessaire", default=False)
    is_active = models.BooleanField("proposé", default=True)

    objects = WorkshopFormatQuerySet.as_manager()

    class Meta:
        verbose_name = "format d'atelier"
        verbose_name_plural = "formats d'atelier"
        ordering = ["territory", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "name"], name="workshop_format_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(default_capacity__gte=1), name="workshop_format_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkshopQuerySet(models.QuerySet["Workshop"]):
    def visible_to(self, user) -> WorkshopQuerySet:
        """Staff of the territory see the whole programme; others only what is published."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        qs = self.filter(territory_id=user.territory_id)
        if user.role in TERRITORY_ROLES:
            return qs
        return qs.filter(status=WorkshopStatus.PUBLISHED)

    def published(self) -> WorkshopQuerySet:
        return self.filter(status=WorkshopStatus.PUBLISHED)

    def with_related(self) -> WorkshopQuerySet:
        return self.select_related("territory", "format")


class Workshop(models.Model):
    """An offer of the catalogue (« atelier »), reviewed then published to the librarians."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="workshops",
    )
    title = models.CharField("titre", max_length=200)
    description = models.TextField("description", help_text="En mots simples.")
    format = models.ForeignKey(
        WorkshopFormat, verbose_name="format", on_delete=models.PROTECT, related_name="workshops"
    )
    target_public = models.CharField(
        "public", max_length=32, choices=TargetPublic.choices, default=TargetPublic.ALL
    )
    level = models.CharField("niveau", max_length=16, choices=Level.choices, default=Level.DEBUTANT)
    is_cycle = models.BooleanField(
        "cycle de plusieurs séances",
        default=False,
        help_text="On s'inscrit une fois pour toutes les séances du cycle.",
    )
    status = models.CharField(
        "état", max_length=16, choices=WorkshopStatus.choices, default=WorkshopStatus.DRAFT
    )
    review_position = models.PositiveSmallIntegerField(
        "étape attendue",
        null=True,
        blank=True,
        help_text="Pour un atelier proposé : le rang (à partir de 1) de l'étape du circuit du "
        "territoire qui doit maintenant se prononcer.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = "atelier"
        verbose_name_plural = "ateliers"
        ordering = ["title"]
        indexes = [models.Index(fields=["territory", "status"], name="workshop_territory_status")]

    def __str__(self) -> str:
        return self.title


class WorkshopReview(models.Model):
    """One step of the review workflow: who moved the workshop, when, from what to what,
    the step of the territory's circuit (its name as it was then), the date of the meeting
    and its remarks. Never edited."""

    workshop = models.ForeignKey(
        Workshop, verbose_name="atelier", on_delete=models.CASCADE, related_name="reviews"
    )
    from_status = models.CharField("état avant", max_length=16, choices=WorkshopStatus.choices)
    to_status = models.CharField("état après", max_length=16, choices=WorkshopStatus.choices)
    step_name = models.CharField("instance", max_length=100, default="")
    step_position = models.PositiveSmallIntegerField("rang de l'étape", null=True, blank=True)
    meeting_date = models.DateField("date de la réunion", null=True, blank=True)
    remarks = models.TextField("remarques", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("le", default=clock.now)

    class Meta:
        verbose_name = "étape de validation"
        verbose_name_plural = "étapes de validation"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


# --- Requests ------------------------------------------------------------------------------


class InterventionRequestQuerySet(models.QuerySet["InterventionRequest"]):
    def visible_to(self, user) -> InterventionRequestQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        scope = _territory_scope(user, "workshop__territory_id")
        if scope is not None:
            return self.filter(scope)
        if user.role == Role.LIBRARIAN and user.library_id:
            return self.filter(library_id=user.library_id)
        if user.role in (Role.ADVISER, Role.COMMUNE_REFERENT):
            return self.filter(library__commune__in=Commune.objects.visible_to(user))
        return self.none()

    def open(self) -> InterventionRequestQuerySet:
        return self.filter(status__in=(RequestStatus.REQUESTED, RequestStatus.UNDER_EXAMINATION))

    def with_related(self) -> InterventionRequestQuerySet:
        return self.select_related(
            "workshop__format", "library__commune", "requested_by", "decided_by"
        )


class InterventionRequest(models.Model):
    """A librarian asks for a published workshop in their library, or « hors les murs »."""

    workshop = models.ForeignKey(
        Workshop, verbose_name="atelier", on_delete=models.PROTECT, related_name="requests"
    )
    library = models.ForeignKey(
        "territory.Library",
        verbose_name="bibliothèque",
        on_delete=models.PROTECT,
        related_name="intervention_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="intervention_requests",
    )
    wished_dates = models.TextField("dates souhaitées", blank=True)
    date_option_1 = models.DateTimeField("date proposée 1", null=True, blank=True)
    date_option_2 = models.DateTimeField("date proposée 2", null=True, blank=True)
    date_option_3 = models.DateTimeField("date proposée 3", null=True, blank=True)
    room = models.CharField("salle", max_length=200, blank=True)
    expected_public = models.CharField("public attendu", max_length=200, blank=True)
    expected_size = models.PositiveSmallIntegerField(
        "nombre de personnes attendu", null=True, blank=True
    )
    off_site = models.BooleanField("hors les murs", default=False)
    off_site_place_kind = models.CharField(
        "type de lieu", max_length=32, choices=OffSitePlaceKind.choices, blank=True
    )
    place_name = models.CharField("nom du lieu", max_length=200, blank=True)
    place_address = models.CharField("adresse du lieu", max_length=255, blank=True)
    justification = models.TextField("pourquoi hors les murs", blank=True)
    status = models.CharField(
        "état", max_length=20, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    examined_at = models.DateTimeField("mise à l'examen le", null=True, blank=True)
    examined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField("motif de la décision", blank=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = InterventionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'intervention"
        verbose_name_plural = "demandes d'intervention"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(off_site=False) | ~Q(justification=""),
                name="request_off_site_justified",
                violation_error_message="Une demande hors les murs doit être justifiée.",
            ),
        ]

    def __str__(self) -> str:
        return f"Demande « {self.workshop} » — {self.library}"

    @property
    def date_options(self) -> list[dt.datetime]:
        return [d for d in (self.date_option_1, self.date_option_2, self.date_option_3) if d]


# --- Sessions ------------------------------------------------------------------------------


class SessionQuerySet(models.QuerySet["Session"]):
    def visible_to(self, user) -> SessionQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        scope = _territory_scope(user, "workshop__territory_id")
        if scope is not None:
            return self.filter(scope)
        communes = Commune.objects.visible_to(user)
        if user.role == Role.ADVISER:
            return self.filter(Q(advisers=user) | Q(venue__commune__in=communes)).distinct()
        if user.role == Role.LIBRARIAN and user.library_id:
            return self.filter(
                Q(venue__library_id=user.library_id) | Q(request__library_id=user.library_id)
            )
        if user.role == Role.COMMUNE_REFERENT:
            return self.filter(venue__commune__in=communes)
        return self.none()

    def registration_targets(self) -> SessionQuerySet:
        """One row per thing people register for: a single session or a cycle's first one."""
        return self.filter(Q(cycle_group__isnull=True) | Q(cycle_group=F("pk")))

    def open_for_registration(self, now: dt.datetime | None = None) -> SessionQuerySet:
        return self.filter(
            status__in=OPEN_SESSION_STATUSES,
            start__gt=now or clock.now(),
            workshop__status=WorkshopStatus.PUBLISHED,
        )

    def upcoming(self) -> SessionQuerySet:
        return self.filter(start__gte=clock.now())

    def between(self, start: dt.datetime, end: dt.datetime) -> SessionQuerySet:
        return self.filter(start__lt=end, end__gt=start)

    def live(self) -> SessionQuerySet:
        return self.exclude(status__in=CANCELLED_SESSION_STATUSES)

    def due_for_decision(self, now: dt.datetime) -> SessionQuerySet:
        return self.registration_targets().filter(
            status=SessionStatus.SCHEDULED, decision_at__lte=now
        )

    def with_counts(self) -> SessionQuerySet:
        """``confirmed_count``, ``waiting_count`` and ``places_left`` (never below 0)."""
        from django.db.models.functions import Greatest

        qs = self.annotate(
            confirmed_count=Count(
                "registrations",
                filter=Q(registrations__status__in=PLACE_HOLDING_STATUSES),
                distinct=True,
            ),
            waiting_count=Count(
                "registrations",
                filter=Q(registrations__status=RegistrationStatus.WAITING),
                distinct=True,
            ),
        )
        return qs.annotate(places_left=Greatest(F("capacity") - F("confirmed_count"), 0))

    def with_related(self) -> SessionQuerySet:
        return self.select_related(
            "workshop__format", "workshop__territory", "venue__commune", "request__library"
        ).prefetch_related("advisers")


class Session(models.Model):
    """A dated occurrence of a workshop in a venue (« séance »).

    Sessions of a cycle share ``cycle_group``: it points to the cycle's first session (the
    first one points to itself). People register on that first session, for the whole
    cycle; its capacity, minimum and decision govern the cycle (docs/decisions/0005).
    """

    workshop = models.ForeignKey(
        Workshop, verbose_name="atelier", on_delete=models.PROTECT, related_name="sessions"
    )
    venue = models.ForeignKey(
        "territory.Venue", verbose_name="lieu", on_delete=models.PROTECT, related_name="sessions"
    )
    start = models.DateTimeField("début")
    end = models.DateTimeField("fin")
    advisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="conseillers numériques",
        related_name="workshop_sessions",
        limit_choices_to={"role": Role.ADVISER},
    )
    capacity = models.PositiveSmallIntegerField(
        "nombre de places", validators=[MinValueValidator(1)]
    )
    min_attendance = models.PositiveSmallIntegerField("jauge minimale")
    decision_at = models.DateTimeField(
        "décision le", help_text="Moment où l'on compte les inscrits (48 heures avant, d'habitude)."
    )
    status = models.CharField(
        "état", max_length=32, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cycle_group = models.ForeignKey(
        "self",
        verbose_name="première séance du cycle",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cycle_sessions",
    )
    request = models.ForeignKey(
        InterventionRequest,
        verbose_name="demande",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    # « Hors les murs » (docs/ateliers.md): the session takes place here, not at ``venue``,
    # which stays its registered venue of reference (its commune: scope, reports, loans).
    off_site_name = models.CharField(
        "lieu hors les murs",
        max_length=200,
        blank=True,
        help_text="Par exemple « Marché, place de la mairie ». Vide : la séance a lieu dans le "
        "lieu enregistré.",
    )
    off_site_address = models.CharField(
        "adresse du lieu hors les murs",
        max_length=255,
        blank=True,
        help_text="Numéro et rue. La commune est celle du lieu enregistré.",
    )
    off_site_access = models.TextField(
        "accès au lieu hors les murs",
        blank=True,
        help_text="Pour trouver le lieu : stand, entrée, étage, fauteuil roulant…",
    )
    anonymous_count = models.PositiveSmallIntegerField(
        "venus sans inscription", default=0, help_text="Personnes venues sans être inscrites."
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Vide quand la décision a été prise automatiquement.",
    )
    decision_reason = models.TextField("motif de la décision ou de l'annulation", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "séance"
        verbose_name_plural = "séances"
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="session_end_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(decision_at__lte=F("start")),
                name="session_decision_before_start",
                violation_error_message="La décision doit être prise avant le début de la séance.",
            ),
            models.CheckConstraint(
                condition=Q(off_site_name="", off_site_address="", off_site_access="")
                | (~Q(off_site_name="") & ~Q(off_site_address="")),
                name="session_off_site_place_complete",
                violation_error_message="Un lieu hors les murs a un nom et une adresse.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "decision_at"], name="session_due_decision"),
            models.Index(fields=["start"], name="session_start"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} — {clock.paris(self.start):%d/%m/%Y %H:%M}"

    @property
    def is_cycle(self) -> bool:
        return self.cycle_group_id is not None

    @property
    def is_registration_target(self) -> bool:
        return self.cycle_group_id is None or self.cycle_group_id == self.pk

    @property
    def is_cancelled(self) -> bool:
        return self.status in CANCELLED_SESSION_STATUSES

    @property
    def is_off_site(self) -> bool:
        return bool(self.off_site_name)

    @property
    def place(self) -> SessionPlace:
        """Where people go: the off-site place when there is one, else the venue."""
        venue = self.venue
        if self.off_site_name:
            return SessionPlace(
                name=self.off_site_name,
                address=self.off_site_address,
                commune=venue.commune,
                access_notes=self.off_site_access,
                off_site=True,
            )
        return SessionPlace(
            name=venue.name,
            address=venue.address,
            commune=venue.commune,
            room=venue.room,
            accessible=venue.accessible,
            is_example=venue.is_example,
        )


@dataclass(frozen=True)
class SessionPlace:
    """The place of a session as people read it, the same shape as a ``Venue`` for the
    templates (``name``, ``room``, ``address``, ``commune``, ``accessible``, ``is_example``,
    ``full_place``). ``accessible`` is None when nobody checked (an off-site place)."""

    name: str
    address: str
    commune: Commune
    room: str = ""
    accessible: bool | None = None
    is_example: bool = False
    access_notes: str = ""
    off_site: bool = False

    @property
    def full_place(self) -> str:
        return f"{self.name}, {self.room}" if self.room else self.name

    @property
    def postal_address(self) -> str:
        return postal_address(self.address, self.commune)


# --- Registrations ---------------------------------------------------------------------------


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def visible_to(self, user) -> RegistrationQuerySet:
        """Names and contacts: the Service Culture, the coordination and the advisers."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role not in PERSONAL_DATA_ROLES:
            return self.none()
        scope = _territory_scope(user, "session__workshop__territory_id")
        if scope is not None:
            return self.filter(scope)
        return self.filter(session__in=Session.objects.visible_to(user).values("pk"))

    def holding_place(self) -> RegistrationQuerySet:
        return self.filter(status__in=PLACE_HOLDING_STATUSES)

    def active(self) -> RegistrationQuerySet:
        return self.filter(status__in=ACTIVE_REGISTRATION_STATUSES)

    def waiting(self) -> RegistrationQuerySet:
        """The waiting list, first come first served: in the order of the ids, drawn while
        the session row is locked (``services.register``), hence the order in which the
        registrations really went through. A timestamp read before the lock, or on another
        web server's clock, could tell two people the same position."""
        return self.filter(status=RegistrationStatus.WAITING).order_by("pk")


class Registration(models.Model):
    """A person's place in a session (or a cycle), or on its waiting list."""

    session = models.ForeignKey(
        Session, verbose_name="séance", on_delete=models.CASCADE, related_name="registrations"
    )
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    notify_email = models.BooleanField("prévenir par e-mail", default=True)
    notify_sms = models.BooleanField("prévenir par SMS", default=True)
    eligibility_basis = models.CharField(
        "droit à l'atelier", max_length=16, choices=EligibilityBasis.choices
    )
    commune_insee = models.CharField("commune de résidence (code INSEE)", max_length=5, blank=True)
    library_card = models.CharField("numéro de carte de bibliothèque", max_length=40, blank=True)
    status = models.CharField("état", max_length=12, choices=RegistrationStatus.choices)
    overbooked = models.BooleanField(
        "au-delà des places", default=False, help_text="Inscrit par le service en surnombre."
    )
    reference = models.CharField("référence", max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("inscrit le", default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="inscrit par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Vide quand la personne s'est inscrite elle-même.",
    )
    promoted_at = models.DateTimeField("passé de la liste d'attente le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    # « Vous venez toujours ? » (docs/decisions/0013-confirm-or-release.md), as for an
    # appointment: not asked = null; asked, no answer yet = answer "".
    confirmation_asked_at = models.DateTimeField("confirmation demandée le", null=True, blank=True)
    confirmation_answer = models.CharField(
        "réponse à la confirmation", max_length=8, blank=True, choices=ConfirmationAnswer.choices
    )
    confirmation_answered_at = models.DateTimeField("réponse reçue le", null=True, blank=True)
    confirmation_token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["session", "status", "created_at"], name="registration_queue"),
        ]

    def __str__(self) -> str:
        return f"Inscription {self.reference}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def confirmation_label(self) -> str:
        """« Vient », « Ne vient pas », « Sans réponse » or « — » (not asked)."""
        return confirmation_label(self.confirmation_asked_at, self.confirmation_answer)


class Attendance(models.Model):
    """Whether a registered person came to one session (each session of a cycle)."""

    session = models.ForeignKey(
        Session, verbose_name="séance", on_delete=models.CASCADE, related_name="attendances"
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name="inscription",
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    present = models.BooleanField("présent")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("noté le", default=clock.now)

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "registration"], name="attendance_one_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration} — {'présent' if self.present else 'absent'}"
