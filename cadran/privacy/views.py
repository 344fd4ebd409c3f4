"""Staff pages about personal data: the retention policy, the processing register, and
the rights of the person (find, see, export, correct, erase).

Only the Service Culture (and a superuser) may open them. Every search, view, export,
correction and erasure is written to the audit log, with ids and references, never the
person's name. Names never travel in a URL: the search is posted, and the person's page
is addressed by the ids of the rows picked.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from cadran.accounts.enums import Role
from cadran.core import clock
from cadran.scheduling.forms import apply_service_errors
from cadran.scheduling.models import Beneficiary
from cadran.territory.models import Territory
from cadran.workshops.models import Registration

from . import selectors, services
from .forms import (
    BeneficiaryCorrectionForm,
    EraseForm,
    PolicyForm,
    RegistrationCorrectionForm,
    SearchForm,
)
from .models import PurgeRun, RetentionPolicy
from .register import processing_register
from .sweepers import purge_hour

UPCOMING_DAYS = 30
EXPORT_TYPES = {"json": "application/json; charset=utf-8", "pdf": "application/pdf"}


def may_use_rights_pages(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role == Role.CULTURE_SERVICE)


def culture_only(view):
    """Logged in (else the login page) and Service Culture or superuser (else 403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_use_rights_pages(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _territory(request) -> Territory:
    user = request.user
    if user.territory_id and not user.is_superuser:
        return user.territory
    slug = request.GET.get("territoire", "")
    qs = Territory.objects.order_by("pk")
    territory = qs.filter(slug=slug).first() if slug else (user.territory or qs.first())
    if territory is None:
        raise Http404("Aucun territoire.")
    return territory


def _ids(values: list[str]) -> list[int]:
    try:
        return sorted({int(v) for v in values if v})
    except ValueError as exc:
        raise Http404("Identifiant invalide.") from exc


def _load_person(request, data) -> selectors.PersonFile:
    person = selectors.load_people(
        user=request.user,
        beneficiary_ids=_ids(data.getlist("b")),
        registration_ids=_ids(data.getlist("r")),
    )
    if person is None:
        raise Http404("Cette personne n'est pas dans votre territoire.")
    return person


def _person_query(person: selectors.PersonFile) -> str:
    pairs = [("b", pk) for pk in person.beneficiary_ids] + [
        ("r", pk) for pk in person.registration_ids
    ]
    return urlencode(pairs)


def person_url(person: selectors.PersonFile) -> str:
    return f"{reverse('privacy:person')}?{_person_query(person)}"


# --- Policy and register -------------------------------------------------------------------


@culture_only
@require_http_methods(["GET", "POST"])
def policy(request):
    territory = _territory(request)
    policy = RetentionPolicy.objects.for_territory(territory)
    form = PolicyForm(request.POST or None, instance=RetentionPolicy.objects.get(pk=policy.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_policy(policy=policy, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Les durées de conservation sont enregistrées.")
            return redirect(reverse("privacy:policy") + _territory_suffix(request))
    now = clock.now()
    return render(
        request,
        "privacy/policy.html",
        {
            "territory": territory,
            "policy": policy,
            "form": form,
            "due_now": selectors.due_counts(policy, now),
            "due_soon": selectors.due_counts(policy, now + dt.timedelta(days=UPCOMING_DAYS)),
            "upcoming_days": UPCOMING_DAYS,
            "purge_hour": purge_hour(),
            "runs": list(PurgeRun.objects.filter(territory=territory)[:5]),
        },
    )


def _territory_suffix(request) -> str:
    slug = request.GET.get("territoire")
    return f"?{urlencode({'territoire': slug})}" if slug else ""


@culture_only
def register(request):
    territory = _territory(request)
    policy = RetentionPolicy.objects.for_territory(territory)
    return render(
        request,
        "privacy/register.html",
        {"territory": territory, "policy": policy, "entries": processing_register(policy)},
    )


# --- Rights of the person ---------------------------------------------------------------------


@culture_only
@require_http_methods(["GET", "POST"])
def search(request):
    """Posted, so that the name typed never lands in a URL or a server log."""
    form = SearchForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        territory = _territory(request)
        result = selectors.search_people(user=request.user, query=form.cleaned_data["q"])
        services.record_search(
            by=request.user, result=result, policy=RetentionPolicy.objects.for_territory(territory)
        )
    return render(request, "privacy/search.html", {"form": form, "result": result})


@culture_only
def person(request):
    if not request.GET.getlist("b") and not request.GET.getlist("r"):
        messages.info(request, "Cochez d'abord au moins une fiche dans les résultats.")
        return redirect("privacy:search")
    person = _load_person(request, request.GET)
    selectors.person_file(person)
    services.record_view(person=person, by=request.user)
    return render(
        request,
        "privacy/person.html",
        {
            "person": person,
            "query": _person_query(person),
            "blockers": services.erase_blockers(person, clock.now()),
        },
    )


@culture_only
def person_export(request, fmt: str):
    if fmt not in EXPORT_TYPES:
        raise Http404("Format inconnu.")
    person = _load_person(request, request.GET)
    if person.is_empty:
        raise Http404("Aucune fiche choisie.")
    content = services.export_person(person=person, by=request.user, fmt=fmt)
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    stamp = clock.paris(clock.now()).strftime("%Y%m%d")
    first = (person.beneficiary_ids or person.registration_ids)[0]
    kind = "personne" if person.beneficiary_ids else "inscription"
    response["Content-Disposition"] = f'attachment; filename="donnees-{kind}-{first}-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


def _correct(request, obj, form_class, *, person_query: str):
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            labels = services.correct_person(obj=obj, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if labels:
                messages.success(request, "C'est corrigé : " + ", ".join(labels) + ".")
            else:
                messages.info(request, "Rien n'a changé.")
            return redirect(f"{reverse('privacy:person')}?{person_query}")
    return render(
        request,
        "privacy/correct.html",
        {"form": form, "obj": obj, "back_url": f"{reverse('privacy:person')}?{person_query}"},
    )


@culture_only
@require_http_methods(["GET", "POST"])
def correct_beneficiary(request, pk: int):
    obj = get_object_or_404(
        Beneficiary.objects.visible_to(request.user).exclude(selectors.ANONYMOUS_BENEFICIARY),
        pk=pk,
    )
    return _correct(request, obj, BeneficiaryCorrectionForm, person_query=urlencode({"b": pk}))


@culture_only
@require_http_methods(["GET", "POST"])
def correct_registration(request, pk: int):
    obj = get_object_or_404(
        Registration.objects.visible_to(request.user)
        .exclude(selectors.ANONYMOUS_REGISTRATION)
        .select_related("session__workshop"),
        pk=pk,
    )
    return _correct(request, obj, RegistrationCorrectionForm, person_query=urlencode({"r": pk}))


@culture_only
@require_http_methods(["GET", "POST"])
def erase(request):
    data = request.POST if request.method == "POST" else request.GET
    person = _load_person(request, data)
    if person.is_empty:
        return redirect("privacy:search")
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.erase_person(person=person, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Les données de la personne sont effacées. Les chiffres (rendez-vous, "
                "présences) restent, sans nom.",
            )
            return redirect("privacy:search")
    return render(
        request,
        "privacy/erase.html",
        {
            "person": person,
            "form": form,
            "blockers": services.erase_blockers(person, clock.now()),
            "back_url": person_url(person),
        },
    )
