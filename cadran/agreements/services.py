"""Every write about agreements: create, sign, renew, amend, terminate, obligations, article 8.

One keyword-only function per business action, atomic, audited; a refusal raises
``ValidationError`` with a French message shown as is. The date rules themselves are the
pure functions of ``rules.py``; these functions lock the agreement, gather its facts, ask
the rules, and write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from cadran.core import audit, clock
from cadran.scheduling.services import align_permanences_with_agreement

from . import rules
from .documents import NEUTRAL_FILES, check_template_body, neutral_template_body
from .enums import (
    DeliberationPurpose,
    ObligationKind,
    ObligationStatus,
    Party,
    TemplateKind,
    TransmissionRecipient,
)
from .models import (
    Agreement,
    AgreementRules,
    AgreementTemplate,
    Amendment,
    Deliberation,
    Obligation,
    Referent,
    Renewal,
    Termination,
    Transmission,
    rules_of,
)
from .notifications import notify_people_after_end
from .selectors import can_manage, can_manage_territory, can_record_evidence

NOT_ALLOWED = "Seul le Service Culture de la communauté de communes peut faire cela."
TERRITORY_PURPOSES = (
    DeliberationPurpose.TERRITORY_AUTHORISATION,
    DeliberationPurpose.NETWORK_SERVICE,
    DeliberationPurpose.ADVISER_POSTS,
)


def _check_manager(by, agreement: Agreement) -> None:
    if by is None or not can_manage(by, agreement):
        raise PermissionDenied(NOT_ALLOWED)


def _not_in_future(day: dt.date, what: str) -> None:
    if day > clock.today():
        raise ValidationError(f"{what} ne peut pas être dans le futur.")


def _locked(agreement: Agreement) -> Agreement:
    """The agreement row locked for the transaction, with its state data fresh."""
    list(Agreement.objects.select_for_update().filter(pk=agreement.pk).values_list("pk"))
    return (
        Agreement.objects.with_state_data()
        .select_related("territory", "commune")
        .get(pk=agreement.pk)
    )


def _align(agreement: Agreement, *, previous_end: dt.date | None, by) -> None:
    ends_on = agreement.state().ends_on
    if ends_on is not None:
        align_permanences_with_agreement(
            commune=agreement.commune, ends_on=ends_on, previous_end=previous_end, by=by
        )


# --- Templates ---------------------------------------------------------------------------


def current_template(territory, kind: str) -> AgreementTemplate:
    """The newest version of the territory's document template; version 1 from the neutral
    text of the code when the territory has none yet."""
    template = AgreementTemplate.objects.latest_version(territory, kind)
    if template is not None:
        return template
    template, _ = AgreementTemplate.objects.get_or_create(
        territory=territory,
        kind=kind,
        version=1,
        defaults={
            "name": NEUTRAL_FILES[TemplateKind(kind)][1],
            "body": neutral_template_body(kind),
            "notes": "Texte neutre de Cadran, à adapter.",
        },
    )
    return template


@transaction.atomic
def publish_template(
    *, territory, kind: str, body: str, notes: str, by, name: str = ""
) -> AgreementTemplate:
    """A new version of a territory's document template (its Service Culture, or the
    superuser). Agreements keep the version they were made with."""
    if by is None or not can_manage_territory(by, territory):
        raise PermissionDenied(NOT_ALLOWED)
    if kind not in TemplateKind.values:
        raise ValidationError({"kind": ["Choisissez le type de document."]})
    error = check_template_body(body)
    if error:
        raise ValidationError({"body": [error]})
    # Lock the territory's versions of this kind (the row of the newest), then number.
    list(AgreementTemplate.objects.select_for_update().of(territory, kind).values_list("pk"))
    latest = AgreementTemplate.objects.of(territory, kind).aggregate(v=Max("version"))["v"]
    previous = AgreementTemplate.objects.latest_version(territory, kind)
    template = AgreementTemplate.objects.create(
        territory=territory,
        kind=kind,
        version=(latest or 0) + 1,
        name=(name.strip() or (previous.name if previous else NEUTRAL_FILES[kind][1]))[:200],
        body=body,
        notes=notes[:500],
        created_by=by,
    )
    audit.record(
        actor=by,
        obj=template,
        action="agreement_template.published",
        description=f"Nouvelle version du modèle : {template} ({territory.short_name}).",
        territory_id=territory.pk,
    )
    return template


@transaction.atomic
def save_rules(*, territory, by, **values) -> AgreementRules:
    """Set a territory's rules (its Service Culture, or the superuser). The drafts follow;
    the signed agreements keep the rules they were signed with."""
    if by is None or not can_manage_territory(by, territory):
        raise PermissionDenied(NOT_ALLOWED)
    found = rules_of(territory)
    for name, value in values.items():
        setattr(found, name, value)
    found.territory = territory
    found.full_clean()
    found.save()
    audit.record(
        actor=by,
        obj=found,
        action="agreement_rules.saved",
        description=f"Règles des conventions : {found.terms()}.",
        territory_id=territory.pk,
    )
    return found


# --- Create and sign ---------------------------------------------------------------------


@transaction.atomic
def create_agreement(
    *,
    commune,
    by,
    commune_signatory_name: str,
    commune_signatory_title: str = "Maire",
    start_date: dt.date | None = None,
    cap_date: dt.date | None = None,
    commune_deliberation: tuple[str, dt.date] | None = None,
    permanence=None,
    advisers: Iterable = (),
    commune_referents: Sequence[tuple[str, str]] = (),
    copy_from: Agreement | None = None,
    term_months: int | None = None,
    max_renewals: int | None = None,
    notice_months: int | None = None,
    territory_signatory_name: str = "",
    territory_referents: Sequence[tuple[str, str]] = (),
) -> Agreement:
    """A draft convention for a commune. What belongs to the territory (its signatory, its
    deliberations, its referent) is copied from ``copy_from``, by default the territory's
    latest agreement: a commune joining tomorrow only brings its own facts. The dates and
    rules come from the territory's ``AgreementRules`` unless given; a rule equal to the
    territory's is not stored (the agreement follows the territory until it is signed)."""
    territory = commune.territory
    territory_rules = rules_of(territory)
    probe = Agreement(territory=territory, commune=commune)
    _check_manager(by, probe)
    if copy_from is None:
        copy_from = (
            Agreement.objects.filter(territory=territory).order_by("-created_at", "-pk").first()
        )
    if permanence is not None and permanence.commune_id != commune.pk:
        raise ValidationError({"permanence": ["Cette permanence est celle d'une autre commune."]})
    base_terms = territory_rules.terms()
    overrides = {
        "term_months": term_months if term_months != base_terms.term_months else None,
        "max_renewals": max_renewals if max_renewals != base_terms.max_renewals else None,
        "notice_months": notice_months if notice_months != base_terms.notice_months else None,
    }
    agreement = Agreement(
        territory=territory,
        commune=commune,
        commune_signatory_name=commune_signatory_name.strip(),
        commune_signatory_title=commune_signatory_title.strip() or "Maire",
        permanence=permanence,
        template=current_template(territory, TemplateKind.AGREEMENT),
        created_by=by,
        **overrides,
    )
    try:
        terms = agreement.terms()
    except ValueError as exc:
        raise ValidationError("Ces règles sont impossibles (durée d'au moins un mois).") from exc
    agreement.start_date = start_date or territory_rules.start_for_new(clock.today())
    agreement.cap_date = cap_date or territory_rules.cap_for(agreement.start_date, terms)
    if copy_from is not None:
        agreement.territory_signatory_name = copy_from.territory_signatory_name
        agreement.territory_signatory_title = copy_from.territory_signatory_title
        agreement.territory_signatory_civility = copy_from.territory_signatory_civility
        agreement.copies = copy_from.copies
    if territory_signatory_name.strip():
        agreement.territory_signatory_name = territory_signatory_name.strip()
    if agreement.cap_date <= agreement.start_date:
        raise ValidationError({"cap_date": ["La limite doit être après le début."]})
    if Agreement.objects.filter(commune=commune, start_date=agreement.start_date).exists():
        raise ValidationError(
            {"commune": ["Cette commune a déjà une convention qui commence à cette date."]}
        )
    agreement.save()
    if copy_from is not None:
        for old in copy_from.deliberations.filter(purpose__in=TERRITORY_PURPOSES):
            new = Deliberation.objects.create(
                agreement=agreement,
                body=old.body,
                purpose=old.purpose,
                number=old.number,
                date=old.date,
                subject=old.subject,
            )
            if copy_from.cap_deliberation_id == old.pk:
                agreement.cap_deliberation = new
                agreement.save(update_fields=["cap_deliberation"])
        if not territory_referents:
            territory_referents = [
                (r.names, r.role) for r in copy_from.referents.filter(party=Party.TERRITORY)
            ]
    for position, (names, role) in enumerate(territory_referents):
        Referent.objects.create(
            agreement=agreement, party=Party.TERRITORY, names=names, role=role, position=position
        )
    if (
        cap_date is None
        and agreement.cap_deliberation_id is None
        and territory_rules.has_cap_deliberation
    ):
        agreement.cap_deliberation = Deliberation.objects.create(
            agreement=agreement,
            body=territory_rules.cap_deliberation_body,
            purpose=DeliberationPurpose.ADVISER_POSTS,
            number=territory_rules.cap_deliberation_number,
            date=territory_rules.cap_deliberation_date,
            subject=territory_rules.cap_deliberation_subject,
        )
        agreement.save(update_fields=["cap_deliberation"])
    if commune_deliberation is not None:
        number, date = commune_deliberation
        Deliberation.objects.create(
            agreement=agreement,
            body="municipal",
            purpose=DeliberationPurpose.COMMUNE_AUTHORISATION,
            number=number,
            date=date,
        )
    for position, (names, role) in enumerate(commune_referents):
        Referent.objects.create(
            agreement=agreement, party=Party.COMMUNE, names=names, role=role, position=position
        )
    agreement.advisers.set(list(advisers))
    Obligation.objects.bulk_create(
        Obligation(agreement=agreement, kind=kind) for kind in ObligationKind.values
    )
    Transmission.objects.bulk_create(
        Transmission(agreement=agreement, recipient=r) for r in TransmissionRecipient.values
    )
    audit.record(
        actor=by,
        obj=agreement,
        action="agreement.created",
        description=f"Convention avec {commune.name} préparée (début {agreement.start_date:%d/%m/%Y}).",
        territory_id=territory.pk,
    )
    return agreement


