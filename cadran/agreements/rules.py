"""The date rules of articles 5 and 6 of the convention, as pure functions.

Article 5: « conclue pour une durée d'un an à compter de septembre 2024, elle est
reconductible 2 fois. En tout état de cause, elle ne pourra excéder les 36 mois liés à la
délibération prise en date du 2-07-2024 ».
Article 6: amendments adopted by both parties; termination at either party's request
« dans le respect d'un préavis de trois mois ».

Every date here is a calendar date in Paris and every end is the *last day* the agreement
applies (inclusive). Nothing here reads the clock or the database: the services pass the
facts in, so hypothesis can try any sequence of them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from .enums import AgreementStatus

TERM_MONTHS = 12
MAX_RENEWALS = 2
MAX_PERIODS = MAX_RENEWALS + 1
NOTICE_MONTHS = 3
ONE_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the last day of the month when it does not exist:
    30 November + 3 months is 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Period:
    number: int  # 1 (the initial year), 2 and 3 (the renewals)
    start: dt.date
    end: dt.date  # inclusive

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def period(start: dt.date, cap: dt.date, number: int) -> Period | None:
    """Period ``number`` (1 to 3) of an agreement starting on ``start``, cut at ``cap``;
    None when it would start after the cap or when there is no such period."""
    if not 1 <= number <= MAX_PERIODS:
        return None
    first_day = add_months(start, TERM_MONTHS * (number - 1))
    if first_day > cap:
        return None
    last_day = min(add_months(start, TERM_MONTHS * number) - ONE_DAY, cap)
    return Period(number, first_day, last_day)


def possible_periods(start: dt.date, cap: dt.date) -> list[Period]:
    """Every period the agreement may have (at most three, never past the cap)."""
    found = []
    for number in range(1, MAX_PERIODS + 1):
        p = period(start, cap, number)
        if p is None:
            break
        found.append(p)
    return found


def granted_periods(start: dt.date, cap: dt.date, renewals: int) -> list[Period]:
    """The initial period and the renewed ones."""
    return possible_periods(start, cap)[: 1 + max(0, min(renewals, MAX_RENEWALS))]


def earliest_effective_date(requested_on: dt.date) -> dt.date:
    """The first date a termination requested on ``requested_on`` may take effect."""
    return add_months(requested_on, NOTICE_MONTHS)


def term_end(start: dt.date, cap: dt.date, renewals: int) -> dt.date:
    """Last day of the last granted period (the term, without termination)."""
    return granted_periods(start, cap, renewals)[-1].end


def end_date(
    start: dt.date, cap: dt.date, renewals: int, termination_effective_on: dt.date | None
) -> dt.date:
    """Last day the agreement applies: the term, or earlier when terminated."""
    end = term_end(start, cap, renewals)
    if termination_effective_on is not None:
        end = min(end, termination_effective_on)
    return min(end, cap)


def renewal_decision_due(period_end: dt.date, months_before: int) -> dt.date:
    """When the parties should decide to renew a period ending on ``period_end``."""
    return add_months(period_end, -months_before)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the status depends on: the rows of an agreement, reduced to dates."""

    start: dt.date
    cap: dt.date
    signed_on: dt.date | None = None
    renewals: int = 0
    termination_requested_on: dt.date | None = None
    termination_effective_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class State:
    status: AgreementStatus
    period: Period | None = None  # the period in force (or to come, once signed)
    ends_on: dt.date | None = None  # last day it applies (None: draft)

    @property
    def in_force(self) -> bool:
        return self.status in (AgreementStatus.IN_FORCE, AgreementStatus.NOTICE_GIVEN)

    @property
    def label(self) -> str:
        if self.in_force and self.period is not None:
            return f"{self.status.label} (année {self.period.number} sur {MAX_PERIODS})"
        return str(self.status.label)


def state_on(facts: Facts, day: dt.date) -> State:
    """The derived status of an agreement on ``day``: never stored, always computed."""
    if facts.signed_on is None or facts.signed_on > day:
        return State(AgreementStatus.DRAFT)
    periods = granted_periods(facts.start, facts.cap, facts.renewals)
    ends_on = end_date(facts.start, facts.cap, facts.renewals, facts.termination_effective_on)
    if day < facts.start:
        return State(AgreementStatus.SIGNED, periods[0], ends_on)
    if day > ends_on:
        terminated = (
            facts.termination_effective_on is not None
            and facts.termination_effective_on == ends_on
            and facts.termination_effective_on < term_end(facts.start, facts.cap, facts.renewals)
        )
        status = AgreementStatus.ENDED if terminated else AgreementStatus.EXPIRED
        return State(status, None, ends_on)
    current = next(p for p in periods if p.contains(day))
    if facts.termination_requested_on is not None and facts.termination_requested_on <= day:
        return State(AgreementStatus.NOTICE_GIVEN, current, ends_on)
    return State(AgreementStatus.IN_FORCE, current, ends_on)


# --- Refusals: each returns a French message, or "" when the action is allowed ----------


def renewal_refusal(facts: Facts, decided_on: dt.date) -> str:
    state = state_on(facts, decided_on)
    if state.status == AgreementStatus.DRAFT:
        return "La convention n'est pas encore signée : elle ne peut pas être reconduite."
    if facts.termination_requested_on is not None:
        return "La convention a été résiliée : elle ne peut plus être reconduite."
    if state.status in (AgreementStatus.ENDED, AgreementStatus.EXPIRED):
        return (
            f"La convention a pris fin le {state.ends_on:%d/%m/%Y} : elle ne peut plus être "
            "reconduite. Préparez une nouvelle convention."
        )
    if facts.renewals >= MAX_RENEWALS:
        return "La convention a déjà été reconduite 2 fois : c'est le maximum (article 5)."
    if period(facts.start, facts.cap, facts.renewals + 2) is None:
        return (
            f"Une année de plus dépasserait la limite du {facts.cap:%d/%m/%Y} (36 mois, "
            "article 5) : la convention ne peut plus être reconduite."
        )
    return ""


def termination_refusal(facts: Facts, requested_on: dt.date, effective_on: dt.date) -> str:
    state = state_on(facts, requested_on)
    if state.status == AgreementStatus.DRAFT:
        return "La convention n'est pas signée : il n'y a rien à résilier."
    if facts.termination_requested_on is not None:
        return "La résiliation de cette convention est déjà enregistrée."
    if state.status in (AgreementStatus.ENDED, AgreementStatus.EXPIRED):
        return f"La convention a déjà pris fin le {state.ends_on:%d/%m/%Y}."
    earliest = earliest_effective_date(requested_on)
    if effective_on < earliest:
        return (
            f"Le préavis est de trois mois (article 6) : pour une demande reçue le "
            f"{requested_on:%d/%m/%Y}, la fin ne peut pas être avant le {earliest:%d/%m/%Y}."
        )
    assert state.ends_on is not None
    if effective_on >= state.ends_on:
        return (
            f"La convention prend déjà fin le {state.ends_on:%d/%m/%Y} : une résiliation à "
            "une date plus tardive ne change rien. Il suffit de ne pas la reconduire."
        )
    return ""


def amendment_refusal(facts: Facts, adopted_on: dt.date) -> str:
    state = state_on(facts, adopted_on)
    if state.status == AgreementStatus.DRAFT:
        return "Un avenant modifie une convention signée : signez d'abord la convention."
    if state.status in (AgreementStatus.ENDED, AgreementStatus.EXPIRED):
        return f"La convention a pris fin le {state.ends_on:%d/%m/%Y} : plus d'avenant possible."
    return ""
