"""The personal-data rules: the retention purge and the rights of the person.

Anonymising keeps every row statistics count (appointments with their status, topics,
dates and permanence; registrations with their status, commune and attendance; activity
records with their profiles) and empties what names or reaches a person: names,
contacts, library card, year of birth, free-text notes, message texts, private links.
It is idempotent: a row already anonymous is left alone, so the purge may run any number
of times (docs/decisions/0009-retention.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string

from cadran.activity.models import ActivityParticipant, ActivityRecord
from cadran.core import audit, clock, pdf
from cadran.core.models import AuditLog
from cadran.notifications.enums import MessageStatus
from cadran.notifications.models import Message
from cadran.publicity.letterhead import letterhead_html
from cadran.scheduling.enums import ACTIVE_STATUSES
from cadran.scheduling.models import Appointment, Beneficiary
from cadran.territory.models import Territory
from cadran.workshops.enums import ACTIVE_REGISTRATION_STATUSES
from cadran.workshops.models import Registration

from . import selectors
from .models import PurgeRun, RetentionPolicy
from .selectors import ANON, ERASED_TOKEN_PREFIX, PersonFile

BATCH = 500
MOTIF_MARK = " Motif : "
MOTIF_ERASED = " (motif effacé avec les données de la personne)"


# --- Anonymisation (shared by the purge and the erasure) -----------------------------------


def _erased_token():
    return Concat(Value(ERASED_TOKEN_PREFIX), Cast("pk", CharField()), output_field=CharField())


def _blank_messages(linked: Q) -> int:
    """Empty the recipient and the text of the messages ``linked``; those not sent yet are
    withdrawn. The rows stay (their unique key is the mark that the work was done)."""
    Message.objects.filter(linked, status__in=(MessageStatus.PENDING, MessageStatus.FAILED)).update(
        status=MessageStatus.WITHDRAWN, updated_at=clock.now()
    )
    return (
        Message.objects.filter(linked)
        .exclude(recipient="", subject="", body="", ics="", last_error="")
        .update(recipient="", subject="", body="", ics="", last_error="", updated_at=clock.now())
    )


def _scrub_motifs(model, ids: Iterable[int]) -> int:
    """Cancellation reasons are free text, written into the audit log: cut them off."""
    ct = ContentType.objects.get_for_model(model)
    entries = AuditLog.objects.filter(
        content_type=ct, object_id__in=[str(pk) for pk in ids], description__contains=MOTIF_MARK
    ).only("pk", "description")
    changed = 0
    for entry in entries:
        head = entry.description.split(MOTIF_MARK, 1)[0]
        AuditLog.objects.filter(pk=entry.pk).update(description=(head + MOTIF_ERASED)[:500])
        changed += 1
    return changed


def anonymise_beneficiaries(ids: list[int]) -> dict[str, int]:
    """Anonymise these people and everything that named them. Idempotent."""
    if not ids:
        return {}
    appointments = Appointment.objects.filter(beneficiary_id__in=ids)
    appointment_ids = list(appointments.values_list("pk", flat=True))
    appt_ct = ContentType.objects.get_for_model(Appointment)
    counts = {
        "beneficiaries": Beneficiary.objects.filter(pk__in=ids)
        .exclude(selectors.ANONYMOUS_BENEFICIARY)
        .update(
            first_name=ANON,
            last_name=ANON,
            phone="",
            email="",
            no_phone=True,
            notify_email=False,
            notify_sms=False,
            residence_insee="",
            birth_year=None,
        ),
        "private_links": Appointment.objects.filter(pk__in=appointment_ids)
        .exclude(token_hash__startswith=ERASED_TOKEN_PREFIX)
        .update(token_hash=_erased_token()),
        "messages": _blank_messages(
            Q(beneficiary_id__in=ids) | Q(content_type=appt_ct, object_id__in=appointment_ids)
        ),
        "activity_notes": ActivityRecord.objects.filter(
            pk__in=ActivityRecord.objects.filter(
                Q(appointment_id__in=appointment_ids) | Q(participants__beneficiary_id__in=ids)
            ).values("pk")
        )
        .exclude(notes="")
        .update(notes=""),
        "activity_profiles": ActivityParticipant.objects.filter(
            beneficiary_id__in=ids, birth_year__isnull=False
        ).update(birth_year=None),
        "audit_motifs": _scrub_motifs(Appointment, appointment_ids),
    }
    return counts


def anonymise_registrations(ids: list[int]) -> dict[str, int]:
    """Anonymise these registrations and everything that named the person. Idempotent.
    Status, commune, eligibility and attendance stay: the workshop's figures need them."""
    if not ids:
        return {}
    reg_ct = ContentType.objects.get_for_model(Registration)
    return {
        "registrations": Registration.objects.filter(pk__in=ids)
        .exclude(selectors.ANONYMOUS_REGISTRATION)
        .update(
            first_name=ANON,
            last_name=ANON,
            phone="",
            email="",
            library_card="",
            notify_email=False,
            notify_sms=False,
            updated_at=clock.now(),
        ),
        "private_links": Registration.objects.filter(pk__in=ids)
        .exclude(token_hash__startswith=ERASED_TOKEN_PREFIX)
        .update(token_hash=_erased_token()),
        "messages": _blank_messages(Q(content_type=reg_ct, object_id__in=ids)),
        "activity_notes": ActivityRecord.objects.filter(
            pk__in=ActivityRecord.objects.filter(participants__registration_id__in=ids).values("pk")
        )
        .exclude(notes="")
        .update(notes=""),
        "activity_profiles": ActivityParticipant.objects.filter(
            registration_id__in=ids, birth_year__isnull=False
        ).update(birth_year=None),
        "audit_motifs": _scrub_motifs(Registration, ids),
    }


