"""Venue pages: a commune's venues, the declaration of a venue change, its confirmation.

Thin views: role check (403), load through the user's scope (404), form, service,
redirect or render.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cadran.core import clock
from cadran.territory.models import Venue

from . import selectors
from .forms import (
    NEW,
    ConfirmVenueChangeForm,
    DeclareVenueChangeForm,
    RefuseVenueChangeForm,
)
from .selectors import DECIDE_ROLES, DECLARE_ROLES, PAGE_ROLES, has_role
from .services import (
    VenueData,
    confirm_venue_change,
    declare_venue_change,
    refuse_venue_change,
)

RECENT_DECISIONS = 20
# A service error about ``new_venue`` is shown on the form's ``new_choice`` radio buttons.
FIELD_ALIASES = {"new_venue": "new_choice"}


def role_required(roles):
    """Logged in (else the login page), and one of ``roles`` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            name = FIELD_ALIASES.get(name, name)
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@role_required(PAGE_ROLES)
def index(request):
    user = request.user
    changes = selectors.venue_changes(user)
    ctx = {
        "communes": selectors.commune_venues(selectors.declarable_communes(user)),
        "can_decide": has_role(user, DECIDE_ROLES),
        "today": clock.today(),
        "pending": list(changes.pending().order_by("effective_date", "pk")),
        "decided": list(
            changes.exclude(status="pending").order_by("-decided_at", "-pk")[:RECENT_DECISIONS]
        ),
    }
    return render(request, "territory/venue_index.html", ctx)


@role_required(DECLARE_ROLES)
def declare(request):
    user = request.user
    communes = selectors.declarable_communes(user)
    venues = (
        Venue.objects.filter(commune__in=communes)
        .select_related("commune")
        .order_by("commune__name", "name", "pk")
    )
    if request.method == "POST":
        form = DeclareVenueChangeForm(request.POST, communes=communes, venues=venues)
        if form.is_valid():
            data = form.cleaned_data
            venue_data = None
            if data["new_choice"] == NEW:
                venue_data = VenueData(
                    name=data["name"],
                    address=data["address"],
                    room=data["room"],
                    **{flag: data[flag] for flag in DeclareVenueChangeForm.FLAG_FIELDS},
                )
            try:
                change = declare_venue_change(
                    commune=data["commune"],
                    old_venue=data["old_venue"],
                    new_venue=data["new_venue"],
                    venue_data=venue_data,
                    effective_date=data["effective_date"],
                    note=data["note"],
                    by=user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    "Votre déclaration est envoyée au Service Culture. Rien ne change avant "
                    "sa confirmation.",
                )
                return redirect("territory:change_detail", pk=change.pk)
    else:
        form = DeclareVenueChangeForm(communes=communes, venues=venues)
    return render(
        request,
        "territory/venue_change_declare.html",
        {"form": form, "communes": selectors.commune_venues(communes), "today": clock.today()},
    )


def _detail(request, pk: int, *, confirm_form=None, refuse_form=None, status: int = 200):
    user = request.user
    change = get_object_or_404(selectors.venue_changes(user), pk=pk)
    impact = selectors.impact(change) if change.is_pending else None
    can_decide = change.is_pending and has_role(user, DECIDE_ROLES)
    return render(
        request,
        "territory/venue_change_detail.html",
        {
            "change": change,
            "impact": impact,
            "can_decide": can_decide,
            "show_names": user.sees_personal_data,
            "confirm_form": confirm_form or ConfirmVenueChangeForm(),
            "refuse_form": refuse_form or RefuseVenueChangeForm(),
        },
        status=status,
    )


@role_required(PAGE_ROLES)
def change_detail(request, pk: int):
    return _detail(request, pk)


@role_required(DECIDE_ROLES)
@require_POST
def change_confirm(request, pk: int):
    change = get_object_or_404(selectors.venue_changes(request.user), pk=pk)
    form = ConfirmVenueChangeForm(request.POST)
    if form.is_valid():
        try:
            result = confirm_venue_change(
                change=change,
                by=request.user,
                accept_missing_conditions=form.cleaned_data["accept_missing_conditions"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                f"Le changement de lieu est confirmé : {len(result.appointments)} rendez-vous "
                f"et {len(result.sessions)} séance(s) ont lieu au nouveau lieu. Les personnes "
                "sont prévenues.",
            )
            return redirect("territory:change_detail", pk=change.pk)
    return _detail(request, pk, confirm_form=form)


@role_required(DECIDE_ROLES)
@require_POST
def change_refuse(request, pk: int):
    change = get_object_or_404(selectors.venue_changes(request.user), pk=pk)
    form = RefuseVenueChangeForm(request.POST)
    if form.is_valid():
        try:
            refuse_venue_change(change=change, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Le changement est refusé. La commune est prévenue.")
            return redirect("territory:change_detail", pk=change.pk)
    return _detail(request, pk, refuse_form=form)
