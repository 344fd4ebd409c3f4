"""The travel times between communes that the board uses to tell whether an adviser can be
in one commune, then in the next one, in time.

There are no coordinates in the data: the Service Culture keeps a small matrix of minutes
(admin, « Temps de trajet »). A pair missing from the matrix takes the setting
``CADRAN_DEFAULT_TRAVEL_MINUTES`` (20 minutes by default); a pair stored in one direction
counts for both.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q

from cadran.accounts.enums import TERRITORY_ROLES, Role


class TravelTimeQuerySet(models.QuerySet["TravelTime"]):
    def visible_to(self, user) -> TravelTimeQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES or user.role == Role.ADVISER:
            return self.filter(territory_id=user.territory_id)
        return self.none()


class TravelTime(models.Model):
    """Minutes by car from one commune to another (the same the other way)."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="travel_times",
    )
    from_commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="de",
        on_delete=models.CASCADE,
        related_name="+",
    )
    to_commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="à",
        on_delete=models.CASCADE,
        related_name="+",
    )
    minutes = models.PositiveSmallIntegerField(
        "minutes de trajet", validators=[MaxValueValidator(600)]
    )
    is_estimate = models.BooleanField(
        "estimation",
        default=True,
        help_text="Cochée : durée estimée, à vérifier sur le terrain.",
    )

    objects = TravelTimeQuerySet.as_manager()

    class Meta:
        verbose_name = "temps de trajet"
        verbose_name_plural = "temps de trajet"
        ordering = ["territory", "from_commune__name", "to_commune__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "from_commune", "to_commune"],
                name="travel_time_unique_pair",
                violation_error_message="Ce trajet est déjà renseigné.",
            ),
            models.CheckConstraint(
                condition=~Q(from_commune=F("to_commune")),
                name="travel_time_two_communes",
                violation_error_message="Choisissez deux communes différentes.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_commune} → {self.to_commune} : {self.minutes} min"
