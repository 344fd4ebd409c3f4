"""Pages of the conventions: list, one agreement, its actions and its documents.

Thin views: role (403), load through ``visible_to`` (404), form, service, redirect or
render. The Service Culture acts; the coordination reads; a commune's referents read their
commune's agreement and record the evidence of its commitments (article 4).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cadran.core import clock
from cadran.core.models import AuditLog
from cadran.scheduling.forms import apply_service_errors

from . import rules, selectors, services
from .documents import (
    DocumentIncomplete,
    agreement_document,
    amendment_document,
    missing_fields,
)
from .enums import DocumentFormat, Party
from .forms import (
    AgreementCreateForm,
    AmendmentForm,
    ObligationForm,
    RenewForm,
    SignForm,
    TerminateForm,
    TransmissionForm,
)
from .models import Agreement, Amendment, Obligation, Transmission
from .notifications import appointments_after
from .sweepers import renewal_notice_months_of

AUDIT_LIMIT = 50


def agreements_view(roles):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not selectors.has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def _visible(request, pk: int) -> Agreement:
    return get_object_or_404(
        Agreement.objects.visible_to(request.user).select_related("territory", "commune"), pk=pk
    )


def _managed(request, pk: int) -> Agreement:
    agreement = _visible(request, pk)
    if not selectors.can_manage(request.user, agreement):
        raise PermissionDenied
    return agreement


def _detail_url(agreement: Agreement) -> str:
    return reverse("agreements:detail", kwargs={"pk": agreement.pk})


@agreements_view(selectors.VIEW_ROLES)
def agreement_list(request):
    rows = selectors.agreement_rows(
        request.user, months_before=renewal_notice_months_of(request.user.territory_id)
    )
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "rows": rows,
            "can_create": selectors.has_role(request.user, selectors.MANAGE_ROLES),
            "today": clock.today(),
        },
    )


@agreements_view(selectors.MANAGE_ROLES)
def agreement_create(request):
    form = AgreementCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deliberation = (
            (data["deliberation_number"], data["deliberation_date"])
            if data.get("deliberation_number")
            else None
        )
        try:
            agreement = services.create_agreement(
                commune=data["commune"],
                by=request.user,
                commune_signatory_name=data["commune_signatory_name"],
                commune_signatory_title=data["commune_signatory_title"],
                start_date=data.get("start_date"),
                cap_date=data.get("cap_date"),
                term_months=data.get("term_months"),
                max_renewals=data.get("max_renewals"),
                notice_months=data.get("notice_months"),
                commune_deliberation=deliberation,
                permanence=data.get("permanence"),
                advisers=data.get("advisers") or [],
                commune_referents=form.referents("commune_referents"),
                territory_signatory_name=data.get("territory_signatory_name", ""),
                territory_referents=form.referents("territory_referents"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"La convention avec {agreement.commune.name} est préparée.")
            return redirect(_detail_url(agreement))
    return render(
        request,
        "agreements/action_form.html",
        {
            "form": form,
            "title": "Préparer une convention",
            "intro": (
                "Les dates et les règles proposées sont celles de votre communauté de "
                "communes (Administration → Règles des conventions). Ses délibérations sont "
                "reprises de la dernière convention. Vous pourrez compléter le reste dans "
                "l'administration."
            ),
            "submit": "Préparer la convention",
            "back": reverse("agreements:list"),
        },
    )


@agreements_view(selectors.VIEW_ROLES)
def agreement_detail(request, pk: int):
    try:
        agreement = selectors.agreement_for_page(request.user, pk)
    except Agreement.DoesNotExist as exc:
        raise Http404 from exc
    today = clock.today()
    state = agreement.state(today)
    facts = agreement.facts()
    terms = facts.terms
    granted = len(
        rules.granted_periods(agreement.start_date, agreement.cap_date, facts.renewals, terms)
    )
    renewals = {r.number + 1: r for r in agreement.renewals.all()}
    periods = [
        {
            "period": p,
            "granted": p.number <= granted and agreement.signed_on is not None,
            "renewal": renewals.get(p.number),
            "current": state.period is not None
            and state.period.number == p.number
            and state.in_force,
        }
        for p in rules.possible_periods(agreement.start_date, agreement.cap_date, terms)
    ]
    can_manage = selectors.can_manage(request.user, agreement)
    can_evidence = selectors.can_record_evidence(request.user, agreement)
    obligations = [
        (o, ObligationForm(obligation=o) if can_evidence else None)
        for o in agreement.obligations.all()
    ]
    termination = agreement.termination_or_none
    ctx = {
        "agreement": agreement,
        "state": state,
        "periods": periods,
        "max_periods": terms.max_periods,
        "terms": terms,
        "duration_label": rules.duration_label(terms.term_months),
        "renewals_phrase": rules.renewals_phrase(terms.max_renewals),
        "notice_label": rules.months_label(terms.notice_months),
        "rules_follow_territory": agreement.signed_on is None,
        "missing": missing_fields(agreement),
        "termination": termination,
        "obligations": obligations,
        "can_manage": can_manage,
        "can_evidence": can_evidence,
        "can_renew": can_manage and not rules.renewal_refusal(facts, today),
        "can_terminate": can_manage and state.in_force and termination is None,
        "can_amend": can_manage and not rules.amendment_refusal(facts, today),
        "can_sign": can_manage and agreement.signed_on is None,
        "territory_referents": [r for r in agreement.referents.all() if r.party == Party.TERRITORY],
        "commune_referents": [r for r in agreement.referents.all() if r.party == Party.COMMUNE],
        "formats": DocumentFormat,
        "audit": list(
            AuditLog.objects.visible_to(request.user)
            .for_object(agreement)
            .select_related("actor")[:AUDIT_LIMIT]
        ),
        "show_audit": request.user.manages_territory,
    }
    if termination is not None and request.user.manages_territory:
        ctx["after_end_count"] = appointments_after(
            agreement.commune, termination.effective_on
        ).count()
    return render(request, "agreements/agreement_detail.html", ctx)


def _action(
    request, agreement: Agreement, form, *, title: str, intro: str, submit: str, extra=None
):
    return render(
        request,
        "agreements/action_form.html",
        {
            "agreement": agreement,
            "form": form,
            "title": title,
            "intro": intro,
            "submit": submit,
            "back": _detail_url(agreement),
            **(extra or {}),
        },
    )


@agreements_view(selectors.MANAGE_ROLES)
def agreement_sign(request, pk: int):
    agreement = _managed(request, pk)
    form = SignForm(request.POST or None, initial={"signed_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_agreement(
                agreement=agreement,
                signed_on=form.cleaned_data["signed_on"],
                place=form.cleaned_data["place"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "La signature est enregistrée.")
            return redirect(_detail_url(agreement))
    return _action(
        request,
        agreement,
        form,
        title=f"Signature de la convention avec {agreement.commune.name}",
        intro="Quand le maire et le président ont tous les deux signé.",
        submit="Enregistrer la signature",
    )


@agreements_view(selectors.MANAGE_ROLES)
def agreement_renew(request, pk: int):
    agreement = _managed(request, pk)
    terms = agreement.terms()
    form = RenewForm(request.POST or None, initial={"decided_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            renewal = services.renew_agreement(
                agreement=agreement, decided_on=form.cleaned_data["decided_on"], by=request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"La convention est reconduite du {renewal.period_start:%d/%m/%Y} au "
                f"{renewal.period_end:%d/%m/%Y}.",
            )
            return redirect(_detail_url(agreement))
    return _action(
        request,
        agreement,
        form,
        title=f"Reconduire la convention avec {agreement.commune.name}",
        intro=(
            f"{rules.duration_label(terms.term_months).capitalize()} de plus. La convention "
            f"est {rules.renewals_phrase(terms.max_renewals)}, et jamais au-delà du "
            f"{agreement.cap_date:%d/%m/%Y}."
        ),
        submit=f"Reconduire pour {rules.duration_label(terms.term_months)}",
    )


@agreements_view(selectors.MANAGE_ROLES)
def amendment_add(request, pk: int):
    agreement = _managed(request, pk)
    form = AmendmentForm(request.POST or None, initial={"adopted_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.add_amendment(
                agreement=agreement, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"L'avenant n°{amendment.number} est enregistré.")
            return redirect(_detail_url(agreement))
    return _action(
        request,
        agreement,
        form,
        title=f"Ajouter un avenant à la convention avec {agreement.commune.name}",
        intro="Un avenant est adopté par les deux parties (article 6). Il reçoit le numéro suivant.",
        submit="Enregistrer l'avenant",
    )


@agreements_view(selectors.MANAGE_ROLES)
def agreement_terminate(request, pk: int):
    agreement = _managed(request, pk)
    notice = agreement.terms().notice_months
    today = clock.today()
    form = TerminateForm(request.POST or None, initial={"requested_on": today}, notice=notice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            termination = services.terminate_agreement(
                agreement=agreement,
                requested_by=data["requested_by"],
                on=data["requested_on"],
                effective_on=data.get("effective_on"),
                reason=data.get("reason", ""),
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"La résiliation est enregistrée : le dernier jour de la convention est le "
                f"{termination.effective_on:%d/%m/%Y}.",
            )
            return redirect(_detail_url(agreement))
    requested_on = (
        form.cleaned_data.get("requested_on") if form.is_bound and form.is_valid() else today
    )
    return _action(
        request,
        agreement,
        form,
        title=f"Résilier la convention avec {agreement.commune.name}",
        intro=(
            "Chaque partie peut demander la résiliation, avec un préavis "
            f"{rules.months_phrase(notice)}. Les personnes qui ont un rendez-vous après le "
            "dernier jour seront prévenues."
        ),
        submit="Enregistrer la résiliation",
        extra={
            "computed": (
                f"Pour une demande reçue le {requested_on:%d/%m/%Y}, le dernier jour sera au "
                f"plus tôt le {rules.earliest_effective_date(requested_on, notice):%d/%m/%Y}."
            )
        },
    )


@agreements_view(selectors.EVIDENCE_ROLES)
def obligation_update(request, pk: int, obligation_pk: int):
    agreement = _visible(request, pk)
    if not selectors.can_record_evidence(request.user, agreement):
        raise PermissionDenied
    obligation = get_object_or_404(
        Obligation.objects.select_related("agreement"), pk=obligation_pk, agreement=agreement
    )
    form = ObligationForm(request.POST or None, obligation=obligation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_obligation(obligation=obligation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "L'engagement est mis à jour.")
            return redirect(_detail_url(agreement) + "#engagements")
    return _action(
        request,
        agreement,
        form,
        title="Mettre à jour un engagement de la commune",
        intro=obligation.get_kind_display() + " (article 4).",
        submit="Enregistrer",
    )


@agreements_view(selectors.MANAGE_ROLES)
def transmission_update(request, pk: int, transmission_pk: int):
    agreement = _managed(request, pk)
    transmission = get_object_or_404(
        Transmission.objects.select_related("agreement"), pk=transmission_pk, agreement=agreement
    )
    form = TransmissionForm(request.POST or None, transmission=transmission)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_transmission(
                transmission=transmission, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "L'envoi est enregistré.")
            return redirect(_detail_url(agreement) + "#transmissions")
    return _action(
        request,
        agreement,
        form,
        title=f"Transmission : {transmission.get_recipient_display()}",
        intro="Article 8 : la convention signée est transmise à ce destinataire.",
        submit="Enregistrer l'envoi",
    )


def _check_format(fmt: str) -> None:
    if fmt not in DocumentFormat.values:
        raise Http404


def _download(document) -> HttpResponse:
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


def _refused(request, agreement: Agreement, exc: DocumentIncomplete):
    """No document with a blank: back to the page, which lists what to fill in (links)."""
    messages.error(request, exc.message)
    return redirect(_detail_url(agreement) + "#titre-documents")


@agreements_view(selectors.VIEW_ROLES)
def agreement_download(request, pk: int, fmt: str):
    _check_format(fmt)
    agreement = _visible(request, pk)
    try:
        return _download(agreement_document(agreement, fmt))
    except DocumentIncomplete as exc:
        return _refused(request, agreement, exc)


@agreements_view(selectors.VIEW_ROLES)
def amendment_download(request, pk: int, amendment_pk: int, fmt: str):
    _check_format(fmt)
    agreement = _visible(request, pk)
    amendment = get_object_or_404(Amendment, pk=amendment_pk, agreement=agreement)
    try:
        return _download(amendment_document(amendment, fmt))
    except DocumentIncomplete as exc:
        return _refused(request, agreement, exc)
