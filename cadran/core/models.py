from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def for_object(self, obj: models.Model) -> AuditLogQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )

    def visible_to(self, user) -> AuditLogQuerySet:
        from cadran.accounts.enums import Role

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in (Role.CULTURE_SERVICE, Role.COORDINATOR):
            return self.filter(territory_id=user.territory_id)
        return self.none()


class AuditLog(models.Model):
    """Who did what, when, on which object. Written by services, never edited."""

    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(
        "depuis (adresse IP)", null=True, blank=True, help_text="D'où venait la demande."
    )
    action = models.CharField("action", max_length=64)
    description = models.CharField("description", max_length=500)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des actions"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} — {self.description}"
