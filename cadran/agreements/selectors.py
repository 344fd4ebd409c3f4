"""Read queries about agreements, for the screens, the sweep and the other apps.

``agreement_end_for_commune`` is what scheduling asks before a booking: no appointment
after the last day of the commune's agreement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch

from cadran.accounts.enums import Role
from cadran.core import clock

from . import rules
from .models import Agreement, AgreementQuerySet, Amendment, Obligation

# Who may open the agreement pages; who may act on them.
VIEW_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COORDINATOR, Role.COMMUNE_REFERENT})
MANAGE_ROLES = frozenset({Role.CULTURE_SERVICE})
# A commune's referents may record the evidence of their commune's commitments (article 4).
EVIDENCE_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COMMUNE_REFERENT})


def has_role(user, roles) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in roles))


def can_manage(user, agreement: Agreement) -> bool:
    """Sign, renew, amend, terminate, record transmissions: the territory's Service Culture."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.role in MANAGE_ROLES and user.territory_id == agreement.territory_id


def can_manage_territory(user, territory) -> bool:
    """Set the territory's rules and publish its document templates: its Service Culture."""
    if not user.is_authenticated or territory is None:
        return False
    if user.is_superuser:
        return True
    return user.role in MANAGE_ROLES and user.territory_id == territory.pk


def can_record_evidence(user, agreement: Agreement) -> bool:
    if can_manage(user, agreement):
        return True
    return bool(
        user.is_authenticated
        and user.role == Role.COMMUNE_REFERENT
        and user.communes.filter(pk=agreement.commune_id).exists()
    )


def agreement_end_for_commune(commune, *, today: dt.date | None = None) -> dt.date | None:
    """The last day a permanence of this commune may take place, or None when the commune
    has no signed agreement (nothing to enforce: the agreement layer is not in use there).

    The commune's most recent signed agreement decides: the end of its last granted
    period, or the last day of its termination. In the past once it has ended, so that
    nothing more can be booked.
    """
    agreement = (
        Agreement.objects.signed()
        .filter(commune=commune)
        .with_state_data()
        .order_by("-start_date", "-pk")
        .first()
    )
    if agreement is None:
        return None
    return agreement.state(today).ends_on


@dataclass(frozen=True)
class Row:
    """One agreement in the list, with what is computed from its dates."""

    agreement: Agreement
    state: rules.State
    next_deadline: tuple[dt.date, str] | None


def next_deadline(agreement: Agreement, state: rules.State, *, months_before: int, today: dt.date):
    """The next date someone has to act on or know about, with what happens then."""
    facts = agreement.facts()
    candidates: list[tuple[dt.date, str]] = []
    termination = agreement.termination_or_none
    if state.status.value == "draft":
        candidates.append((agreement.start_date, "Début prévu : à signer avant"))
    elif termination is not None:
        candidates.append((termination.effective_on, "Dernier jour (résiliation)"))
    elif state.period is not None and state.ends_on is not None:
        if not rules.renewal_refusal(facts, today):
            due = rules.renewal_decision_due(state.period.end, months_before)
            candidates.append(
                (max(due, today), f"Décider la reconduction (fin de l'année {state.period.number})")
            )
        candidates.append((state.ends_on, "Dernier jour de la convention"))
    future = [c for c in candidates if c[0] >= today]
    return min(future, default=None)


def agreement_rows(user, *, today: dt.date | None = None, months_before: int = 3) -> list[Row]:
    """The list page: every visible agreement with its derived status, in one query."""
    today = today or clock.today()
    rows = []
    for agreement in (
        Agreement.objects.visible_to(user)
        .with_state_data()
        .order_by("commune__name", "-start_date")
    ):
        state = agreement.state(today)
        rows.append(
            Row(
                agreement,
                state,
                next_deadline(agreement, state, months_before=months_before, today=today),
            )
        )
    return rows


def agreement_for_page(user, pk: int) -> Agreement:
    """One agreement with everything its page shows, in a fixed number of queries."""
    qs: AgreementQuerySet = Agreement.objects.visible_to(user).with_state_data()
    return (
        qs.select_related(
            "territory",
            "territory__agreement_rules",
            "permanence__venue",
            "permanence__adviser",
            "template",
            "cap_deliberation",
        )
        .prefetch_related(
            "deliberations",
            "referents",
            "renewals",
            "advisers",
            Prefetch("amendments", queryset=Amendment.objects.order_by("number")),
            "transmissions",
            Prefetch("obligations", queryset=Obligation.objects.select_related("checked_by")),
        )
        .get(pk=pk)
    )


# --- What waits on the start page (cadran.scheduling.start_page) ----------------------------


@dataclass(frozen=True)
class AgreementTodo:
    """Agreements of the user's scope someone has to act on, counted."""

    to_sign: int = 0  # prepared, not signed yet
    to_decide: int = 0  # the renewal to decide, or the absolute limit near with no new one
    to_transmit: int = 0  # signed, a copy still to send (article 8)


def agreement_todo(user, *, today: dt.date) -> AgreementTodo:
    """Counts for the start page of the Service Culture and the coordination: two queries,
    whatever the number of agreements (the territory's rules, then the agreements with
    their state data, the limit's deliberation and the copies not sent, annotated)."""
    from django.db.models import Count, Q

    from .notifications import CAP_APPROACHING, RENEWAL_DUE
    from .sweepers import due_alerts

    agreements = list(
        Agreement.objects.visible_to(user)
        .with_state_data()
        .select_related("cap_deliberation")
        .annotate(
            unsent=Count(
                "transmissions", filter=Q(transmissions__sent_on__isnull=True), distinct=True
            )
        )
        .order_by("commune_id", "-start_date", "-pk")
    )
    newest_start: dict[int, dt.date] = {}
    for agreement in agreements:
        newest_start.setdefault(agreement.commune_id, agreement.start_date)
    to_sign = to_decide = to_transmit = 0
    for agreement in agreements:
        if agreement.signed_on is None:
            to_sign += 1
            continue
        if agreement.unsent:
            to_transmit += 1
        events = {alert.event for alert in due_alerts(agreement, today)}
        superseded = newest_start[agreement.commune_id] > agreement.start_date
        if RENEWAL_DUE in events or (CAP_APPROACHING in events and not superseded):
            to_decide += 1
    return AgreementTodo(to_sign=to_sign, to_decide=to_decide, to_transmit=to_transmit)


def latest_agreement_rows(user, *, today: dt.date, months_before: int) -> list[Row]:
    """The most recent agreement of each commune in scope, with its state and next
    deadline (what a commune's referent reads on their start page): one query."""
    seen: set[int] = set()
    rows = []
    for row in agreement_rows(user, today=today, months_before=months_before):
        if row.agreement.commune_id in seen:
            continue
        seen.add(row.agreement.commune_id)
        rows.append(row)
    return rows