def _add(total: dict[str, int], part: dict[str, int]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0) + value


# --- The retention purge ----------------------------------------------------------------------


@dataclass
class PurgeReport:
    now: dt.datetime
    counts: dict[int, dict[str, int]]  # territory id → what was done

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())


def purge_territory(*, territory: Territory, now: dt.datetime) -> dict[str, int]:
    """Everything past its time in one territory, in batches; each batch in its own
    transaction, so a large first purge never holds a long lock."""
    policy = RetentionPolicy.objects.for_territory(territory)
    counts: dict[str, int] = {}
    cutoff = selectors.months_before(now, policy.beneficiary_months)
    while ids := list(
        selectors.beneficiaries_due(territory.pk, cutoff).values_list("pk", flat=True)[:BATCH]
    ):
        with transaction.atomic():
            _add(counts, anonymise_beneficiaries(ids))
    cutoff = selectors.months_before(now, policy.registration_months)
    while ids := list(
        selectors.registrations_due(territory.pk, cutoff).values_list("pk", flat=True)[:BATCH]
    ):
        with transaction.atomic():
            _add(counts, anonymise_registrations(ids))
    cutoff = selectors.months_before(now, policy.audit_log_months)
    deleted, _by_model = selectors.person_audit_entries(territory.pk, cutoff).delete()
    counts["audit_entries"] = deleted
    counts = {k: v for k, v in counts.items() if v}
    with transaction.atomic():
        run, _created = PurgeRun.objects.update_or_create(
            territory=territory,
            day=clock.paris(now).date(),
            defaults={"ran_at": now, "counts": counts},
        )
        audit.record(
            actor=None,
            obj=run,
            action="privacy.purged",
            description=_purge_description(counts),
            territory_id=territory.pk,
        )
    return counts


PURGE_LABELS = {
    "beneficiaries": "personne(s) anonymisée(s)",
    "registrations": "inscription(s) anonymisée(s)",
    "messages": "message(s) vidé(s)",
    "activity_notes": "note(s) effacée(s)",
    "activity_profiles": "année(s) de naissance retirée(s) des comptes rendus",
    "private_links": "lien(s) privé(s) désactivé(s)",
    "audit_motifs": "motif(s) effacé(s) du journal",
    "audit_entries": "ligne(s) du journal supprimée(s)",
}


def _purge_description(counts: dict[str, int]) -> str:
    if not counts:
        return "Purge des données personnelles : rien à effacer."
    parts = [f"{n} {PURGE_LABELS.get(k, k)}" for k, n in counts.items()]
    return "Purge des données personnelles : " + ", ".join(parts) + "."


def purge_due(now: dt.datetime, *, territories: Iterable[Territory] | None = None) -> PurgeReport:
    """Anonymise or delete, in every territory (or those given), what is past its time at
    ``now``. Harmless when run again: what is already anonymous is left alone."""
    report = PurgeReport(now=now, counts={})
    for territory in territories if territories is not None else Territory.objects.order_by("pk"):
        report.counts[territory.pk] = purge_territory(territory=territory, now=now)
    return report


# --- The policy -----------------------------------------------------------------------------


