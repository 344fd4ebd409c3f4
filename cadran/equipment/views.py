"""Staff pages about equipment: the list, an item with its calendar, the loans, a loan
request, the steps of a loan, a commune's loan history.

Thin views: role check (403), load through the user's scope (404), form, service,
redirect or render.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cadran.core import clock
from cadran.core.models import AuditLog
from cadran.scheduling.forms import apply_service_errors
from cadran.territory.models import Commune

from . import services
from .enums import LoanStatus
from .forms import CancelForm, EquipmentStatusForm, LoanRequestForm, ReturnForm
from .models import Equipment, Loan
from .selectors import (
    MANAGER_ROLES,
    REQUEST_ROLES,
    VIEW_ROLES,
    has_role,
    loan_history,
    month_calendar,
    sessions_missing_printer,
)

LIST_LIMIT = 100
HISTORY_LIMIT = 200
ITEM_LOANS_LIMIT = 30


def equipment_view(roles):
    """Logged in (else the login page), and one of ``roles`` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def _refusal(request, exc: ValidationError) -> None:
    """A service refused: forbidden is a 403, anything else a message on the page."""
    if getattr(exc, "code", None) == "forbidden":
        raise PermissionDenied
    for message in exc.messages:
        messages.error(request, message)


def _safe_next(request) -> str:
    """The page to come back to (``next``, e.g. a workshop's acceptance page), only when it
    is on this site; else "" (never a redirect to another site)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _month(value: str | None, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


# --- Equipment -------------------------------------------------------------------------------


@equipment_view(VIEW_ROLES)
def equipment_list(request):
    user = request.user
    today = clock.today()
    items = list(Equipment.objects.visible_to(user).with_state(today))
    context = {
        "items": items,
        "today": today,
        "can_request": has_role(user, REQUEST_ROLES),
        "can_manage": has_role(user, MANAGER_ROLES),
    }
    if context["can_manage"] and user.territory_id:
        loans = Loan.objects.visible_to(user)
        context["to_approve_count"] = loans.filter(status=LoanStatus.REQUESTED).count()
        context["late_count"] = loans.late(today).count()
        context["missing_printer"] = list(
            sessions_missing_printer(territory_id=user.territory_id, now=clock.now())[:LIST_LIMIT]
        )
    return render(request, "equipment/equipment_list.html", context)


@equipment_view(VIEW_ROLES)
def equipment_detail(request, pk: int):
    user = request.user
    today = clock.today()
    item = get_object_or_404(Equipment.objects.visible_to(user).with_state(today), pk=pk)
    month = _month(request.GET.get("mois"), today)
    can_manage = has_role(user, MANAGER_ROLES)
    upcoming = (
        Loan.objects.filter(equipment=item, end_date__gte=today)
        .holding()
        .select_related("commune", "library")
        .order_by("start_date")[:ITEM_LOANS_LIMIT]
    )
    context = {
        "item": item,
        "today": today,
        "calendar": month_calendar(item, month),
        "upcoming": list(upcoming),
        "can_manage": can_manage,
        "can_request": has_role(user, REQUEST_ROLES),
    }
    if can_manage:
        context["status_form"] = EquipmentStatusForm(
            initial={"status": item.status, "notes": item.notes}
        )
        context["past"] = list(
            Loan.objects.filter(equipment=item)
            .filter(Q(end_date__lt=today) | Q(status=LoanStatus.CANCELLED))
            .select_related("equipment", "commune", "library")
            .order_by("-start_date", "-pk")[:ITEM_LOANS_LIMIT]
        )
    return render(request, "equipment/equipment_detail.html", context)


@require_POST
@equipment_view(MANAGER_ROLES)
def equipment_status(request, pk: int):
    item = get_object_or_404(Equipment.objects.visible_to(request.user), pk=pk)
    form = EquipmentStatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("equipment:detail", pk=item.pk)
    try:
        services.set_equipment_status(
            equipment=item,
            status=form.cleaned_data["status"],
            notes=form.cleaned_data["notes"],
            by=request.user,
        )
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, "L'état du matériel est enregistré.")
    return redirect("equipment:detail", pk=item.pk)


# --- Loans -----------------------------------------------------------------------------------


@equipment_view(VIEW_ROLES)
def loan_list(request):
    user = request.user
    today = clock.today()
    loans = Loan.objects.visible_to(user).with_related()
    context = {
        "today": today,
        "late": list(loans.late(today).order_by("end_date", "pk")[:LIST_LIMIT]),
        "to_approve": list(
            loans.filter(status=LoanStatus.REQUESTED).order_by("start_date", "pk")[:LIST_LIMIT]
        ),
        "current": list(
            loans.filter(
                status__in=(LoanStatus.APPROVED, LoanStatus.COLLECTED), end_date__gte=today
            ).order_by("start_date", "pk")[:LIST_LIMIT]
        ),
        "can_request": has_role(user, REQUEST_ROLES),
        "can_manage": has_role(user, MANAGER_ROLES),
        "communes": list(Commune.objects.visible_to(user).only("name", "insee_code")),
    }
    return render(request, "equipment/loan_list.html", context)


@equipment_view(REQUEST_ROLES)
def loan_request(request):
    """Ask for a loan. Pre-filled from the address (``LoanRequestForm.initial_from``: a
    3D-printer session's commune and dates); with a safe ``next``, come back there."""
    user = request.user
    next_url = _safe_next(request)
    if request.method == "POST":
        form = LoanRequestForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            library = user.library if form.for_library_only else data.get("library")
            if form.for_library_only and library is None:
                raise PermissionDenied
            try:
                loan = services.request_loan(
                    equipment=data["equipment"],
                    commune=None if form.for_library_only else data.get("commune"),
                    library=library,
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    purpose=data["purpose"],
                    storage_place=data["storage_place"],
                    storage_committed=data["storage_committed"],
                    by=user,
                )
            except ValidationError as exc:
                if getattr(exc, "code", None) == "forbidden":
                    raise PermissionDenied from exc
                apply_service_errors(form, exc)
            else:
                if next_url:
                    messages.success(
                        request,
                        f"La demande de prêt est enregistrée ({loan.equipment.name}, "
                        f"{loan.period_label}). Elle doit être acceptée avant la séance.",
                    )
                    return redirect(next_url)
                messages.success(
                    request,
                    "Votre demande est enregistrée. Le Service Culture va la regarder.",
                )
                return redirect("equipment:loan_detail", pk=loan.pk)
    else:
        form = LoanRequestForm(
            initial=LoanRequestForm.initial_from(request.GET, user=user), user=user
        )
    return render(request, "equipment/loan_request.html", {"form": form, "next_url": next_url})


def _visible_loan(request, pk: int) -> Loan:
    return get_object_or_404(Loan.objects.visible_to(request.user).with_related(), pk=pk)


@equipment_view(VIEW_ROLES)
def loan_detail(request, pk: int):
    user = request.user
    loan = _visible_loan(request, pk)
    today = clock.today()
    can_manage = services.manages(user, loan.equipment.territory_id)
    waiting = loan.status in (LoanStatus.REQUESTED, LoanStatus.APPROVED)
    context = {
        "loan": loan,
        "today": today,
        "is_late": loan.is_late(today),
        "pickup_deadline": services.pickup_deadline(loan),
        "can_manage": can_manage,
        "can_cancel": waiting
        and (can_manage or services.speaks_for(user, commune=loan.commune, library=loan.library)),
        "next_url": _safe_next(request),
        "history": list(
            AuditLog.objects.for_object(loan)
            .select_related("actor")
            .order_by("created_at", "pk")[:50]
        ),
    }
    return render(request, "equipment/loan_detail.html", context)


def _loan_action(request, pk: int, action, success: str):
    """A step of the loan; done, back to a safe ``next`` if there is one (the workshop
    acceptance that waited for this loan), else to the loan."""
    loan = _visible_loan(request, pk)
    try:
        action(loan=loan, by=request.user)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, success)
        next_url = _safe_next(request)
        if next_url:
            return redirect(next_url)
    return redirect("equipment:loan_detail", pk=loan.pk)


