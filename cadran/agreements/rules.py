"""The date rules of a convention (term, renewals, limit, notice), as pure functions.

The numbers are not in the code: each territory sets them (``AgreementRules``), each
agreement may override them, and they reach these functions as a ``Terms``: for instance
one year, renewable twice, at most 36 months, three months' notice; or two years, not
renewable, one month's notice.

Every date here is a calendar date in Paris and every end is the *last day* the agreement
applies (inclusive). Nothing here reads the clock or the database: the services pass the
facts in, so hypothesis can try any sequence of them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from .enums import AgreementStatus

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Terms:
    """The rules of one agreement: its term, how many times it may be renewed, the notice
    of a termination. They come from the agreement's own fields, else from its territory's
    ``AgreementRules``, else ``NEUTRAL`` (docs/decisions/0010-agreement-rules.md)."""

    term_months: int
    max_renewals: int
    notice_months: int

    def __post_init__(self):
        if self.term_months < 1 or self.max_renewals < 0 or self.notice_months < 0:
            raise ValueError(f"Règles impossibles : {self}")

    @property
    def max_periods(self) -> int:
        return self.max_renewals + 1


# A territory that has not set its rules: one year, not renewable, three months' notice,
# and no limit other than the end of that year.
NEUTRAL = Terms(term_months=12, max_renewals=0, notice_months=3)

_NUMBERS = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
    "onze", "douze",
]  # fmt: skip


def months_label(months: int) -> str:
    """« un mois », « trois mois », « 18 mois »."""
    return f"{_NUMBERS[months] if months < len(_NUMBERS) else months} mois"


def duration_label(months: int) -> str:
    """« un an », « deux ans », « 18 mois »."""
    if months % 12 == 0:
        years = months // 12
        word = _NUMBERS[years] if years < len(_NUMBERS) else str(years)
        return f"{word} an" if years == 1 else f"{word} ans"
    return months_label(months)


def _de(label: str) -> str:
    # Of the number words, only « un » elides (« de onze », « de huit »).
    return f"d'{label}" if label.startswith("un ") else f"de {label}"


def duration_phrase(months: int) -> str:
    """After « une durée » : « d'un an », « de deux ans », « de 18 mois »."""
    return _de(duration_label(months))


def months_phrase(months: int) -> str:
    """After « un préavis » : « d'un mois », « de trois mois »."""
    return _de(months_label(months))


def renewals_phrase(max_renewals: int) -> str:
    """« reconductible 2 fois », « reconductible une fois », « non reconductible »."""
    if max_renewals == 0:
        return "non reconductible"
    if max_renewals == 1:
        return "reconductible une fois"
    return f"reconductible {max_renewals} fois"


def default_cap(start: dt.date, terms: Terms) -> dt.date:
    """Without a limit of its own: the last day of the last possible period."""
    return add_months(start, terms.term_months * terms.max_periods) - ONE_DAY


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the last day of the month when it does not exist:
    30 November + 3 months is 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Period:
    number: int  # 1 (the initial term), then one per renewal
    start: dt.date
    end: dt.date  # inclusive

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def period(start: dt.date, cap: dt.date, number: int, terms: Terms) -> Period | None:
    """Period ``number`` (1 to ``terms.max_periods``) of an agreement starting on ``start``,
    cut at ``cap``; None when it would start after the cap or when there is no such period."""
    if not 1 <= number <= terms.max_periods:
        return None
    first_day = add_months(start, terms.term_months * (number - 1))
    if first_day > cap:
        return None
    last_day = min(add_months(start, terms.term_months * number) - ONE_DAY, cap)
    return Period(number, first_day, last_day)


def possible_periods(start: dt.date, cap: dt.date, terms: Terms) -> list[Period]:
    """Every period the agreement may have (never past the cap)."""
    found = []
    for number in range(1, terms.max_periods + 1):
        p = period(start, cap, number, terms)
        if p is None:
            break
        found.append(p)
    return found


def granted_periods(start: dt.date, cap: dt.date, renewals: int, terms: Terms) -> list[Period]:
    """The initial period and the renewed ones."""
    return possible_periods(start, cap, terms)[: 1 + max(0, min(renewals, terms.max_renewals))]


def earliest_effective_date(requested_on: dt.date, notice_months: int) -> dt.date:
    """The first date a termination requested on ``requested_on`` may take effect."""
    return add_months(requested_on, notice_months)


def term_end(start: dt.date, cap: dt.date, renewals: int, terms: Terms) -> dt.date:
    """Last day of the last granted period (the term, without termination)."""
    return granted_periods(start, cap, renewals, terms)[-1].end


