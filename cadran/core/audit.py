from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditLog
from .request_context import current_ip


def record(
    *, actor, obj: models.Model, action: str, description: str, territory_id: int | None
) -> AuditLog:
    """Append an entry to the audit log. Called by services, inside their transaction."""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        territory_id=territory_id,
        action=action,
        description=description[:500],
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        ip_address=current_ip(),
    )


def record_many(
    *, actor, objs: list[models.Model], action: str, description: str, territory_id: int | None
) -> int:
    """One entry per object, in one INSERT (for instance each person a search showed)."""
    if not objs:
        return 0
    ip = current_ip()
    rows = [
        AuditLog(
            actor=actor if actor is not None and actor.is_authenticated else None,
            territory_id=territory_id,
            action=action,
            description=description[:500],
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            ip_address=ip,
        )
        for obj in objs
    ]
    return len(AuditLog.objects.bulk_create(rows))
