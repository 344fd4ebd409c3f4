"""Activity records (« compte rendu d'activité », CRA) in the national vocabulary.

One :class:`ActivityRecord` per activity: an individual help (usually an appointment seen)
or a collective workshop (usually a held session). Everything statistics need is copied
onto the record and its child rows when it is written — thématiques, equipment, the
profile of each known participant (gender, birth year, age bracket, social status,
commune) and the anonymous counts — so the figures survive when the beneficiary's
personal data is purged later: the links to the appointment, the session, the beneficiary
and the registration are only conveniences and may become empty.

Rows change only through :mod:`cadran.activity.services` (audit-logged).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import clock
from cadran.scheduling.enums import Thematique

from .enums import (
    ANONYMOUS_COUNT_MAX,
    DUREE_MAX_MINUTES,
    Autonomie,
    Genre,
    Materiel,
    NiveauAtelier,
    StatutSocial,
    StructureRedirection,
    ThematiqueAdministrative,
    TrancheAge,
    TypeActivite,
    TypeLieu,
)

# Roles that read activity records: their own (adviser) or the territory's.
ACTIVITY_ROLES = frozenset({Role.ADVISER, *TERRITORY_ROLES})


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        label, default=0, validators=[MaxValueValidator(ANONYMOUS_COUNT_MAX)]
    )


# Names of the anonymous count fields, in the order of the form and of the export.
ANONYMOUS_GENRE_FIELDS = {
    Genre.FEMININ: "anon_genre_feminin",
    Genre.MASCULIN: "anon_genre_masculin",
    Genre.NON_COMMUNIQUE: "anon_genre_non_communique",
}
ANONYMOUS_TRANCHE_FIELDS = {t: f"anon_age_{t.value}" for t in TrancheAge}
ANONYMOUS_STATUT_FIELDS = {s: f"anon_statut_{s.value}" for s in StatutSocial}
ANONYMOUS_FIELDS = (
    "anon_total",
    "anon_deja_accompagne",
    *ANONYMOUS_GENRE_FIELDS.values(),
    *ANONYMOUS_TRANCHE_FIELDS.values(),
    *ANONYMOUS_STATUT_FIELDS.values(),
)


class ActivityRecordQuerySet(models.QuerySet["ActivityRecord"]):
    def visible_to(self, user) -> ActivityRecordQuerySet:
        """An adviser: their own records; the Service Culture and the coordination: their
        territory's; nobody else (commune referents read aggregated reports instead)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(territory_id=user.territory_id)
        if user.role == Role.ADVISER:
            return self.filter(adviser_id=user.pk)
        return self.none()

    def between(self, date_from: dt.date | None, date_to: dt.date | None) -> ActivityRecordQuerySet:
        qs = self
        if date_from:
            qs = qs.filter(date__gte=date_from)
        if date_to:
            qs = qs.filter(date__lte=date_to)
        return qs

    def individual(self) -> ActivityRecordQuerySet:
        return self.filter(kind=TypeActivite.INDIVIDUEL)

    def collective(self) -> ActivityRecordQuerySet:
        return self.filter(kind=TypeActivite.COLLECTIF)

    def for_commune(self, commune) -> ActivityRecordQuerySet:
        return self.filter(commune=commune)

    def with_related(self) -> ActivityRecordQuerySet:
        """Everything a list, the export or the API shows, in a fixed number of queries."""
        return self.select_related("adviser", "venue", "commune").prefetch_related(
            "thematiques", "materiels", "demarches", "participants"
        )


