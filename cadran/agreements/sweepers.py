"""Alerts about agreements, run by the sweep (``cadran.core.sweep``) every minute.

For each signed agreement still in force, :func:`due_alerts` says which alerts are due
today; the e-mails go to the Service Culture of the territory and to the commune's
referents. Each alert has a unique key (``agreement:<pk>:renewal_due:2:user:<pk>``): the
``Message`` row is the mark that it was sent, so a sweep run twice, or late, sends it once.
The agreements read are those whose limit is not past (a handful per territory), and the
keys already sent are read in one query: the cost does not grow with the message log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from cadran.core.clock import PARIS
from cadran.notifications.formatting import day_label
from cadran.notifications.models import Message

from . import rules
from .enums import AgreementStatus
from .models import Agreement, AgreementRules
from .notifications import (
    CAP_APPROACHING,
    LAST_PERIOD,
    NOTICE_RUNNING,
    RENEWAL_DUE,
    alert_recipients,
    notify_staff,
)


def _territory_rules(agreement: Agreement):
    territory = agreement.territory
    try:
        return territory.agreement_rules
    except AgreementRules.DoesNotExist:
        return None


def renewal_notice_months(agreement: Agreement | None = None) -> int:
    """How long before the end of a period the renewal is to be decided: the territory's
    rule, else the install's (``CADRAN_AGREEMENT_RENEWAL_NOTICE_MONTHS``, 3)."""
    own = _territory_rules(agreement) if agreement is not None else None
    if own is not None and own.renewal_alert_months:
        return own.renewal_alert_months
    return int(getattr(settings, "CADRAN_AGREEMENT_RENEWAL_NOTICE_MONTHS", 3))


def renewal_notice_months_of(territory_id: int | None) -> int:
    """The same for a territory (the agreements list of its staff): one query."""
    own = AgreementRules.objects.filter(territory_id=territory_id).first()
    if own is not None and own.renewal_alert_months:
        return own.renewal_alert_months
    return renewal_notice_months()


def cap_alert_months(agreement: Agreement | None = None) -> int:
    """How long before the absolute limit the alert goes: the territory's rule, else the
    install's (``CADRAN_AGREEMENT_CAP_ALERT_MONTHS``, 6)."""
    own = _territory_rules(agreement) if agreement is not None else None
    if own is not None and own.cap_alert_months:
        return own.cap_alert_months
    return int(getattr(settings, "CADRAN_AGREEMENT_CAP_ALERT_MONTHS", 6))


@dataclass(frozen=True)
class Alert:
    event: str
    key: str
    context: dict = field(default_factory=dict)


def due_alerts(agreement: Agreement, today: dt.date) -> list[Alert]:
    """The alerts due today for one agreement (already sent or not)."""
    facts = agreement.facts()
    state = rules.state_on(facts, today)
    if not state.in_force or state.period is None or state.ends_on is None:
        return []
    alerts: list[Alert] = []
    period = state.period
    yearly = facts.terms.term_months == 12
    words = {
        "period_word": "année" if yearly else "période",
        "the_period": "L'année" if yearly else "La période",
    }
    if state.status == AgreementStatus.NOTICE_GIVEN:
        termination = agreement.termination_or_none
        assert termination is not None
        alerts.append(
            Alert(
                NOTICE_RUNNING,
                f"notice:{termination.pk}",
                {
                    "requested_by": termination.get_requested_by_display(),
                    "requested_on": day_label(termination.requested_on),
                    "last_day": day_label(termination.effective_on),
                    "notice": rules.months_label(facts.terms.notice_months),
                },
            )
        )
        return alerts
    can_renew = not rules.renewal_refusal(facts, today)
    if can_renew:
        due = rules.renewal_decision_due(period.end, renewal_notice_months(agreement))
        if today >= due:
            alerts.append(
                Alert(
                    RENEWAL_DUE,
                    f"renewal_due:{period.number}",
                    {
                        "period_number": period.number,
                        "period_end": day_label(period.end),
                        "renewals_left": facts.terms.max_renewals - facts.renewals,
                    }
                    | words,
                )
            )
    else:
        alerts.append(
            Alert(
                LAST_PERIOD,
                "last_period",
                {"period_number": period.number, "last_day": day_label(state.ends_on)} | words,
            )
        )
    if today >= rules.add_months(agreement.cap_date, -cap_alert_months(agreement)):
        deliberation = agreement.cap_deliberation
        reason = f"la délibération du {deliberation.date:%d/%m/%Y}" if deliberation else ""
        alerts.append(
            Alert(
                CAP_APPROACHING,
                "cap",
                {"cap": day_label(agreement.cap_date), "cap_reason": reason},
            )
        )
    return alerts


def queue_agreement_alerts(now: dt.datetime) -> int:
    """Sweeper: queue the due alerts not yet sent. Returns how many e-mails were queued."""
    today = now.astimezone(PARIS).date()
    agreements = list(
        Agreement.objects.signed()
        .filter(cap_date__gte=today, start_date__lte=today)
        .with_state_data()
        .select_related("territory__agreement_rules", "cap_deliberation")
        .order_by("pk")
    )
    due = [(agreement, alert) for agreement in agreements for alert in due_alerts(agreement, today)]
    if not due:
        return 0
    # The alerts already sent (to anyone): one indexed query on the messages about these
    # agreements. A referent added later is not sent an old alert again.
    sent = {
        key.rsplit(":user:", 1)[0]
        for key in Message.objects.filter(
            content_type=ContentType.objects.get_for_model(Agreement),
            object_id__in=[a.pk for a, _ in due],
            event__in={alert.event for _, alert in due},
        ).values_list("dedupe_key", flat=True)
    }
    queued = 0
    recipients_of: dict[int, list] = {}
    for agreement, alert in due:
        if f"agreement:{agreement.pk}:{alert.key}" in sent:
            continue
        if agreement.pk not in recipients_of:
            recipients_of[agreement.pk] = alert_recipients(agreement)
        with transaction.atomic():
            queued += notify_staff(
                agreement=agreement,
                event=alert.event,
                key=alert.key,
                context=alert.context,
                recipients=recipients_of[agreement.pk],
            )
    return queued