@transaction.atomic
def sign_agreement(*, agreement: Agreement, signed_on: dt.date, place: str, by) -> Agreement:
    """Both parties signed: the agreement becomes « signée », then « en vigueur »."""
    _check_manager(by, agreement)
    agreement = _locked(agreement)
    if agreement.signed_on is not None:
        raise ValidationError("Cette convention est déjà signée.")
    _not_in_future(signed_on, "La date de signature")
    if signed_on > agreement.cap_date:
        raise ValidationError(
            {
                "signed_on": [
                    "La limite de la convention est déjà passée : elle ne peut plus être signée."
                ]
            }
        )
    if not place.strip():
        raise ValidationError({"place": ["Indiquez le lieu de la signature."]})
    # A signed convention keeps the rules it was signed with, whatever the territory
    # decides later: the rules still empty are filled from the territory's.
    terms = agreement.terms()
    agreement.term_months = terms.term_months
    agreement.max_renewals = terms.max_renewals
    agreement.notice_months = terms.notice_months
    agreement.signed_on = signed_on
    agreement.signed_place = place.strip()
    agreement.save(
        update_fields=[
            "signed_on",
            "signed_place",
            "term_months",
            "max_renewals",
            "notice_months",
        ]
    )
    audit.record(
        actor=by,
        obj=agreement,
        action="agreement.signed",
        description=f"Convention avec {agreement.commune.name} signée le {signed_on:%d/%m/%Y} à {agreement.signed_place}.",
        territory_id=agreement.territory_id,
    )
    _align(agreement, previous_end=None, by=by)
    return agreement


