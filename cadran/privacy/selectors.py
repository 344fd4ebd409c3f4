"""Reads about personal data: what the purge will take, and everything about one person.

A *person* is what the Service Culture picked on the search page: one or more
beneficiary rows (appointments) and registration rows (workshops) that are the same
human being. Cadran does not link a beneficiary to their registrations (a workshop
registration is made without an account), so the choice is the staff's, made from the
names and contact details the search shows.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Replace

from cadran.activity.models import ActivityRecord
from cadran.core import clock
from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.scheduling.models import Appointment, Beneficiary
from cadran.workshops.models import Registration, Session

from .models import RetentionPolicy

ANON = "Anonyme"
SEARCH_LIMIT = 30

# The state a row is left in by the anonymisation: a row in this state is never
# anonymised again (the purge is idempotent), and never shown by the search.
ANONYMOUS_BENEFICIARY = Q(
    first_name=ANON,
    last_name=ANON,
    phone="",
    email="",
    residence_insee="",
    birth_year__isnull=True,
)
ANONYMOUS_REGISTRATION = Q(first_name=ANON, last_name=ANON, phone="", email="", library_card="")
# A private link that no longer works: not a SHA-256 (64 hexadecimal digits), so no
# token ever hashes to it; unique with the row's id.
ERASED_TOKEN_PREFIX = "efface-"  # noqa: S105 (not a secret: a marker)


def months_before(now: dt.datetime, months: int) -> dt.datetime:
    """The same Paris wall-clock time ``months`` calendar months earlier (31 March minus
    one month is 28 or 29 February)."""
    local = clock.paris(now)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    naive = local.replace(tzinfo=None, year=year, month=month + 1, day=day)
    return naive.replace(tzinfo=clock.PARIS)


# --- What the purge takes -------------------------------------------------------------------


def beneficiaries_due(territory_id: int, cutoff: dt.datetime) -> QuerySet[Beneficiary]:
    """People whose last appointment (or, without any, their record) is older than
    ``cutoff``, not yet anonymised."""
    return (
        Beneficiary.objects.filter(territory_id=territory_id, created_at__lt=cutoff)
        .exclude(appointments__start__gte=cutoff)
        .exclude(ANONYMOUS_BENEFICIARY)
    )


def registrations_due(territory_id: int, cutoff: dt.datetime) -> QuerySet[Registration]:
    """Registrations whose workshop ended (the last session of a cycle) before ``cutoff``,
    not yet anonymised."""
    last_of_cycle = (
        Session.objects.filter(cycle_group_id=OuterRef("session_id"))
        .order_by("-end")
        .values("end")[:1]
    )
    return (
        Registration.objects.filter(session__workshop__territory_id=territory_id)
        .annotate(workshop_end=Coalesce(Subquery(last_of_cycle), F("session__end")))
        .filter(workshop_end__lt=cutoff)
        .exclude(ANONYMOUS_REGISTRATION)
    )


PERSON_MODELS = (Beneficiary, Appointment, Registration, Message)


def person_audit_entries(territory_id: int, cutoff: dt.datetime) -> QuerySet[AuditLog]:
    """Lines of the audit log about a person, an appointment, a registration or a message,
    older than ``cutoff``."""
    types = ContentType.objects.get_for_models(*PERSON_MODELS).values()
    return AuditLog.objects.filter(
        territory_id=territory_id, created_at__lt=cutoff, content_type__in=list(types)
    )


@dataclass
class DueCounts:
    beneficiaries: int
    registrations: int
    audit_entries: int

    @property
    def total(self) -> int:
        return self.beneficiaries + self.registrations + self.audit_entries


def due_counts(policy: RetentionPolicy, when: dt.datetime) -> DueCounts:
    """How many rows a purge at ``when`` would treat (three queries)."""
    tid = policy.territory_id
    return DueCounts(
        beneficiaries=beneficiaries_due(
            tid, months_before(when, policy.beneficiary_months)
        ).count(),
        registrations=registrations_due(
            tid, months_before(when, policy.registration_months)
        ).count(),
        audit_entries=person_audit_entries(
            tid, months_before(when, policy.audit_log_months)
        ).count(),
    )


# --- Search -----------------------------------------------------------------------------------


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _phone_digits():
    """The phone number without spaces, dots or dashes, as typed numbers vary."""
    value = F("phone")
    for sep in (" ", ".", "-"):
        value = Replace(value, Value(sep), Value(""))
    return value


def _words_filter(query: str, *, card: bool) -> Q:
    """Every word must match a name, the phone, the e-mail (or the library card); a query
    that is a phone number written with spaces is one word."""
    if len(_digits(query)) >= 8 and not any(ch.isalpha() for ch in query):
        return Q(phone_digits__contains=_digits(query).removeprefix("33"))
    cond = Q()
    for word in query.split()[:4]:
        one = Q(first_name__icontains=word) | Q(last_name__icontains=word)
        if len(_digits(word)) >= 4:
            one |= Q(phone_digits__contains=_digits(word))
        if "@" in word:
            one |= Q(email__icontains=word)
        if card and len(word) >= 4:
            one |= Q(library_card__iexact=word)
        cond &= one
    return cond


@dataclass
class SearchResult:
    beneficiaries: list[Beneficiary]
    registrations: list[Registration]

    @property
    def count(self) -> int:
        return len(self.beneficiaries) + len(self.registrations)


def search_people(*, user, query: str) -> SearchResult:
    """People (appointments) and registrations (workshops) matching every word of
    ``query`` (a name, a phone number, an e-mail address or a library card), in the user's
    territory; never rows already anonymised. Two queries."""
    query = query.strip()
    if len(query) < 2:
        return SearchResult([], [])
    beneficiaries = (
        Beneficiary.objects.visible_to(user)
        .annotate(phone_digits=_phone_digits())
        .filter(_words_filter(query, card=False))
        .exclude(ANONYMOUS_BENEFICIARY)
        .order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT]
    )
    registrations = (
        Registration.objects.visible_to(user)
        .annotate(phone_digits=_phone_digits())
        .filter(_words_filter(query, card=True))
        .exclude(ANONYMOUS_REGISTRATION)
        .select_related("session__workshop", "session__venue__commune")
        .order_by("last_name", "first_name", "-session__start", "pk")[:SEARCH_LIMIT]
    )
    return SearchResult(list(beneficiaries), list(registrations))


# --- Everything about one person --------------------------------------------------------------


@dataclass
class PersonFile:
    beneficiaries: list[Beneficiary]
    registrations: list[Registration]
    appointments: list[Appointment] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    activity_records: list[ActivityRecord] = field(default_factory=list)
    audit_entries: list[AuditLog] = field(default_factory=list)

    @property
    def beneficiary_ids(self) -> list[int]:
        return [b.pk for b in self.beneficiaries]

    @property
    def registration_ids(self) -> list[int]:
        return [r.pk for r in self.registrations]

    @property
    def is_empty(self) -> bool:
        return not self.beneficiaries and not self.registrations

    @property
    def reference(self) -> str:
        """Ids only: what the audit log and file names may say about the person."""
        parts = [f"personne n°{pk}" for pk in self.beneficiary_ids]
        parts += [f"inscription {r.reference}" for r in self.registrations]
        return ", ".join(parts)

    @property
    def display_name(self) -> str:
        rows: Sequence = self.beneficiaries or self.registrations
        return f"{rows[0].first_name} {rows[0].last_name}" if rows else ""

    @property
    def contacts(self) -> set[str]:
        values = {r.phone for r in self.all_rows} | {r.email for r in self.all_rows}
        return {v for v in values if v}

    @property
    def all_rows(self) -> list:
        return [*self.beneficiaries, *self.registrations]


def load_people(
    *, user, beneficiary_ids: Iterable[int], registration_ids: Iterable[int]
) -> PersonFile | None:
    """The rows picked, through the user's scope; None when one of them is not reachable
    (another territory, or no longer there)."""
    b_ids, r_ids = sorted(set(beneficiary_ids)), sorted(set(registration_ids))
    beneficiaries = list(Beneficiary.objects.visible_to(user).filter(pk__in=b_ids).order_by("pk"))
    registrations = list(
        Registration.objects.visible_to(user)
        .filter(pk__in=r_ids)
        .select_related("session__workshop", "session__venue__commune")
        .order_by("pk")
    )
    if len(beneficiaries) != len(b_ids) or len(registrations) != len(r_ids):
        return None
    return PersonFile(beneficiaries=beneficiaries, registrations=registrations)


def person_file(person: PersonFile) -> PersonFile:
    """Fill ``person`` with everything linked to its rows, in a fixed number of queries."""
    b_ids, r_ids = person.beneficiary_ids, person.registration_ids
    person.appointments = list(
        Appointment.objects.filter(beneficiary_id__in=b_ids)
        .with_related()
        .order_by("-start", "-pk")
    )
    appointment_ids = [a.pk for a in person.appointments]
    types = ContentType.objects.get_for_models(Beneficiary, Appointment, Registration)
    appt_ct, reg_ct, ben_ct = types[Appointment], types[Registration], types[Beneficiary]
    territories = {b.territory_id for b in person.beneficiaries} | {
        r.session.workshop.territory_id for r in person.registrations
    }
    linked = (
        Q(beneficiary_id__in=b_ids)
        | Q(content_type=appt_ct, object_id__in=appointment_ids)
        | Q(content_type=reg_ct, object_id__in=r_ids)
    )
    if person.contacts:
        linked |= Q(recipient__in=sorted(person.contacts))
    person.messages = list(
        Message.objects.filter(linked, territory_id__in=territories).order_by("-created_at", "-pk")
        if not person.is_empty
        else []
    )
    person.activity_records = list(
        ActivityRecord.objects.filter(
            Q(appointment_id__in=appointment_ids)
            | Q(participants__beneficiary_id__in=b_ids)
            | Q(participants__registration_id__in=r_ids)
        )
        .distinct()
        .select_related("adviser", "commune")
        .prefetch_related("thematiques")
        .order_by("-date", "-pk")
    )
    person.audit_entries = list(
        AuditLog.objects.filter(
            Q(content_type=ben_ct, object_id__in=[str(pk) for pk in b_ids])
            | Q(content_type=appt_ct, object_id__in=[str(pk) for pk in appointment_ids])
            | Q(content_type=reg_ct, object_id__in=[str(pk) for pk in r_ids])
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
    return person