def end_date(
    start: dt.date,
    cap: dt.date,
    renewals: int,
    termination_effective_on: dt.date | None,
    terms: Terms,
) -> dt.date:
    """Last day the agreement applies: the term, or earlier when terminated."""
    end = term_end(start, cap, renewals, terms)
    if termination_effective_on is not None:
        end = min(end, termination_effective_on)
    return min(end, cap)


def renewal_decision_due(period_end: dt.date, months_before: int) -> dt.date:
    """When the parties should decide to renew a period ending on ``period_end``."""
    return add_months(period_end, -months_before)


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the status depends on: the rows of an agreement, reduced to dates, and its rules."""

    start: dt.date
    cap: dt.date
    terms: Terms
    signed_on: dt.date | None = None
    renewals: int = 0
    termination_requested_on: dt.date | None = None
    termination_effective_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class State:
    status: AgreementStatus
    period: Period | None = None  # the period in force (or to come, once signed)
    ends_on: dt.date | None = None  # last day it applies (None: draft)
    of: int = 1  # how many periods the agreement may have at most (« année n sur of »)

    @property
    def in_force(self) -> bool:
        return self.status in (AgreementStatus.IN_FORCE, AgreementStatus.NOTICE_GIVEN)

    @property
    def label(self) -> str:
        if self.in_force and self.period is not None:
            return f"{self.status.label} (année {self.period.number} sur {self.of})"
        return str(self.status.label)


def state_on(facts: Facts, day: dt.date) -> State:
    """The derived status of an agreement on ``day``: never stored, always computed."""
    terms = facts.terms
    of = terms.max_periods
    if facts.signed_on is None or facts.signed_on > day:
        return State(AgreementStatus.DRAFT, of=of)
    periods = granted_periods(facts.start, facts.cap, facts.renewals, terms)
    ends_on = end_date(
        facts.start, facts.cap, facts.renewals, facts.termination_effective_on, terms
    )
    if day < facts.start:
        return State(AgreementStatus.SIGNED, periods[0], ends_on, of)
    if day > ends_on:
        terminated = (
            facts.termination_effective_on is not None
            and facts.termination_effective_on == ends_on
            and facts.termination_effective_on
            < term_end(facts.start, facts.cap, facts.renewals, terms)
        )
        status = AgreementStatus.ENDED if terminated else AgreementStatus.EXPIRED
        return State(status, None, ends_on, of)
    current = next(p for p in periods if p.contains(day))
    if facts.termination_requested_on is not None and facts.termination_requested_on <= day:
        return State(AgreementStatus.NOTICE_GIVEN, current, ends_on, of)
    return State(AgreementStatus.IN_FORCE, current, ends_on, of)


# --- Refusals: each returns a French message, or "" when the action is allowed ----------


def renewal_refusal(facts: Facts, decided_on: dt.date) -> str:
    state = state_on(facts, decided_on)
    terms = facts.terms
    if state.status == AgreementStatus.DRAFT:
        return "La convention n'est pas encore signée : elle ne peut pas être reconduite."
    if facts.termination_requested_on is not None:
        return "La convention a été résiliée : elle ne peut plus être reconduite."
    if state.status in (AgreementStatus.ENDED, AgreementStatus.EXPIRED):
        return (
            f"La convention a pris fin le {state.ends_on:%d/%m/%Y} : elle ne peut plus être "
            "reconduite. Préparez une nouvelle convention."
        )
    if terms.max_renewals == 0:
        return "Cette convention n'est pas reconductible : préparez une nouvelle convention."
    if facts.renewals >= terms.max_renewals:
        return (
            f"La convention a déjà été reconduite {terms.max_renewals} fois : c'est le "
            "maximum prévu."
        )
    if period(facts.start, facts.cap, facts.renewals + 2, terms) is None:
        return (
            f"Une période de plus dépasserait la limite du {facts.cap:%d/%m/%Y} : la "
            "convention ne peut plus être reconduite."
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
    earliest = earliest_effective_date(requested_on, facts.terms.notice_months)
    if effective_on < earliest:
        return (
            f"Le préavis est {months_phrase(facts.terms.notice_months)} : pour une demande "
            f"reçue le {requested_on:%d/%m/%Y}, la fin ne peut pas être avant le "
            f"{earliest:%d/%m/%Y}."
        )
    if effective_on <= requested_on:
        return "Le dernier jour de la convention doit être après la demande."
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
