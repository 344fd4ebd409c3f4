"""The connection of a territory to La Coop and the activities read from it.

Imported in :mod:`cadran.activity.models` (app label ``activity``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cadran.core import clock

PRODUCTION_URL = "https://coop-numerique.anct.gouv.fr/api/v1"


class LaCoopConnection(models.Model):
    """A territory's API client of La Coop (credentials issued by La Coop's team)."""

    territory = models.OneToOneField(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="lacoop_connection",
    )
    base_url = models.URLField(
        "adresse de l'API",
        default=PRODUCTION_URL,
        help_text="L'API v1 de La Coop en production, sauf essai sur un autre serveur.",
    )
    client_id = models.CharField("identifiant client (client-id)", max_length=200)
    client_secret = models.CharField("secret client (client-secret)", max_length=500)
    is_active = models.BooleanField(
        "synchronisation active",
        default=True,
        help_text="Décochez pour arrêter la lecture sans effacer les identifiants.",
    )
    last_synced_at = models.DateTimeField("dernière synchronisation réussie", null=True, blank=True)
    sync_queued_at = models.DateTimeField(
        "dernière synchronisation demandée", null=True, blank=True, editable=False
    )
    last_error = models.TextField("dernière erreur", blank=True)
    last_error_at = models.DateTimeField("date de la dernière erreur", null=True, blank=True)
    unmatched_count = models.PositiveIntegerField(
        "activités sans conseiller reconnu",
        default=0,
        help_text="Activités de La Coop dont l'adresse e-mail ne correspond à aucun conseiller "
        "du territoire : gardées à part, non comptées dans les rapports.",
    )

    class Meta:
        verbose_name = "connexion à La Coop"
        verbose_name_plural = "connexions à La Coop"

    def __str__(self) -> str:
        return f"La Coop — {self.territory}"

    @property
    def bearer_token(self) -> str:
        """La Coop's documentation: the bearer token is ``client_id:client_secret``."""
        return f"{self.client_id}:{self.client_secret}"

    @property
    def masked_secret(self) -> str:
        """What the admin shows of the secret: its last 4 characters at most."""
        secret = self.client_secret or ""
        if not secret:
            return ""
        tail = secret[-4:] if len(secret) >= 12 else ""
        return f"••••••••{tail}"


class LaCoopKind(models.TextChoices):
    """La Coop's activity types (its API values)."""

    INDIVIDUEL = "individuel", "Accompagnement individuel"
    DEMARCHE = "demarche_administrative", "Aide aux démarches administratives"
    COLLECTIF = "collectif", "Atelier collectif"


class ImportedActivityQuerySet(models.QuerySet["ImportedActivity"]):
    def countable(self) -> ImportedActivityQuerySet:
        """What the reports may fold in: not deleted, matched to an adviser."""
        return self.filter(deleted_at__isnull=True, adviser__isnull=False)


class ImportedActivity(models.Model):
    """An activity read from La Coop. Never edited in Cadran: each sync rewrites it."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="imported_activities",
    )
    external_id = models.UUIDField("identifiant dans La Coop")
    mediateur_id = models.UUIDField("identifiant du médiateur dans La Coop")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="conseiller numérique",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imported_activities",
        help_text="Reconnu par son adresse e-mail ; vide : gardée à part, non comptée.",
    )
    kind = models.CharField("type", max_length=32, choices=LaCoopKind.choices)
    date = models.DateField("date")
    duration_minutes = models.PositiveIntegerField("durée (minutes)")
    accompaniments = models.PositiveIntegerField("accompagnements", default=0)
    place_type = models.CharField("type de lieu", max_length=16, blank=True)
    structure_id = models.UUIDField("structure dans La Coop", null=True, blank=True)
    place_insee = models.CharField("code INSEE du lieu", max_length=5, blank=True)
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune du territoire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imported_activities",
    )
    thematiques = models.JSONField("thématiques", default=list, blank=True)
    # Individual ones only (same vocabulary as Cadran's records).
    autonomie = models.CharField("autonomie", max_length=32, blank=True)
    oriented = models.BooleanField("orienté vers une autre structure", null=True, blank=True)
    structure_redirection = models.CharField("structure de redirection", max_length=40, blank=True)
    created_in_lacoop_at = models.DateTimeField("créée dans La Coop le")
    modified_at = models.DateTimeField("modifiée dans La Coop le")
    deleted_at = models.DateTimeField("supprimée dans La Coop le", null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "activity.ActivityRecord",
        verbose_name="même activité que",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lacoop_duplicates",
        help_text="Le compte rendu de Cadran de la même activité : comptée une seule fois.",
    )
    imported_at = models.DateTimeField("lue le", default=clock.now)

    objects = ImportedActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "activité lue dans La Coop"
        verbose_name_plural = "activités lues dans La Coop"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "external_id"], name="lacoop_activity_unique_per_territory"
            ),
        ]
        indexes = [
            models.Index(
                fields=["commune", "date"],
                name="lacoop_activity_commune_date",
                condition=Q(deleted_at__isnull=True, adviser__isnull=False),
            ),
            models.Index(fields=["territory", "mediateur_id"], name="lacoop_activity_mediateur"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.date:%d/%m/%Y} (La Coop)"