@transaction.atomic
def update_policy(*, policy: RetentionPolicy, data: dict[str, int], by) -> RetentionPolicy:
    fields = ("beneficiary_months", "registration_months", "audit_log_months")
    before = {f: getattr(policy, f) for f in fields}
    for name in fields:
        setattr(policy, name, data[name])
    policy.full_clean()
    policy.updated_at = clock.now()
    policy.updated_by = by
    policy.save()
    changed = [f"{f} {before[f]} → {getattr(policy, f)}" for f in fields if before[f] != data[f]]
    audit.record(
        actor=by,
        obj=policy,
        action="privacy.policy_changed",
        description="Durées de conservation modifiées : "
        + (", ".join(changed) or "aucun changement")
        + ".",
        territory_id=policy.territory_id,
    )
    return policy


# --- Rights of the person ---------------------------------------------------------------------


def _territory_of(person: PersonFile) -> int | None:
    for b in person.beneficiaries:
        return b.territory_id
    for r in person.registrations:
        return r.session.workshop.territory_id
    return None


def _log_person(person: PersonFile, *, by, action: str, what: str) -> None:
    """One line per row of the person (never a name: ids and references only)."""
    territory_id = _territory_of(person)
    audit.record_many(
        actor=by,
        objs=person.all_rows,
        action=action,
        description=f"{what} ({person.reference}) par {by}.",
        territory_id=territory_id,
    )


def record_search(*, by, result: selectors.SearchResult, policy: RetentionPolicy) -> None:
    """A search is an access to every record it shows; the search itself is logged on
    the policy (without the words typed: they are a name)."""
    audit.record(
        actor=by,
        obj=policy,
        action="privacy.search",
        description=f"Recherche d'une personne (droits) par {by} : {result.count} résultat(s).",
        territory_id=policy.territory_id,
    )
    audit.record_many(
        actor=by,
        objs=[*result.beneficiaries, *result.registrations],
        action="privacy.search",
        description=f"Fiche montrée dans une recherche (droits) par {by}.",
        territory_id=policy.territory_id,
    )


def record_view(*, person: PersonFile, by) -> None:
    _log_person(person, by=by, action="privacy.viewed", what="Dossier consulté")


def export_person(*, person: PersonFile, by, fmt: str = "json") -> bytes:
    """Everything found about the person, as JSON or as a readable PDF. Logged."""
    selectors.person_file(person)
    if fmt == "json":
        content = json.dumps(
            person_data(person), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
        ).encode("utf-8")
    elif fmt == "pdf":
        html = render_to_string(
            "privacy/person_pdf.html",
            {
                "person": person,
                "generated_at": clock.now(),
                # The file is of the staff member's territory (their scope).
                "letterhead": letterhead_html(getattr(by, "territory_id", None)),
            },
        )
        content = pdf.weasyprint().HTML(string=html).write_pdf()
    else:
        raise ValueError(f"Format inconnu : {fmt}")
    _log_person(person, by=by, action="privacy.exported", what=f"Données exportées ({fmt.upper()})")
    return content


def _paris(value: dt.datetime | None) -> str | None:
    return clock.paris(value).isoformat() if value else None


def person_data(person: PersonFile) -> dict:
    """The export: every field held about the person, in plain keys."""
    return {
        "genere_le": _paris(clock.now()),
        "personnes": [
            {
                "id": b.pk,
                "prenom": b.first_name,
                "nom": b.last_name,
                "telephone": b.phone,
                "email": b.email,
                "sans_telephone_ni_email": b.no_phone,
                "prevenir_par_email": b.notify_email,
                "prevenir_par_sms": b.notify_sms,
                "commune_insee": b.residence_insee,
                "annee_de_naissance": b.birth_year,
                "cree_le": _paris(b.created_at),
            }
            for b in person.beneficiaries
        ],
        "rendez_vous": [
            {
                "reference": a.reference,
                "personne_id": a.beneficiary_id,
                "debut": _paris(a.start),
                "fin": _paris(a.end),
                "commune": a.permanence.commune.name,
                "lieu": a.permanence.venue.name,
                "conseiller": str(a.permanence.adviser),
                "etat": a.get_status_display(),
                "pris": a.get_channel_display(),
                "motifs": [t.get_thematique_display() for t in a.topics.all()],
                "pris_le": _paris(a.created_at),
            }
            for a in person.appointments
        ],
        "inscriptions": [
            {
                "reference": r.reference,
                "atelier": r.session.workshop.title,
                "debut": _paris(r.session.start),
                "lieu": r.session.venue.name,
                "commune": r.session.venue.commune.name,
                "prenom": r.first_name,
                "nom": r.last_name,
                "telephone": r.phone,
                "email": r.email,
                "commune_insee": r.commune_insee,
                "carte_de_mediatheque": r.library_card,
                "droit": r.get_eligibility_basis_display(),
                "etat": r.get_status_display(),
                "inscrit_le": _paris(r.created_at),
            }
            for r in person.registrations
        ],
        "messages": [
            {
                "canal": m.get_channel_display(),
                "destinataire": m.recipient,
                "objet": m.subject,
                "texte": m.body,
                "etat": m.get_status_display(),
                "cree_le": _paris(m.created_at),
                "envoye_le": _paris(m.sent_at),
            }
            for m in person.messages
        ],
        "comptes_rendus": [
            {
                "date": r.date.isoformat(),
                "type": r.get_kind_display(),
                "duree_minutes": r.duration_minutes,
                "thematiques": [t.get_thematique_display() for t in r.thematiques.all()],
                "notes": r.notes,
            }
            for r in person.activity_records
        ],
        "journal": [
            {
                "date": _paris(e.created_at),
                "par": str(e.actor) if e.actor else "En ligne ou automatique",
                "action": e.action,
                "detail": e.description,
            }
            for e in person.audit_entries
        ],
    }