# --- Articles 5 and 6 --------------------------------------------------------------------


@transaction.atomic
def renew_agreement(*, agreement: Agreement, decided_on: dt.date, by) -> Renewal:
    """One more period (as many as the rules allow, never past the limit), decided before
    the current end."""
    _check_manager(by, agreement)
    agreement = _locked(agreement)
    _not_in_future(decided_on, "La date de la décision")
    facts = agreement.facts()
    refusal = rules.renewal_refusal(facts, decided_on)
    if refusal:
        raise ValidationError(refusal)
    previous_end = agreement.state().ends_on
    number = facts.renewals + 1
    new_period = rules.period(agreement.start_date, agreement.cap_date, number + 1, facts.terms)
    assert new_period is not None  # renewal_refusal checked it
    renewal = Renewal.objects.create(
        agreement=agreement,
        number=number,
        decided_on=decided_on,
        period_start=new_period.start,
        period_end=new_period.end,
        created_by=by,
    )
    audit.record(
        actor=by,
        obj=agreement,
        action="agreement.renewed",
        description=(
            f"Convention avec {agreement.commune.name} reconduite (n°{number}) du "
            f"{new_period.start:%d/%m/%Y} au {new_period.end:%d/%m/%Y}."
        ),
        territory_id=agreement.territory_id,
    )
    agreement.renewal_count = number  # type: ignore[attr-defined]  # with_state_data()
    _align(agreement, previous_end=previous_end, by=by)
    return renewal


