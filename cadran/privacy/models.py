"""How long personal data is kept (per territory), and the trace of each purge.

The rules themselves are in :mod:`cadran.privacy.services` (the purge, the rights of the
person); this module holds the settings a territory may change and the marks that make
the nightly purge run once a day (docs/donnees-personnelles.md, docs/decisions/0009).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cadran.accounts.enums import Role
from cadran.core import clock

# Safe defaults: the CNIL's benchmark (one year after the last contact, then anonymised)
# and a short period after a workshop (the contact details serve only until the event).
DEFAULT_BENEFICIARY_MONTHS = 12
DEFAULT_REGISTRATION_MONTHS = 3
DEFAULT_AUDIT_LOG_MONTHS = 12

BENEFICIARY_MONTHS_RANGE = (1, 36)
REGISTRATION_MONTHS_RANGE = (1, 12)
AUDIT_LOG_MONTHS_RANGE = (6, 60)


class RetentionPolicyQuerySet(models.QuerySet["RetentionPolicy"]):
    def visible_to(self, user) -> RetentionPolicyQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role == Role.CULTURE_SERVICE:
            return self.filter(territory_id=user.territory_id)
        return self.none()

    def for_territory(self, territory) -> RetentionPolicy:
        """The territory's policy; created with the defaults the first time it is asked."""
        policy, _created = self.get_or_create(territory=territory)
        return policy


def _months(label: str, default: int, bounds: tuple[int, int], help_text: str):
    return models.PositiveSmallIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(bounds[0]), MaxValueValidator(bounds[1])],
        help_text=help_text,
    )


class RetentionPolicy(models.Model):
    """How long each kind of personal data is kept in one territory."""

    territory = models.OneToOneField(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="retention_policy",
    )
    beneficiary_months = _months(
        "personnes accompagnées (mois après le dernier rendez-vous)",
        DEFAULT_BENEFICIARY_MONTHS,
        BENEFICIARY_MONTHS_RANGE,
        "Ensuite le nom, les coordonnées et les notes sont effacés ; les rendez-vous restent, "
        "sans nom, pour les statistiques.",
    )
    registration_months = _months(
        "inscriptions aux ateliers (mois après l'atelier)",
        DEFAULT_REGISTRATION_MONTHS,
        REGISTRATION_MONTHS_RANGE,
        "Après la dernière séance (pour un cycle). Ensuite le nom, les coordonnées et le "
        "numéro de carte sont effacés ; la présence reste comptée.",
    )
    audit_log_months = _months(
        "journal des accès aux personnes (mois)",
        DEFAULT_AUDIT_LOG_MONTHS,
        AUDIT_LOG_MONTHS_RANGE,
        "Les lignes du journal qui portent sur une personne, un rendez-vous, une inscription "
        "ou un message. Les autres lignes (conventions, ateliers, matériel) restent.",
    )
    updated_at = models.DateTimeField("modifiée le", default=clock.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modifiée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RetentionPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = "durée de conservation"
        verbose_name_plural = "durées de conservation"
        constraints = [
            models.CheckConstraint(
                condition=Q(beneficiary_months__gte=BENEFICIARY_MONTHS_RANGE[0])
                & Q(beneficiary_months__lte=BENEFICIARY_MONTHS_RANGE[1]),
                name="retention_beneficiary_months_range",
            ),
            models.CheckConstraint(
                condition=Q(registration_months__gte=REGISTRATION_MONTHS_RANGE[0])
                & Q(registration_months__lte=REGISTRATION_MONTHS_RANGE[1]),
                name="retention_registration_months_range",
            ),
            models.CheckConstraint(
                condition=Q(audit_log_months__gte=AUDIT_LOG_MONTHS_RANGE[0])
                & Q(audit_log_months__lte=AUDIT_LOG_MONTHS_RANGE[1]),
                name="retention_audit_months_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Durées de conservation — {self.territory}"


class PurgeRunQuerySet(models.QuerySet["PurgeRun"]):
    def visible_to(self, user) -> PurgeRunQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role == Role.CULTURE_SERVICE:
            return self.filter(territory_id=user.territory_id)
        return self.none()


class PurgeRun(models.Model):
    """One run of the purge for one territory. The unique day is the sweep's mark: the
    nightly purge runs once a day, however many workers sweep."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="purge_runs",
    )
    day = models.DateField("jour (Paris)")
    ran_at = models.DateTimeField("passée le")
    counts = models.JSONField("lignes traitées", default=dict)

    objects = PurgeRunQuerySet.as_manager()

    class Meta:
        verbose_name = "passage de la purge"
        verbose_name_plural = "passages de la purge"
        ordering = ["-ran_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "day"], name="purge_run_once_a_day")
        ]

    def __str__(self) -> str:
        return f"Purge du {self.day:%d/%m/%Y} — {self.territory}"

    @property
    def total(self) -> int:
        return sum(int(v) for v in self.counts.values())