@require_POST
@equipment_view(MANAGER_ROLES)
def loan_approve(request, pk: int):
    return _loan_action(
        request, pk, services.approve_loan, "Le prêt est accepté. L'emprunteur est prévenu."
    )


@require_POST
@equipment_view(MANAGER_ROLES)
def loan_collect(request, pk: int):
    return _loan_action(request, pk, services.collect_loan, "Le matériel est noté comme retiré.")


@equipment_view(MANAGER_ROLES)
def loan_return(request, pk: int):
    loan = _visible_loan(request, pk)
    if request.method == "POST":
        form = ReturnForm(request.POST)
        if form.is_valid():
            try:
                services.return_loan(
                    loan=loan,
                    condition=form.cleaned_data["condition"],
                    notes=form.cleaned_data["notes"],
                    by=request.user,
                )
            except ValidationError as exc:
                if getattr(exc, "code", None) == "forbidden":
                    raise PermissionDenied from exc
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Le retour du matériel est enregistré.")
                return redirect("equipment:loan_detail", pk=loan.pk)
    else:
        form = ReturnForm()
    return render(request, "equipment/loan_return.html", {"loan": loan, "form": form})


@equipment_view(REQUEST_ROLES)
def loan_cancel(request, pk: int):
    loan = _visible_loan(request, pk)
    user = request.user
    if not (
        services.manages(user, loan.equipment.territory_id)
        or services.speaks_for(user, commune=loan.commune, library=loan.library)
    ):
        raise PermissionDenied
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_loan(loan=loan, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as exc:
                if getattr(exc, "code", None) == "forbidden":
                    raise PermissionDenied from exc
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Le prêt est annulé.")
                return redirect("equipment:loan_detail", pk=loan.pk)
    else:
        form = CancelForm()
    return render(request, "equipment/loan_cancel.html", {"loan": loan, "form": form})


@equipment_view(VIEW_ROLES)
def commune_history(request, insee: str):
    commune = get_object_or_404(Commune.objects.visible_to(request.user), insee_code=insee)
    loans = list(loan_history(commune)[:HISTORY_LIMIT])
    return render(
        request,
        "equipment/commune_history.html",
        {"commune": commune, "loans": loans, "today": clock.today()},
    )