class ActivityRecord(models.Model):
    """One activity of an adviser: an individual help or a collective workshop."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="activity_records",
    )
    kind = models.CharField("type", max_length=16, choices=TypeActivite.choices)
    date = models.DateField("date")
    duration_minutes = models.PositiveSmallIntegerField(
        "durée (minutes)",
        validators=[MinValueValidator(1), MaxValueValidator(DUREE_MAX_MINUTES)],
    )
    place_type = models.CharField("lieu", max_length=16, choices=TypeLieu.choices)
    venue = models.ForeignKey(
        "territory.Venue",
        verbose_name="lieu d'activité",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activity_records",
    )
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune du territoire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activity_records",
        help_text="La commune où l'activité a eu lieu, quand elle est sur le territoire.",
    )
    place_insee = models.CharField(
        "code INSEE du lieu",
        max_length=5,
        blank=True,
        help_text="Commune du lieu d'activité, du domicile ou de l'autre lieu ; "
        "à distance : commune de l'employeur.",
    )
    precisions_demarche = models.CharField(
        "nom de la démarche administrative", max_length=255, blank=True
    )
    # Individual only.
    autonomie = models.CharField("autonomie", max_length=32, choices=Autonomie.choices, blank=True)
    oriented = models.BooleanField("orienté vers une autre structure", null=True, blank=True)
    structure_redirection = models.CharField(
        "structure de redirection", max_length=40, choices=StructureRedirection.choices, blank=True
    )
    # Collective only.
    level = models.CharField(
        "niveau de l'atelier", max_length=16, choices=NiveauAtelier.choices, blank=True
    )
    title = models.CharField("nom de l'atelier", max_length=200, blank=True)
    anon_total = _count("participants anonymes")
    anon_deja_accompagne = _count("dont déjà accompagnés")
    anon_genre_feminin = _count("féminin")
    anon_genre_masculin = _count("masculin")
    anon_genre_non_communique = _count("genre non communiqué")
    anon_age_soixante_dix_plus = _count("70 ans et plus")
    anon_age_soixante_soixante_neuf = _count("60 - 69 ans")
    anon_age_quarante_cinquante_neuf = _count("40 - 59 ans")
    anon_age_vingt_cinq_trente_neuf = _count("25 - 39 ans")
    anon_age_dix_huit_vingt_quatre = _count("18 - 24 ans")
    anon_age_douze_dix_huit = _count("12 - 17 ans")
    anon_age_moins_de_douze = _count("moins de 12 ans")
    anon_age_non_communique = _count("âge non communiqué")
    anon_statut_retraite = _count("retraités")
    anon_statut_sans_emploi = _count("sans emploi")
    anon_statut_en_emploi = _count("en emploi")
    anon_statut_scolarise = _count("scolarisés")
    anon_statut_non_communique = _count("statut non communiqué")

    notes = models.TextField(
        "notes", blank=True, help_text="Sans nom ni information personnelle sur la personne."
    )
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="conseiller numérique",
        on_delete=models.PROTECT,
        related_name="activity_records",
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        verbose_name="rendez-vous",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_record",
    )
    session = models.OneToOneField(
        "workshops.Session",
        verbose_name="séance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_record",
    )
    created_at = models.DateTimeField("enregistré le", default=clock.now)
    updated_at = models.DateTimeField("dernière modification le", default=clock.now)
    locked_at = models.DateTimeField(
        "verrouillé à partir du",
        help_text="Après cette date, seule la coordination peut corriger le compte rendu.",
    )

    objects = ActivityRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "compte rendu d'activité"
        verbose_name_plural = "comptes rendus d'activité"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["territory", "date"], name="activity_territory_date"),
            models.Index(fields=["adviser", "date"], name="activity_adviser_date"),
            models.Index(fields=["commune", "date"], name="activity_commune_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=DUREE_MAX_MINUTES),
                name="activity_duration_range",
                violation_error_message="La durée doit être comprise entre 1 minute et 23 h 59.",
            ),
            models.CheckConstraint(
                condition=~Q(place_type=TypeLieu.LIEU_ACTIVITE) | Q(venue__isnull=False),
                name="activity_venue_for_lieu_activite",
                violation_error_message="Choisissez le lieu d'activité.",
            ),
            models.CheckConstraint(
                condition=~Q(place_type__in=(TypeLieu.DOMICILE, TypeLieu.AUTRE))
                | ~Q(place_insee=""),
                name="activity_commune_for_domicile_autre",
                violation_error_message="Indiquez la commune du lieu.",
            ),
            models.CheckConstraint(
                condition=Q(kind=TypeActivite.COLLECTIF) | Q(anon_total=0),
                name="activity_anonymous_only_collective",
            ),
            models.CheckConstraint(
                condition=Q(oriented=True) | Q(structure_redirection=""),
                name="activity_redirection_needs_orientation",
            ),
            models.CheckConstraint(
                condition=Q(locked_at__gte=F("created_at")), name="activity_locked_after_created"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__lte": ANONYMOUS_COUNT_MAX}),
                    name=f"activity_{name}_max",
                )
                for name in ANONYMOUS_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.date:%d/%m/%Y}"

    @property
    def is_collective(self) -> bool:
        return self.kind == TypeActivite.COLLECTIF

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_at <= (now or clock.now())


class ActivityThematique(models.Model):
    """A thématique of a record (at least one), one row each so SQL can count them."""

    record = models.ForeignKey(ActivityRecord, on_delete=models.CASCADE, related_name="thematiques")
    thematique = models.CharField("thématique", max_length=64, choices=Thematique.choices)

    class Meta:
        verbose_name = "thématique"
        verbose_name_plural = "thématiques"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "thematique"], name="activity_thematique_unique"
            )
        ]
        indexes = [models.Index(fields=["thematique"], name="activity_thematique_code")]

    def __str__(self) -> str:
        return self.get_thematique_display()


class ActivityDemarche(models.Model):
    """An administrative sub-thématique (when « Aide aux démarches administratives »)."""

    record = models.ForeignKey(ActivityRecord, on_delete=models.CASCADE, related_name="demarches")
    thematique = models.CharField(
        "démarche", max_length=64, choices=ThematiqueAdministrative.choices
    )

    class Meta:
        verbose_name = "démarche administrative"
        verbose_name_plural = "démarches administratives"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "thematique"], name="activity_demarche_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_thematique_display()


class ActivityMateriel(models.Model):
    """Equipment used during the activity."""

    record = models.ForeignKey(ActivityRecord, on_delete=models.CASCADE, related_name="materiels")
    materiel = models.CharField("matériel", max_length=16, choices=Materiel.choices)

    class Meta:
        verbose_name = "matériel utilisé"
        verbose_name_plural = "matériel utilisé"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["record", "materiel"], name="activity_materiel_unique")
        ]

    def __str__(self) -> str:
        return self.get_materiel_display()


class ActivityParticipant(models.Model):
    """A known person helped: the beneficiary of an individual record, or a person present
    at a collective one. The profile is a snapshot taken when the record is written, never
    a name, so the figures survive the purge of the person's data."""

    record = models.ForeignKey(
        ActivityRecord, on_delete=models.CASCADE, related_name="participants"
    )
    beneficiary = models.ForeignKey(
        "scheduling.Beneficiary",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_participations",
    )
    registration = models.ForeignKey(
        "workshops.Registration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_participations",
    )
    genre = models.CharField(
        "genre", max_length=16, choices=Genre.choices, default=Genre.NON_COMMUNIQUE
    )
    birth_year = models.PositiveSmallIntegerField(
        "année de naissance",
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    tranche_age = models.CharField(
        "tranche d'âge",
        max_length=32,
        choices=TrancheAge.choices,
        default=TrancheAge.NON_COMMUNIQUE,
        help_text="Calculée à partir de l'année de naissance.",
    )
    statut_social = models.CharField(
        "statut", max_length=16, choices=StatutSocial.choices, default=StatutSocial.NON_COMMUNIQUE
    )
    commune_insee = models.CharField("commune de résidence (code INSEE)", max_length=5, blank=True)
    first_visit = models.BooleanField("premier accompagnement", default=False)

    class Meta:
        verbose_name = "personne accompagnée (profil)"
        verbose_name_plural = "personnes accompagnées (profils)"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Participant {self.pk} de {self.record}"


# The La Coop connector's models live in their own package (same app, label ``activity``).
from .lacoop.models import ImportedActivity, LaCoopConnection  # noqa: E402, F401