BENEFICIARY_FIELDS = (
    "first_name", "last_name", "phone", "email", "no_phone", "notify_email", "notify_sms",
    "residence_insee", "birth_year",
)  # fmt: skip
REGISTRATION_FIELDS = (
    "first_name", "last_name", "phone", "email", "notify_email", "notify_sms",
    "commune_insee", "library_card",
)  # fmt: skip


@transaction.atomic
def correct_person(*, obj: Beneficiary | Registration, data: dict, by) -> list[str]:
    """Correct a person's record (right to rectification). Returns the labels of the
    fields changed; the audit log names the fields, never their values."""
    fields = BENEFICIARY_FIELDS if isinstance(obj, Beneficiary) else REGISTRATION_FIELDS
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    changed = [name for name in fields if name in data and getattr(locked, name) != data[name]]
    for name in changed:
        setattr(locked, name, data[name])
    if changed:
        locked.full_clean(exclude=["territory", "session", "token_hash", "reference"])
        update = [*changed, "updated_at"] if isinstance(locked, Registration) else changed
        locked.save(update_fields=sorted(set(update)))
    labels = [
        str(getattr(type(obj)._meta.get_field(name), "verbose_name", name)) for name in changed
    ]
    if isinstance(locked, Beneficiary):
        ref, territory_id = f"personne n°{locked.pk}", locked.territory_id
    else:
        ref = f"inscription {locked.reference}"
        territory_id = locked.session.workshop.territory_id
    audit.record(
        actor=by,
        obj=locked,
        action="privacy.corrected",
        description=f"Données corrigées ({ref}) par {by} : "
        + (", ".join(labels) if labels else "aucun changement")
        + ".",
        territory_id=territory_id,
    )
    for name in fields:
        setattr(obj, name, getattr(locked, name))
    return labels


def erase_blockers(person: PersonFile, now: dt.datetime) -> list[str]:
    """What must be cancelled first: an upcoming appointment or registration (the person
    would be expected, and would not be told of a change)."""
    refs = [
        f"rendez-vous {a.reference}"
        for a in Appointment.objects.filter(
            beneficiary_id__in=person.beneficiary_ids, status__in=ACTIVE_STATUSES, end__gt=now
        ).order_by("start")
    ]
    refs += [
        f"inscription {r.reference}"
        for r in Registration.objects.filter(
            pk__in=person.registration_ids,
            status__in=ACTIVE_REGISTRATION_STATUSES,
            session__end__gt=now,
        ).order_by("pk")
    ]
    return refs


@transaction.atomic
def erase_person(*, person: PersonFile, by) -> dict[str, int]:
    """Right to erasure: anonymise the person's rows and everything that named them,
    keeping what the statistics count. Refused while something is still to come."""
    blockers = erase_blockers(person, clock.now())
    if blockers:
        raise ValidationError(
            "Annulez d'abord ce qui est encore prévu pour cette personne : "
            + ", ".join(blockers)
            + "."
        )
    counts: dict[str, int] = {}
    _add(counts, anonymise_beneficiaries(person.beneficiary_ids))
    _add(counts, anonymise_registrations(person.registration_ids))
    counts = {k: v for k, v in counts.items() if v}
    _log_person(
        person,
        by=by,
        action="privacy.erased",
        what="Données effacées à la demande de la personne",
    )
    return counts
