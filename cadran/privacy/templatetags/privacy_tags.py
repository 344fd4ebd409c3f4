"""``{% retention_policy territory as policy %}``: the durations the notices state."""

from __future__ import annotations

from django import template

from cadran.privacy.models import (
    DEFAULT_AUDIT_LOG_MONTHS,
    DEFAULT_BENEFICIARY_MONTHS,
    DEFAULT_REGISTRATION_MONTHS,
    RetentionPolicy,
)

register = template.Library()


class _Defaults:
    beneficiary_months = DEFAULT_BENEFICIARY_MONTHS
    registration_months = DEFAULT_REGISTRATION_MONTHS
    audit_log_months = DEFAULT_AUDIT_LOG_MONTHS


@register.simple_tag
def retention_policy(territory=None):
    """The territory's policy (one query), or the defaults without a territory or a
    saved policy."""
    if territory is None or not getattr(territory, "pk", None):
        return _Defaults()
    return RetentionPolicy.objects.filter(territory_id=territory.pk).first() or _Defaults()
