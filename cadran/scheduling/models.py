from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import clock
from cadran.notifications.formatting import minutes_label
from cadran.territory.models import Commune

from .enums import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    Channel,
    ConfirmationAnswer,
    Frequency,
    Thematique,
    Weekday,
    WeekOfMonth,
    confirmation_label,
)
from .recurrence import DAYS, Recurrence, first_weekday_from


def default_min_notice() -> int:
    return settings.CADRAN_MIN_NOTICE_MINUTES


def default_booking_window() -> int:
    return settings.CADRAN_BOOKING_WINDOW_DAYS


class PermanenceQuerySet(models.QuerySet["Permanence"]):
    def visible_to(self, user) -> PermanenceQuerySet:
        return self.filter(commune__in=Commune.objects.visible_to(user))

    def with_related(self) -> PermanenceQuerySet:
        return self.select_related("commune", "venue", "adviser")

    def open_online(self) -> PermanenceQuerySet:
        return self.filter(online_booking=True)

    def active_between(self, start: dt.date, end: dt.date) -> PermanenceQuerySet:
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start)).filter(
            valid_from__lte=end
        )


class Permanence(models.Model):
    """An opening for individual appointments (the convention's "intervention hebdomadaire"):
    every week, every other week or once a month (see :mod:`.recurrence`)."""

    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        related_name="permanences",
    )
    venue = models.ForeignKey(
        "territory.Venue", verbose_name="lieu", on_delete=models.PROTECT, related_name="permanences"
    )
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="conseiller numérique",
        on_delete=models.PROTECT,
        related_name="permanences",
        limit_choices_to={"role": Role.ADVISER},
    )
    weekday = models.PositiveSmallIntegerField("jour", choices=Weekday.choices)
    frequency = models.CharField(
        "fréquence",
        max_length=16,
        choices=Frequency.choices,
        default=Frequency.WEEKLY,
        help_text="Toutes les semaines, une semaine sur deux, ou un jour précis du mois.",
    )
    first_date = models.DateField(
        "première date (une semaine sur deux)",
        null=True,
        blank=True,
        help_text=(
            "La date d'une permanence, par exemple la première : elle fixe les semaines où "
            "la permanence a lieu. Laissée vide : le premier jour de la permanence à partir "
            "de la date de début."
        ),
    )
    week_of_month = models.SmallIntegerField(
        "quelle semaine du mois (une fois par mois)",
        null=True,
        blank=True,
        choices=WeekOfMonth.choices,
        help_text="Par exemple « le premier du mois » : le premier mardi du mois.",
    )
    start_time = models.TimeField("début")
    end_time = models.TimeField("fin")
    adviser_arrival_time = models.TimeField(
        "arrivée du conseiller", null=True, blank=True, help_text="Par exemple 8h45."
    )
    slot_minutes = models.PositiveSmallIntegerField(
        "durée d'un rendez-vous (minutes)",
        default=60,
        validators=[MinValueValidator(10), MaxValueValidator(240)],
    )
    valid_from = models.DateField("à partir du")
    valid_until = models.DateField("jusqu'au", null=True, blank=True)
    online_booking = models.BooleanField("réservation en ligne ouverte", default=True)
    min_notice_minutes = models.PositiveIntegerField(
        "délai minimum avant un rendez-vous pris en ligne (minutes)", default=default_min_notice
    )
    booking_window_days = models.PositiveIntegerField(
        "réservation possible jusqu'à (jours)", default=default_booking_window
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)
    # The LAST-MODIFIED of its dates in the calendar feeds (cadran/publicity/feeds.py).
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = PermanenceQuerySet.as_manager()

    class Meta:
        verbose_name = "permanence"
        verbose_name_plural = "permanences"
        ordering = ["commune__name", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="permanence_end_after_start",
                violation_error_message="L'heure de fin doit être après l'heure de début.",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="permanence_valid_period",
                violation_error_message="La date de fin doit être après la date de début.",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="permanence_weekday"
            ),
            models.CheckConstraint(
                condition=Q(frequency=Frequency.WEEKLY)
                | Q(frequency=Frequency.FORTNIGHTLY, first_date__isnull=False)
                | Q(
                    frequency=Frequency.MONTHLY,
                    week_of_month__isnull=False,
                    week_of_month__in=WeekOfMonth.values,
                ),
                name="permanence_recurrence",
                violation_error_message=(
                    "Une semaine sur deux : indiquez la première date. Une fois par mois : "
                    "choisissez la semaine du mois (première à quatrième, ou dernière)."
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.frequency == Frequency.WEEKLY:
            when = self.get_weekday_display()
        else:
            when = self.recurrence_rule.label_fr()
        return f"{when[:1].upper()}{when[1:]} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.frequency != Frequency.FORTNIGHTLY:
            self.first_date = None
        if self.frequency != Frequency.MONTHLY:
            self.week_of_month = None
        if self.weekday is None or self.weekday not in Weekday.values:
            return
        day = DAYS[self.weekday]
        errors: dict[str, str] = {}
        if self.frequency == Frequency.FORTNIGHTLY:
            if self.first_date is None and self.valid_from is not None:
                self.first_date = first_weekday_from(self.valid_from, self.weekday)
            elif self.first_date is not None and self.first_date.weekday() != self.weekday:
                given = DAYS[self.first_date.weekday()]
                errors["first_date"] = (
                    f"Le {self.first_date:%d/%m/%Y} est un {given} : choisissez un {day}, "
                    "le jour de la permanence."
                )
        elif self.frequency == Frequency.MONTHLY and self.week_of_month is None:
            errors["week_of_month"] = (
                f"Choisissez quel {day} du mois : le premier, le deuxième, le troisième, "
                "le quatrième ou le dernier."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def recurrence_rule(self) -> Recurrence:
        """When the permanence comes back (every date check goes through it)."""
        anchor = self.first_date
        if self.frequency == Frequency.FORTNIGHTLY and anchor is None:
            anchor = first_weekday_from(self.valid_from, self.weekday)
        return Recurrence(
            weekday=self.weekday,
            frequency=self.frequency,
            anchor=anchor if self.frequency == Frequency.FORTNIGHTLY else None,
            week_of_month=self.week_of_month if self.frequency == Frequency.MONTHLY else None,
        )

    @property
    def recurrence_label(self) -> str:
        """« le mercredi », « un vendredi sur deux », « le dernier jeudi du mois »."""
        return self.recurrence_rule.label_fr()

    @property
    def hours_label(self) -> str:
        def fmt(t: dt.time) -> str:
            return f"{t.hour}h{t.minute:02d}" if t.minute else f"{t.hour}h"

        return f"{self.recurrence_label} de {fmt(self.start_time)} à {fmt(self.end_time)}"

    @property
    def slot_duration_label(self) -> str:
        """How long one appointment lasts: « 30 minutes », « 1 heure », « 1 h 30 »."""
        return minutes_label(self.slot_minutes)


class ClosureQuerySet(models.QuerySet["Closure"]):
    def visible_to(self, user) -> ClosureQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(territory_id=user.territory_id)
        if user.role == Role.ADVISER:
            return self.filter(territory_id=user.territory_id).filter(
                Q(adviser=user)
                | Q(commune__in=Commune.objects.visible_to(user))
                | Q(commune__isnull=True, venue__isnull=True, adviser__isnull=True)
            )
        return self.none()

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> ClosureQuerySet:
        return self.filter(start__lt=end, end__gt=start)


class Closure(models.Model):
    """A period without appointments: for a whole territory, a commune, a venue or an adviser."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="closures",
    )
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
    )
    venue = models.ForeignKey(
        "territory.Venue",
        verbose_name="lieu",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
    )
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="conseiller",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
    )
    start = models.DateTimeField("début")
    end = models.DateTimeField("fin")
    reason = models.CharField("motif", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClosureQuerySet.as_manager()

    class Meta:
        verbose_name = "fermeture"
        verbose_name_plural = "fermetures"
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="closure_end_after_start",
                violation_error_message="La fin de la fermeture doit être après son début.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({clock.paris(self.start):%d/%m/%Y})"

    @property
    def scope_label(self) -> str:
        if self.adviser_id:
            return f"Conseiller : {self.adviser}"
        # A null foreign key reads as None without a query; the test narrows the type.
        if self.venue is not None:
            return f"Lieu : {self.venue.name}"
        if self.commune is not None:
            return f"Commune : {self.commune.name}"
        return "Tout le territoire"


class BeneficiaryQuerySet(models.QuerySet["Beneficiary"]):
    def visible_to(self, user) -> BeneficiaryQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in (Role.CULTURE_SERVICE, Role.COORDINATOR, Role.ADVISER):
            return self.filter(territory_id=user.territory_id)
        return self.none()

    def search(self, query: str) -> BeneficiaryQuerySet:
        qs = self
        for word in query.split()[:4]:
            digits = "".join(ch for ch in word if ch.isdigit())
            cond = Q(first_name__icontains=word) | Q(last_name__icontains=word)
            if len(digits) >= 4:
                cond |= Q(phone__contains=digits)
            if "@" in word:
                cond |= Q(email__icontains=word)
            qs = qs.filter(cond)
        return qs


phone_validator = RegexValidator(
    r"^\+?[0-9 .\-]{10,20}$",
    "Écrivez le numéro de téléphone en chiffres, par exemple 06 12 34 56 78.",
)


class Beneficiary(models.Model):
    """A person helped. Personal data: only what booking and follow-up need."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="beneficiaries",
    )
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    no_phone = models.BooleanField("sans téléphone ni e-mail", default=False)
    notify_email = models.BooleanField("prévenir par e-mail", default=True)
    notify_sms = models.BooleanField("prévenir par SMS", default=True)
    residence_insee = models.CharField(
        "commune de résidence (code INSEE)", max_length=5, blank=True
    )
    birth_year = models.PositiveSmallIntegerField(
        "année de naissance",
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = "personne accompagnée"
        verbose_name_plural = "personnes accompagnées"
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["territory", "last_name"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def contact_label(self) -> str:
        if self.phone:
            return self.phone
        if self.email:
            return self.email
        return "Sans téléphone ni e-mail"


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def visible_to(self, user) -> AppointmentQuerySet:
        """Appointments a member of staff may open (with the person's name)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(permanence__commune__territory_id=user.territory_id)
        if user.role == Role.ADVISER:
            return self.filter(
                Q(permanence__adviser=user)
                | Q(permanence__commune__in=Commune.objects.visible_to(user))
            )
        return self.none()

    def active(self) -> AppointmentQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def upcoming(self) -> AppointmentQuerySet:
        return self.filter(start__gte=clock.now())

    def with_related(self) -> AppointmentQuerySet:
        return self.select_related(
            "beneficiary", "permanence__commune", "permanence__venue", "permanence__adviser"
        ).prefetch_related("topics")


class Appointment(models.Model):
    """One person, one slot of a permanence."""

    permanence = models.ForeignKey(
        Permanence,
        verbose_name="permanence",
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    start = models.DateTimeField("début")
    end = models.DateTimeField("fin")
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name="personne",
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    channel = models.CharField("pris", max_length=16, choices=Channel.choices)
    status = models.CharField(
        "état",
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    reference = models.CharField("référence", max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("pris le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="pris par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    # « Vous venez toujours ? » (docs/decisions/0013-confirm-or-release.md). Not asked: null;
    # asked, no answer yet: ``confirmation_answer`` is "".
    confirmation_asked_at = models.DateTimeField("confirmation demandée le", null=True, blank=True)
    confirmation_answer = models.CharField(
        "réponse à la confirmation", max_length=8, blank=True, choices=ConfirmationAnswer.choices
    )
    confirmation_answered_at = models.DateTimeField("réponse reçue le", null=True, blank=True)
    # The hash of the token of the links « Je viens » / « Je ne peux pas venir » (drawn when
    # the question is sent: the private link's own token is known only at booking).
    confirmation_token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["start"]
        constraints = [
            # The database itself refuses a second active appointment on the same slot.
            models.UniqueConstraint(
                fields=["permanence", "start"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="appointment_one_active_per_slot",
                violation_error_message="Ce créneau est déjà réservé.",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["start", "status"]),
            # Slot computation reads one permanence's appointments over a date range; SQLite
            # cannot use the partial unique index for that with bound parameters.
            models.Index(fields=["permanence", "start"], name="appointment_perm_start"),
        ]

    def __str__(self) -> str:
        return f"Rendez-vous {self.reference} du {clock.paris(self.start):%d/%m/%Y à %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_cancellable(self) -> bool:
        return self.status == AppointmentStatus.BOOKED and self.start > clock.now()

    @property
    def confirmation_label(self) -> str:
        """« Vient », « Ne vient pas », « Sans réponse » or « — » (not asked)."""
        return confirmation_label(self.confirmation_asked_at, self.confirmation_answer)


class AppointmentTopic(models.Model):
    """A reason for an appointment, in the national thématique vocabulary."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="topics")
    thematique = models.CharField("motif", max_length=64, choices=Thematique.choices)

    class Meta:
        verbose_name = "motif"
        verbose_name_plural = "motifs"
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "thematique"], name="appointment_topic_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_thematique_display()
