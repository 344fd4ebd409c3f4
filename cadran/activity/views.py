"""Staff pages of activity records: list, new (free), from an appointment, from a session,
detail, edit, and the Coop export. Advisers: their own records; the Service Culture and
the coordination: the territory's; other roles: 403."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cadran.accounts.enums import Role
from cadran.core import clock
from cadran.core.models import AuditLog
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.forms import apply_service_errors
from cadran.scheduling.models import Appointment
from cadran.workshops.enums import SessionStatus
from cadran.workshops.models import Session

from . import selectors
from .coop_export import build_xlsx
from .enums import TypeActivite
from .forms import ActivityRecordForm, PeriodForm, initial_from_record, participants_of
from .models import ACTIVITY_ROLES, ActivityRecord
from .services import (
    ParticipantData,
    create_activity_record,
    may_edit,
    update_activity_record,
)

PAGE_SIZE = 50


def activity_view(view):
    """Logged in (else the login page), adviser or territory role (else 403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_superuser or user.role in ACTIVITY_ROLES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _render_form(
    request, form, *, title, record=None, appointment=None, session=None, present=(), free=False
):
    return render(
        request,
        "activity/record_form.html",
        {
            "form": form,
            "title": title,
            "record": record,
            "appointment": appointment,
            "session": session,
            "is_collective": form.kind_value == TypeActivite.COLLECTIF,
            "fixed_kind": form.fixed_kind,
            "present": present,
            "free": free,
        },
    )


def _save_new(request, form, *, adviser, appointment=None, session=None):
    try:
        record = create_activity_record(
            data=form.to_data(),
            adviser=adviser,
            by=request.user,
            appointment=appointment,
            session=session,
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    messages.success(request, "Le compte rendu est enregistré. Merci !")
    return redirect("activity:record_detail", pk=record.pk)


@activity_view
def record_list(request):
    period = PeriodForm(request.GET)
    date_from, date_to = period.period()
    records = selectors.records_for(request.user, date_from=date_from, date_to=date_to)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activity/record_list.html",
        {
            "page": page,
            "period": period,
            "query": query.urlencode(),
            "sees_territory": request.user.manages_territory,
            "can_create": request.user.is_adviser,
            "pending_appointments": selectors.pending_appointments(request.user),
            "pending_sessions": selectors.pending_sessions(request.user),
        },
    )


KIND_HELP = {
    TypeActivite.INDIVIDUEL: "Vous avez aidé une personne : au marché, au téléphone, chez elle…",
    TypeActivite.COLLECTIF: "Vous avez animé un atelier pour un groupe.",
}
NEW_RECORD_TITLES = {
    TypeActivite.INDIVIDUEL: "Nouveau compte rendu : accompagnement individuel",
    TypeActivite.COLLECTIF: "Nouveau compte rendu : atelier collectif",
}


@activity_view
def record_new(request):
    """Two steps, without JavaScript: the kind first (a link per kind, ``?type=``), then the
    form with only that kind's fields. A POST may also carry ``kind`` (older clients)."""
    if not request.user.is_adviser:
        raise PermissionDenied
    kind = request.GET.get("type") or request.POST.get("kind") or ""
    if kind not in TypeActivite.values:
        return render(
            request,
            "activity/record_kind.html",
            {
                "kinds": [
                    (label, KIND_HELP[value], f"{reverse('activity:record_new')}?type={value}")
                    for value, label in TypeActivite.choices
                ]
            },
        )
    form = ActivityRecordForm(
        request.POST or None, user=request.user, kind=kind, initial={"date": clock.today()}
    )
    if request.method == "POST" and form.is_valid():
        response = _save_new(request, form, adviser=request.user)
        if response:
            return response
    return _render_form(request, form, title=NEW_RECORD_TITLES[TypeActivite(kind)], free=True)


@activity_view
def from_appointment(request, appointment_id: int):
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.user).with_related(), pk=appointment_id
    )
    existing = ActivityRecord.objects.filter(appointment=appointment).only("pk").first()
    if existing is not None:
        return redirect("activity:record_detail", pk=existing.pk)
    if appointment.status != AppointmentStatus.SEEN:
        messages.error(request, "Notez d'abord que la personne est venue.")
        return redirect("staff:appointment", pk=appointment.pk)
    adviser = request.user if request.user.is_adviser else appointment.permanence.adviser
    form = ActivityRecordForm(
        request.POST or None,
        user=request.user,
        kind=TypeActivite.INDIVIDUEL,
        initial=selectors.initial_for_appointment(appointment),
    )
    if request.method == "POST" and form.is_valid():
        data = form.to_data()
        data.participants[0].beneficiary_id = appointment.beneficiary_id
        try:
            record = create_activity_record(
                data=data, adviser=adviser, by=request.user, appointment=appointment
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Le compte rendu est enregistré. Merci !")
            return redirect("activity:record_detail", pk=record.pk)
    return _render_form(
        request,
        form,
        title=f"Compte rendu du rendez-vous de {appointment.beneficiary}",
        appointment=appointment,
    )


@activity_view
def from_session(request, session_id: int):
    session = get_object_or_404(
        Session.objects.visible_to(request.user).select_related("workshop", "venue__commune"),
        pk=session_id,
    )
    existing = ActivityRecord.objects.filter(session=session).only("pk").first()
    if existing is not None:
        return redirect("activity:record_detail", pk=existing.pk)
    if session.status != SessionStatus.HELD:
        messages.error(request, "Faites d'abord l'appel de la séance.")
        return redirect("activity:record_list")
    if request.user.is_adviser:
        adviser = request.user
    else:
        adviser = session.advisers.order_by("pk").first()
        if adviser is None:
            messages.error(request, "Aucun conseiller n'anime cette séance.")
            return redirect("activity:record_list")
    present = selectors.present_registrations(session)
    known = [ParticipantData(registration_id=r.pk, commune_insee=r.commune_insee) for r in present]
    form = ActivityRecordForm(
        request.POST or None,
        user=request.user,
        kind=TypeActivite.COLLECTIF,
        known_participants=known,
        initial=selectors.initial_for_session(session),
    )
    if request.method == "POST" and form.is_valid():
        response = _save_new(request, form, adviser=adviser, session=session)
        if response:
            return response
    return _render_form(
        request,
        form,
        title=f"Compte rendu de l'atelier « {session.workshop.title} »",
        session=session,
        present=present,
    )


def _scoped_record(request, pk: int) -> ActivityRecord:
    return get_object_or_404(ActivityRecord.objects.visible_to(request.user).with_related(), pk=pk)


@activity_view
def record_detail(request, pk: int):
    record = _scoped_record(request, pk)
    return render(
        request,
        "activity/record_detail.html",
        {
            "record": record,
            "can_edit": may_edit(request.user, record),
            "is_locked": record.is_locked(),
            "history": AuditLog.objects.for_object(record).select_related("actor"),
        },
    )


@activity_view
def record_edit(request, pk: int):
    record = _scoped_record(request, pk)
    if not may_edit(request.user, record):
        messages.error(
            request,
            "Ce compte rendu est verrouillé : le délai pour le modifier est passé. "
            "Demandez à la coordination de le corriger.",
        )
        return redirect("activity:record_detail", pk=record.pk)
    form = ActivityRecordForm(
        request.POST or None,
        user=request.user,
        kind=record.kind,
        known_participants=participants_of(record),
        initial=initial_from_record(record),
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_activity_record(record=record, data=form.to_data(), by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Le compte rendu est modifié.")
            return redirect("activity:record_detail", pk=record.pk)
    return _render_form(
        request, form, title=f"Modifier le compte rendu du {record.date:%d/%m/%Y}", record=record
    )


@activity_view
def export_xlsx(request):
    """La Coop's own export: an adviser's own activities (La Coop's « isSelfExport »), or,
    for the coordination and the Service Culture, all the advisers' of the territory."""
    period = PeriodForm(request.GET)
    date_from, date_to = period.period()
    records = selectors.records_for(request.user, date_from=date_from, date_to=date_to)
    user = request.user
    self_export = user.role == Role.ADVISER and not user.is_superuser
    content = build_xlsx(
        records, user=user, self_export=self_export, date_from=date_from, date_to=date_to
    )
    name = f"activites-{clock.today():%Y-%m-%d}.xlsx"
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