@transaction.atomic
def add_amendment(
    *, agreement: Agreement, adopted_on: dt.date, title: str, text: str, by
) -> Amendment:
    """An avenant adopted by both parties: numbered in the agreement, with its date and text."""
    _check_manager(by, agreement)
    agreement = _locked(agreement)
    _not_in_future(adopted_on, "La date d'adoption")
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Indiquez l'objet de l'avenant."]
    if not text.strip():
        errors["text"] = ["Écrivez le texte de l'avenant."]
    if errors:
        raise ValidationError(errors)
    refusal = rules.amendment_refusal(agreement.facts(), adopted_on)
    if refusal:
        raise ValidationError(refusal)
    last = agreement.amendments.aggregate(n=Max("number"))["n"] or 0
    amendment = Amendment.objects.create(
        agreement=agreement,
        number=last + 1,
        adopted_on=adopted_on,
        title=title.strip()[:200],
        text=text.strip(),
        template=current_template(agreement.territory, TemplateKind.AMENDMENT),
        created_by=by,
    )
    audit.record(
        actor=by,
        obj=agreement,
        action="agreement.amended",
        description=f"Avenant n°{amendment.number} adopté le {adopted_on:%d/%m/%Y} : {amendment.title}.",
        territory_id=agreement.territory_id,
    )
    return amendment


@transaction.atomic
def terminate_agreement(
    *,
    agreement: Agreement,
    requested_by: str,
    on: dt.date,
    by,
    effective_on: dt.date | None = None,
    reason: str = "",
) -> Termination:
    """Record a termination asked by one party on ``on``. The last day is the notice of the
    agreement's rules later at the earliest (``effective_on`` may be later, never earlier).
    The commune's permanences stop then, and the people booked after that day are told."""
    _check_manager(by, agreement)
    agreement = _locked(agreement)
    if requested_by not in Party.values:
        raise ValidationError({"requested_by": ["Indiquez qui demande la résiliation."]})
    _not_in_future(on, "La date de la demande")
    facts = agreement.facts()
    effective_on = effective_on or rules.earliest_effective_date(on, facts.terms.notice_months)
    refusal = rules.termination_refusal(facts, on, effective_on)
    if refusal:
        raise ValidationError(refusal)
    previous_end = agreement.state().ends_on
    termination = Termination.objects.create(
        agreement=agreement,
        requested_by=requested_by,
        requested_on=on,
        effective_on=effective_on,
        reason=reason.strip(),
        created_by=by,
    )
    agreement.termination = termination
    audit.record(
        actor=by,
        obj=agreement,
        action="agreement.terminated",
        description=(
            f"Résiliation demandée par {Party(requested_by).label.lower()} le {on:%d/%m/%Y} : "
            f"la convention avec {agreement.commune.name} prend fin le {effective_on:%d/%m/%Y}."
        ),
        territory_id=agreement.territory_id,
    )
    _align(agreement, previous_end=previous_end, by=by)
    notify_people_after_end(agreement=agreement, last_day=effective_on)
    return termination


# --- Article 4 and article 8 ---------------------------------------------------------------


@transaction.atomic
def update_obligation(
    *, obligation: Obligation, status: str, evidence: str, checked_on: dt.date | None, by
) -> Obligation:
    """Record how a commitment of article 4 is met, with what proves it."""
    agreement = obligation.agreement
    if by is None or not can_record_evidence(by, agreement):
        raise PermissionDenied(
            "Seuls le Service Culture et les référents de la commune peuvent faire cela."
        )
    if status not in ObligationStatus.values:
        raise ValidationError({"status": ["Choisissez un état."]})
    checked_on = checked_on or clock.today()
    _not_in_future(checked_on, "La date de vérification")
    if status in (ObligationStatus.MET, ObligationStatus.PARTLY) and not evidence.strip():
        raise ValidationError(
            {"evidence": ["Dites ce qui le montre (une photo, une visite, un document…)."]}
        )
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    obligation.status = status
    obligation.evidence = evidence.strip()
    obligation.checked_on = checked_on
    obligation.checked_by = by
    obligation.save(update_fields=["status", "evidence", "checked_on", "checked_by"])
    audit.record(
        actor=by,
        obj=agreement,
        action="agreement.obligation",
        description=f"Engagement « {obligation.get_kind_display()[:80]} » : {obligation.get_status_display()}.",
        territory_id=agreement.territory_id,
    )
    return obligation


@transaction.atomic
def record_transmission(
    *, transmission: Transmission, sent_on: dt.date, note: str = "", by
) -> Transmission:
    """Article 8: the signed convention was sent to this recipient on that date."""
    agreement = transmission.agreement
    _check_manager(by, agreement)
    if agreement.signed_on is None:
        raise ValidationError("La convention doit d'abord être signée.")
    _not_in_future(sent_on, "La date d'envoi")
    if sent_on < agreement.signed_on:
        raise ValidationError({"sent_on": ["La convention est envoyée après sa signature."]})
    transmission.sent_on = sent_on
    transmission.note = note.strip()[:200]
    transmission.save(update_fields=["sent_on", "note"])
    audit.record(
        actor=by,
        obj=agreement,
        action="agreement.transmitted",
        description=f"Convention transmise à : {transmission.get_recipient_display()} le {sent_on:%d/%m/%Y}.",
        territory_id=agreement.territory_id,
    )
    return transmission
