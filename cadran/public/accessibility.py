"""The state of the site's accessibility, for the statement and the footer mention.

RGAA 4.1.2 (arrêté du 20 septembre 2019, model statement): « totalement conforme » when an
audit finds every applicable criterion met, « partiellement conforme » from 50 %, « non
conforme » below, and « non conforme » as long as no audit gave a rate. The dates, the
rate and the multi-year plan come from settings (``CADRAN_ACCESSIBILITY_*``): every
territory of an install serves the same pages (docs/visibilite.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NOT_COMPLIANT = "non conforme"
PARTIALLY_COMPLIANT = "partiellement conforme"
FULLY_COMPLIANT = "totalement conforme"


@dataclass(frozen=True)
class AccessibilityState:
    statement_date: dt.date | None
    audit_date: dt.date | None
    rate: Decimal | None  # percentage of the applicable RGAA criteria met
    auditor: str
    plan_url: str

    @property
    def audited(self) -> bool:
        return self.audit_date is not None and self.rate is not None

    @property
    def level(self) -> str:
        if not self.audited or self.rate is None:
            return NOT_COMPLIANT
        if self.rate >= 100:
            return FULLY_COMPLIANT
        if self.rate >= 50:
            return PARTIALLY_COMPLIANT
        return NOT_COMPLIANT


def _date(name: str) -> dt.date | None:
    value = getattr(settings, name, "")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} : une date AAAA-MM-JJ est attendue.") from exc


def _rate() -> Decimal | None:
    value = str(getattr(settings, "CADRAN_ACCESSIBILITY_AUDIT_RATE", "")).replace(",", ".")
    if not value.strip():
        return None
    try:
        rate = Decimal(value.strip())
    except InvalidOperation as exc:
        raise ImproperlyConfigured(
            "CADRAN_ACCESSIBILITY_AUDIT_RATE : un pourcentage de 0 à 100 est attendu."
        ) from exc
    if not 0 <= rate <= 100:
        raise ImproperlyConfigured(
            "CADRAN_ACCESSIBILITY_AUDIT_RATE : un pourcentage de 0 à 100 est attendu."
        )
    return rate


def accessibility_state() -> AccessibilityState:
    return AccessibilityState(
        statement_date=_date("CADRAN_ACCESSIBILITY_STATEMENT_DATE"),
        audit_date=_date("CADRAN_ACCESSIBILITY_AUDIT_DATE"),
        rate=_rate(),
        auditor=getattr(settings, "CADRAN_ACCESSIBILITY_AUDITOR", ""),
        plan_url=getattr(settings, "CADRAN_ACCESSIBILITY_PLAN_URL", ""),
    )
