"""Staff pages of the collective interventions: programme, requests, sessions, attendance.

Thin views: role check (403), load through the user's scope (``visible_to``: 404), form,
service (:mod:`cadran.workshops.services`, which holds every rule and writes the audit
log), redirect or render. When a service refuses, the page is shown again with its French
message on the field it is about.

Who sees what (docs/ateliers.md, « Les pages de l'espace des équipes »):
- Service Culture and coordination: their territory; only the Service Culture moves the
  programme and decides on requests.
- Advisers: the programme, the sessions they run or that take place in their communes;
  they register people who called and take attendance of their sessions.
- Librarians: the published catalogue, their library's requests and its sessions (counts,
  never names).
- Commune referents: none of these pages (403); they get the figures in the reports.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.board.conflicts import check_conflicts_for_session
from cadran.core import clock
from cadran.core.models import AuditLog
from cadran.scheduling.forms import apply_service_errors
from cadran.scheduling.selectors import has_role
from cadran.territory.models import Commune, Venue

from . import services
from .circuit import Circuit, circuit_for, circuits_for, stage_label
from .enums import (
    OPEN_REQUEST_STATUSES,
    OPEN_SESSION_STATUSES,
    RegistrationStatus,
    RequestStatus,
    SessionStatus,
    WorkshopStatus,
)
from .forms import (
    WHERE_OFF_SITE,
    AcceptRequestForm,
    AttendanceForm,
    CancelRegistrationForm,
    CancelSessionForm,
    ExamineForm,
    MeetingForm,
    OverrideDecisionForm,
    RefuseRequestForm,
    RemarksForm,
    RequestForm,
    SessionEditForm,
    SessionFilterForm,
    StaffRegistrationForm,
    WorkshopForm,
)
from .models import InterventionRequest, Registration, Session, Workshop
from .selectors import cycle_sessions, registration_target, waiting_printer_loans

CULTURE = frozenset({Role.CULTURE_SERVICE})
PROGRAMME_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COORDINATOR, Role.ADVISER, Role.LIBRARIAN})
REQUEST_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COORDINATOR, Role.LIBRARIAN})
LIBRARIAN = frozenset({Role.LIBRARIAN})
SESSION_ROLES = PROGRAMME_ROLES
# Register people who called, cancel a registration, take attendance.
FIELD_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COORDINATOR, Role.ADVISER})
PAST_DAYS = 30


def staff_view(roles):
    """Logged in (else the login page), and one of ``roles`` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def _apply(form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """A service's errors on the form; ``aliases`` renames service keys to field names."""
    if aliases and hasattr(exc, "error_dict"):
        renamed: dict[str, list[str]] = {}
        for name, errors in exc.message_dict.items():
            renamed.setdefault(aliases.get(name, name), []).extend(errors)
        exc = ValidationError(renamed)
    apply_service_errors(form, exc)


def _flash_error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- Programme -------------------------------------------------------------------------------


@staff_view(PROGRAMME_ROLES)
def programme(request):
    user = request.user
    now = clock.now()
    workshops = (
        Workshop.objects.visible_to(user)
        .with_related()
        .annotate(
            upcoming_count=Count(
                "sessions",
                filter=Q(
                    sessions__start__gte=now,
                    sessions__status__in=OPEN_SESSION_STATUSES,
                    sessions__in=Session.objects.visible_to(user).registration_targets(),
                ),
                distinct=True,
            )
        )
        .order_by("title", "pk")
    )
    workshops = list(workshops)
    circuits = circuits_for({w.territory_id for w in workshops} | {user.territory_id or 0})
    # One group per status, and one per awaited step for the proposed workshops (in the
    # order of the circuit): the programme follows the territory's steps.
    order = {status: i for i, status in enumerate(WorkshopStatus.values)}
    by_group: dict[tuple, tuple[str, str, list[Workshop]]] = {}
    for workshop in workshops:
        circuit = circuits[workshop.territory_id]
        workshop.stage_label = stage_label(workshop, circuit)
        position = 0
        if workshop.status == WorkshopStatus.PROPOSED:
            position = circuit.step(workshop.review_position).position
        key = (order[workshop.status], position, workshop.stage_label)
        anchor = workshop.status + (f"-{position}" if position else "")
        by_group.setdefault(key, (workshop.stage_label, anchor, []))[2].append(workshop)
    groups = [by_group[key] for key in sorted(by_group)]
    own = circuits[user.territory_id or 0]
    return render(
        request,
        "workshops/programme.html",
        {
            "groups": groups,
            "circuit": own if user.territory_id else None,
            "is_catalogue": not user.is_superuser and user.role not in TERRITORY_ROLES,
            "is_culture": has_role(user, CULTURE),
            "is_librarian": has_role(user, LIBRARIAN) and not user.is_superuser,
        },
    )


def _workshop_detail_context(request, workshop: Workshop, **forms) -> dict:
    user = request.user
    is_culture = has_role(user, CULTURE)
    sessions = (
        Session.objects.visible_to(user)
        .filter(workshop=workshop)
        .registration_targets()
        .with_counts()
        .annotate(cycle_count=Count("cycle_sessions", distinct=True))
        .select_related("venue__commune")
        .order_by("-start", "-pk")
    )
    status = workshop.status
    circuit = circuit_for(workshop.territory_id)
    awaited = services.awaited_step(workshop, circuit)
    ctx = {
        "workshop": workshop,
        "stage_label": stage_label(workshop, circuit),
        "circuit": circuit,
        "awaited": awaited,
        "sessions": sessions,
        "is_culture": is_culture,
        "show_history": user.is_superuser or user.role != Role.LIBRARIAN,
        "can_request": has_role(user, LIBRARIAN)
        and not user.is_superuser
        and status == WorkshopStatus.PUBLISHED,
        "can_edit": is_culture and status in services.EDITABLE_STATUSES,
    }
    if ctx["show_history"]:
        ctx["reviews"] = workshop.reviews.select_related("by").order_by("at", "pk")
    if is_culture:
        if status in (WorkshopStatus.DRAFT, WorkshopStatus.REFUSED):
            ctx["propose_form"] = forms.get("propose_form") or MeetingForm(
                prefix="propose", step_name=circuit.first_instance.name
            )
            ctx["propose_step"] = circuit.first_instance
        if awaited is not None and not circuit.is_last(awaited):
            ctx["review_form"] = forms.get("review_form") or MeetingForm(
                prefix="review", step_name=awaited.name
            )
            ctx["next_step"] = circuit.next_after(awaited)
        if awaited is not None and circuit.is_last(awaited):
            ctx["decision_form"] = forms.get("decision_form") or MeetingForm(
                prefix="decision", step_name=awaited.name, decision=True
            )
        if status == WorkshopStatus.APPROVED:
            ctx["publish_form"] = forms.get("publish_form") or RemarksForm(prefix="publish")
        if status != WorkshopStatus.ARCHIVED:
            ctx["archive_form"] = forms.get("archive_form") or RemarksForm(prefix="archive")
    ctx["error_form"] = next((f for f in forms.values() if f is not None and f.errors), None)
    return ctx


def _scoped_workshop(request, pk: int) -> Workshop:
    return get_object_or_404(Workshop.objects.visible_to(request.user).with_related(), pk=pk)


@staff_view(PROGRAMME_ROLES)
def workshop_detail(request, pk: int):
    workshop = _scoped_workshop(request, pk)
    return render(
        request, "workshops/workshop_detail.html", _workshop_detail_context(request, workshop)
    )


@staff_view(CULTURE)
def workshop_new(request):
    user = request.user
    form = WorkshopForm(request.POST or None, territory_id=user.territory_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if user.territory is None:
                raise ValidationError("Votre compte n'est rattaché à aucun territoire.")
            workshop = services.create_workshop(
                territory=user.territory,
                title=data["title"],
                description=data["description"],
                format=data["format"],
                target_public=data["target_public"],
                level=data["level"],
                is_cycle=data["is_cycle"],
                by=user,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, f"L'atelier « {workshop.title} » est créé (brouillon).")
            return redirect("workshops:workshop_detail", pk=workshop.pk)
    return render(
        request,
        "workshops/workshop_form.html",
        {"form": form, "workshop": None, "circuit": circuit_for(user.territory_id)},
    )


@staff_view(CULTURE)
def workshop_edit(request, pk: int):
    workshop = _scoped_workshop(request, pk)
    if request.method == "POST":
        form = WorkshopForm(request.POST, territory_id=workshop.territory_id)
        if form.is_valid():
            try:
                services.update_workshop(workshop=workshop, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, "Les modifications sont enregistrées.")
                return redirect("workshops:workshop_detail", pk=workshop.pk)
    else:
        form = WorkshopForm(
            initial=WorkshopForm.initial_for(workshop), territory_id=workshop.territory_id
        )
    return render(request, "workshops/workshop_form.html", {"form": form, "workshop": workshop})


def _form_step(workshop: Workshop, circuit: Circuit, step: str) -> dict:
    """Labels of the meeting form of ``step`` for this workshop's circuit."""
    if step == "proposer":
        return {"step_name": circuit.first_instance.name}
    awaited = services.awaited_step(workshop, circuit)
    name = awaited.name if awaited else ""
    return {"step_name": name, "decision": step in ("valider", "refuser")}


def _proposed_message(w: Workshop) -> str:
    circuit = circuit_for(w.territory_id)
    return f"L'atelier est proposé. Prochaine étape : {circuit.step(w.review_position).name}."


# step in the URL → (form class, prefix, context key, service call, success message)
WORKSHOP_STEPS = {
    "proposer": (
        MeetingForm,
        "propose",
        "propose_form",
        lambda w, d, by: services.propose_workshop(
            workshop=w, meeting_date=d["meeting_date"], remarks=d["remarks"], by=by
        ),
        _proposed_message,
    ),
    "avis": (
        MeetingForm,
        "review",
        "review_form",
        lambda w, d, by: services.review_workshop(
            workshop=w, meeting_date=d["meeting_date"], remarks=d["remarks"], by=by
        ),
        _proposed_message,
    ),
    "valider": (
        MeetingForm,
        "decision",
        "decision_form",
        lambda w, d, by: services.approve_workshop(
            workshop=w, meeting_date=d["meeting_date"], remarks=d["remarks"], by=by
        ),
        lambda w: "L'atelier est validé. Vous pouvez maintenant le publier.",
    ),
    "refuser": (
        MeetingForm,
        "decision",
        "decision_form",
        lambda w, d, by: services.refuse_workshop(
            workshop=w, meeting_date=d["meeting_date"], remarks=d["remarks"], by=by
        ),
        lambda w: "Le refus est enregistré. L'atelier peut être corrigé.",
    ),
    "publier": (
        RemarksForm,
        "publish",
        "publish_form",
        lambda w, d, by: services.publish_workshop(workshop=w, remarks=d["remarks"], by=by),
        lambda w: "L'atelier est publié : les bibliothécaires peuvent le demander.",
    ),
    "archiver": (
        RemarksForm,
        "archive",
        "archive_form",
        lambda w, d, by: services.archive_workshop(workshop=w, remarks=d["remarks"], by=by),
        lambda w: "L'atelier est archivé : il n'est plus proposé.",
    ),
}


@staff_view(CULTURE)
@require_POST
def workshop_step(request, pk: int, step: str):
    workshop = _scoped_workshop(request, pk)
    try:
        form_class, prefix, key, call, success = WORKSHOP_STEPS[step]
    except KeyError as exc:
        raise Http404("Cette étape n'existe pas.") from exc
    kwargs = {}
    if form_class is MeetingForm:
        kwargs = _form_step(workshop, circuit_for(workshop.territory_id), step)
    form = form_class(request.POST, prefix=prefix, **kwargs)
    if form.is_valid():
        try:
            moved = call(workshop, form.cleaned_data, request.user)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, success(moved))
            return redirect("workshops:workshop_detail", pk=workshop.pk)
    workshop.refresh_from_db()
    ctx = _workshop_detail_context(request, workshop, **{key: form})
    return render(request, "workshops/workshop_detail.html", ctx)


# --- Requests --------------------------------------------------------------------------------


@staff_view(REQUEST_ROLES)
def request_list(request):
    user = request.user
    show = request.GET.get("etat", "")
    requests = InterventionRequest.objects.visible_to(user).with_related()
    if show == "a-traiter":
        requests = requests.filter(status__in=OPEN_REQUEST_STATUSES)
    return render(
        request,
        "workshops/request_list.html",
        {
            "requests": requests.order_by("-created_at", "-pk"),
            "show": show,
            "is_librarian": has_role(user, LIBRARIAN) and not user.is_superuser,
        },
    )


@staff_view(LIBRARIAN)
def request_new(request):
    user = request.user
    if user.library is None:
        raise PermissionDenied
    catalogue = Workshop.objects.visible_to(user).published().with_related().order_by("title")
    if request.method == "POST":
        form = RequestForm(request.POST, catalogue=catalogue)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.request_intervention(
                    workshop=data["workshop"],
                    library=user.library,
                    by=user,
                    wished_dates=data["wished_dates"],
                    date_options=form.date_options,
                    room=data["room"],
                    expected_public=data["expected_public"],
                    expected_size=data["expected_size"],
                    off_site=data["off_site"],
                    off_site_place_kind=data["off_site_place_kind"],
                    place_name=data["place_name"],
                    place_address=data["place_address"],
                    justification=data["justification"],
                )
            except ValidationError as exc:
                _apply(form, exc, {"date_options": "date_option_1"})
            else:
                messages.success(
                    request,
                    f"Votre demande est envoyée : {created.workshop.territory.service_name}. "
                    "Vous recevrez un e-mail quand elle sera acceptée ou refusée.",
                )
                return redirect("workshops:request_detail", pk=created.pk)
    else:
        initial = {}
        wanted = request.GET.get("atelier", "")
        if wanted.isdigit() and catalogue.filter(pk=wanted).exists():
            initial["workshop"] = int(wanted)
        form = RequestForm(initial=initial, catalogue=catalogue)
    return render(request, "workshops/request_form.html", {"form": form, "library": user.library})


def _scoped_request(request, pk: int) -> InterventionRequest:
    return get_object_or_404(
        InterventionRequest.objects.visible_to(request.user).with_related(), pk=pk
    )


ACCEPT_PREFIX = "accept"


def _accept_prefill(query) -> dict:
    """The acceptance form as it was left (``accept-…`` in the address): how the page
    comes back filled in from the loan request (``_accept_return_url``)."""
    prefix = f"{ACCEPT_PREFIX}-"
    initial: dict = {}
    for key in query:
        if key.startswith(prefix):
            name = key[len(prefix) :]
            initial[name] = query.getlist(key) if name == "advisers" else query.get(key)
    return initial


def _accept_return_url(req: InterventionRequest, data) -> str:
    """The acceptance page of ``req``, filled in again with ``data`` (a POST)."""
    kept = [
        (key, value)
        for key in data
        if key.startswith(f"{ACCEPT_PREFIX}-")
        for value in data.getlist(key)
        if value
    ]
    url = reverse("workshops:request_detail", kwargs={"pk": req.pk})
    return (f"{url}?{urlencode(kept)}" if kept else url) + "#titre-accepter"


def _printer_loan_url(req: InterventionRequest, *, venue: Venue, starts, minutes, back: str):
    """The loan request pre-filled for a 3D-printer session: the venue's commune (and the
    library, when it is there), the days of the sessions, then back to ``back``."""
    first = clock.paris(min(starts)).date()
    last = clock.paris(max(starts) + dt.timedelta(minutes=minutes)).date()
    query = {
        "type": "printer_3d",
        "commune": venue.commune.insee_code,
        "du": first.isoformat(),
        "au": last.isoformat(),
        "motif": f"Atelier « {req.workshop.title} » ({req.library.name}).",
        "next": back,
    }
    if req.library.commune_id == venue.commune_id:
        query["bibliotheque"] = str(req.library_id)
    return f"{reverse('equipment:loan_request')}?{urlencode(query)}"


def _request_detail_context(request, req: InterventionRequest, **forms) -> dict:
    user = request.user
    is_culture = has_role(user, CULTURE)
    is_open = req.status in OPEN_REQUEST_STATUSES
    decidable = req.status == (
        RequestStatus.UNDER_EXAMINATION if req.off_site else RequestStatus.REQUESTED
    )
    ctx = {
        "req": req,
        "sessions": Session.objects.visible_to(user)
        .filter(request=req)
        .select_related("venue__commune")
        .order_by("start", "pk"),
        "is_culture": is_culture,
        "can_withdraw": is_open
        and has_role(user, LIBRARIAN)
        and not user.is_superuser
        and req.library_id == user.library_id,
    }
    if is_culture and req.off_site and req.status == RequestStatus.REQUESTED:
        ctx["examine_form"] = forms.get("examine_form") or ExamineForm(prefix="examine")
    if is_culture and decidable:
        initial: dict = (
            {f"start_{i}": d for i, d in enumerate(req.date_options, start=1)}
            if req.workshop.is_cycle
            else {"start_1": req.date_option_1}
        )
        library_venue = Venue.objects.filter(library_id=req.library_id).order_by("pk").first()
        if library_venue is not None:
            initial["venue"] = library_venue.pk
        if req.off_site:
            initial |= {
                "where": WHERE_OFF_SITE,
                "off_site_name": req.place_name,
                "off_site_address": req.place_address,
            }
        accept_form = forms.get("accept_form") or AcceptRequestForm(
            prefix=ACCEPT_PREFIX,
            territory_id=req.workshop.territory_id,
            cycle=req.workshop.is_cycle,
            off_site=req.off_site,
            initial=initial | _accept_prefill(request.GET),
        )
        ctx["accept_form"] = accept_form
        ctx["refuse_form"] = forms.get("refuse_form") or RefuseRequestForm(prefix="refuse")
        if req.workshop.format.needs_3d_printer:
            communes = {req.library.commune_id}
            chosen = accept_form["venue"].value()
            if str(chosen).isdigit():
                communes |= set(
                    Venue.objects.filter(pk=chosen).values_list("commune_id", flat=True)
                )
            ctx["waiting_loans"] = list(
                waiting_printer_loans(commune_ids=communes, today=clock.today())
            )
            back = (
                request.get_full_path()
                if request.method == "GET"
                else _accept_return_url(req, request.POST)
            )
            ctx["loan_next_query"] = urlencode({"next": back})
    ctx["error_form"] = next((f for f in forms.values() if f is not None and f.errors), None)
    return ctx


@staff_view(REQUEST_ROLES)
def request_detail(request, pk: int):
    req = _scoped_request(request, pk)
    return render(request, "workshops/request_detail.html", _request_detail_context(request, req))


@staff_view(CULTURE)
@require_POST
def request_examine(request, pk: int):
    req = _scoped_request(request, pk)
    form = ExamineForm(request.POST, prefix="examine")
    remarks = form.cleaned_data["remarks"] if form.is_valid() else ""
    try:
        services.examine_request(request=req, by=request.user, remarks=remarks)
    except ValidationError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, "La demande hors les murs est à l'examen.")
    return redirect("workshops:request_detail", pk=req.pk)


@staff_view(CULTURE)
@require_POST
def request_accept(request, pk: int):
    req = _scoped_request(request, pk)
    form = AcceptRequestForm(
        request.POST,
        prefix="accept",
        territory_id=req.workshop.territory_id,
        cycle=req.workshop.is_cycle,
        off_site=req.off_site,
    )
    printer_loan_url = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            sessions = services.accept_request(
                request=req,
                by=request.user,
                off_site_place=form.off_site_place if req.off_site else None,
                venue=data["venue"],
                starts=form.starts,
                advisers=data["advisers"],
                duration_minutes=data["duration_minutes"],
                capacity=data["capacity"],
                min_attendance=data["min_attendance"],
                decision_at=data["decision_at"],
                remarks=data["remarks"],
                waive_venue_conditions=data.get("waive_venue_conditions", False),
            )
        except ValidationError as exc:
            venue, starts = data["venue"], form.starts  # before the errors empty them
            _apply(form, exc, {"starts": "start_1"})
            if _printer_missing(exc):  # offer the loan request, then come back here
                printer_loan_url = _printer_loan_url(
                    req,
                    venue=venue,
                    starts=starts,
                    minutes=data["duration_minutes"]
                    or req.workshop.format.default_duration_minutes,
                    back=_accept_return_url(req, request.POST),
                )
        else:
            messages.success(
                request,
                "La demande est acceptée et la séance est programmée. La bibliothèque et "
                "les conseillers ont reçu un e-mail.",
            )
            return redirect("workshops:session_detail", pk=sessions[0].pk)
    req.refresh_from_db()
    ctx = _request_detail_context(request, req, accept_form=form)
    ctx["printer_loan_url"] = printer_loan_url
    return render(request, "workshops/request_detail.html", ctx)


def _printer_missing(exc: ValidationError) -> bool:
    """The service refused because no 3D printer is lent for the sessions."""
    errors = exc.error_dict.get("venue", []) if hasattr(exc, "error_dict") else []
    return any(getattr(e, "code", None) == services.PRINTER_MISSING for e in errors)


@staff_view(CULTURE)
@require_POST
def request_refuse(request, pk: int):
    req = _scoped_request(request, pk)
    form = RefuseRequestForm(request.POST, prefix="refuse")
    if form.is_valid():
        try:
            services.refuse_request(
                request=req, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, "La demande est refusée. La bibliothèque a reçu un e-mail.")
            return redirect("workshops:request_detail", pk=req.pk)
    req.refresh_from_db()
    ctx = _request_detail_context(request, req, refuse_form=form)
    return render(request, "workshops/request_detail.html", ctx)


@staff_view(LIBRARIAN)
@require_POST
def request_withdraw(request, pk: int):
    req = _scoped_request(request, pk)
    try:
        services.withdraw_request(request=req, by=request.user)
    except ValidationError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, "Votre demande est retirée.")
    return redirect("workshops:request_detail", pk=req.pk)


# --- Sessions --------------------------------------------------------------------------------


@staff_view(SESSION_ROLES)
def session_list(request):
    user = request.user
    form = SessionFilterForm(request.GET or None, user=user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    now = clock.now()
    day_start = dt.datetime.combine(clock.today(), dt.time.min, tzinfo=clock.PARIS)
    sessions = Session.objects.visible_to(user).registration_targets()
    if data.get("when") == "passees":
        sessions = sessions.filter(
            start__lt=now, start__gte=day_start - dt.timedelta(days=PAST_DAYS)
        ).order_by("-start", "-pk")
    else:
        sessions = sessions.filter(end__gte=day_start).order_by("start", "pk")
    if data.get("commune"):
        sessions = sessions.filter(venue__commune=data["commune"])
    if data.get("format"):
        sessions = sessions.filter(workshop__format=data["format"])
    if data.get("status"):
        sessions = sessions.filter(status=data["status"])
    sessions = (
        sessions.with_counts()
        .annotate(cycle_count=Count("cycle_sessions", distinct=True))
        .select_related("workshop__format", "venue__commune")
        .prefetch_related("advisers")
    )
    template = "workshops/session_list.html"
    return render(
        request,
        f"{template}#results" if request.htmx else template,
        {"form": form, "sessions": sessions, "now": now},
    )


def _scoped_session(request, pk: int) -> Session:
    return get_object_or_404(Session.objects.visible_to(request.user).with_related(), pk=pk)


def _session_detail_context(request, session: Session, **forms) -> dict:
    user = request.user
    now = clock.now()
    target = registration_target(session)
    counted = (
        Session.objects.filter(pk=target.pk)
        .with_counts()
        .values("confirmed_count", "waiting_count", "places_left")
        .get()
    )
    is_open = target.status in OPEN_SESSION_STATUSES and target.start > now
    manages = has_role(user, TERRITORY_ROLES)
    field_staff = has_role(user, FIELD_ROLES)
    registrations = (
        Registration.objects.visible_to(user)
        .filter(session=target)
        .select_related("created_by")
        .order_by("pk")  # the waiting list's own order (RegistrationQuerySet.waiting)
    )
    holding, waiting, cancelled = [], [], []
    for registration in registrations:
        if registration.status == RegistrationStatus.WAITING:
            waiting.append(registration)
        elif registration.status == RegistrationStatus.CANCELLED:
            cancelled.append(registration)
        else:
            holding.append(registration)
    runs_it = any(a.pk == user.pk for a in session.advisers.all())
    ctx = {
        "session": session,
        "target": target,
        "counts": counted,
        "below_minimum": counted["confirmed_count"] < target.min_attendance,
        "missing": max(target.min_attendance - counted["confirmed_count"], 0),
        "sees_names": user.sees_personal_data,
        "holding": holding,
        "waiting": waiting,
        "cancelled": cancelled,
        "cycle": cycle_sessions(target) if target.cycle_group_id else [],
        "is_open": is_open,
        "can_register": field_staff and is_open,
        "can_cancel_registrations": field_staff and not target.is_cancelled,
        "can_take_attendance": (manages or runs_it)
        and session.start <= now
        and not session.is_cancelled,
        "is_scheduled": target.status == SessionStatus.SCHEDULED,
        "now": now,
    }
    if user.sees_personal_data:
        ctx["history"] = AuditLog.objects.for_object(target).select_related("actor")
    if ctx["can_register"]:
        communes = Commune.objects.filter(territory_id=session.workshop.territory_id).order_by(
            "name"
        )
        ctx["register_form"] = forms.get("register_form") or StaffRegistrationForm(
            prefix="register", communes=communes
        )
    if ctx["can_cancel_registrations"]:
        ctx["cancel_registration_form"] = CancelRegistrationForm(prefix="cancel_registration")
    if manages and is_open:
        ctx["cancel_form"] = forms.get("cancel_form") or CancelSessionForm(prefix="cancel")
        ctx["edit_form"] = forms.get("edit_form") or SessionEditForm(
            prefix="edit",
            initial={
                "capacity": target.capacity,
                "min_attendance": target.min_attendance,
                "decision_at": clock.paris(target.decision_at),
            },
        )
        if target.status == SessionStatus.SCHEDULED and target.decision_at > now:
            ctx["override_form"] = forms.get("override_form") or OverrideDecisionForm(
                prefix="override"
            )
    if field_staff:  # the board's conflicts, as warnings (cadran.board, docs/cadran.md)
        ctx["board_conflicts"] = check_conflicts_for_session(session=session, now=now)
        ctx["can_move"] = manages and is_open and session.start > now
    ctx["error_form"] = next((f for f in forms.values() if f is not None and f.errors), None)
    return ctx


def _render_session(request, session: Session, **forms):
    ctx = _session_detail_context(request, session, **forms)
    return render(request, "workshops/session_detail.html", ctx)


@staff_view(SESSION_ROLES)
def session_detail(request, pk: int):
    return _render_session(request, _scoped_session(request, pk))


def _session_url(session: Session) -> str:
    return reverse("workshops:session_detail", kwargs={"pk": session.pk})


@staff_view(FIELD_ROLES)
@require_POST
def session_register(request, pk: int):
    session = _scoped_session(request, pk)
    communes = Commune.objects.filter(territory_id=session.workshop.territory_id).order_by("name")
    form = StaffRegistrationForm(request.POST, prefix="register", communes=communes)
    if form.is_valid():
        data = form.cleaned_data
        person = services.PersonData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            commune_insee=data["commune_insee"],
            library_card=data["library_card"],
            notify_email=data["notify_email"],
            notify_sms=data["notify_sms"],
            no_phone=data["no_phone"],
        )
        try:
            result = services.register(
                session=session,
                person=person,
                by=request.user,
                allow_overbooking=data["allow_overbooking"],
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            registration = result.registration
            if result.waiting:
                text = (
                    f"{registration.full_name} est sur la liste d'attente "
                    f"(rang {result.waiting_position})."
                )
            elif registration.overbooked:
                text = f"{registration.full_name} est inscrit(e), en plus des places prévues."
            else:
                text = f"{registration.full_name} est inscrit(e)."
            messages.success(request, f"{text} Référence : {registration.reference}.")
            return redirect(_session_url(session))
    return _render_session(request, session, register_form=form)


@staff_view(FIELD_ROLES)
@require_POST
def registration_cancel(request, pk: int, registration_pk: int):
    session = _scoped_session(request, pk)
    target = registration_target(session)
    registration = get_object_or_404(
        Registration.objects.visible_to(request.user).filter(session=target), pk=registration_pk
    )
    form = CancelRegistrationForm(request.POST, prefix="cancel_registration")
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel_registration(registration=registration, by=request.user, reason=reason)
    except ValidationError as exc:
        _flash_error(request, exc)
    else:
        messages.success(
            request,
            f"L'inscription de {registration.full_name} est annulée. Si quelqu'un attendait, "
            "la place lui a été donnée.",
        )
    return redirect(_session_url(session))


@staff_view(TERRITORY_ROLES)
@require_POST
def session_cancel(request, pk: int):
    session = _scoped_session(request, pk)
    form = CancelSessionForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            services.cancel_session(
                session=session, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request,
                "La séance est annulée. Les personnes inscrites et en attente sont prévenues.",
            )
            return redirect(_session_url(session))
    return _render_session(request, session, cancel_form=form)


@staff_view(TERRITORY_ROLES)
@require_POST
def session_override(request, pk: int):
    session = _scoped_session(request, pk)
    form = OverrideDecisionForm(request.POST, prefix="override")
    if form.is_valid():
        try:
            decision = services.override_decision(
                session=session,
                confirm=form.cleaned_data["decision"] == "confirm",
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            if decision.outcome == "confirmed":
                text = "La séance est maintenue. Les personnes inscrites ont reçu un rappel."
            else:
                text = (
                    "La séance est annulée. Les personnes inscrites et en attente sont prévenues."
                )
            messages.success(request, text)
            return redirect(_session_url(session))
    return _render_session(request, session, override_form=form)


@staff_view(TERRITORY_ROLES)
@require_POST
def session_edit(request, pk: int):
    session = _scoped_session(request, pk)
    form = SessionEditForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            services.update_session(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, "La séance est modifiée.")
            return redirect(_session_url(session))
    return _render_session(request, session, edit_form=form)


@staff_view(FIELD_ROLES)
def attendance(request, pk: int):
    user = request.user
    session = _scoped_session(request, pk)
    runs_it = any(a.pk == user.pk for a in session.advisers.all())
    if not (has_role(user, TERRITORY_ROLES) or runs_it):
        raise PermissionDenied
    target = registration_target(session)
    registrations = list(target.registrations.holding_place().order_by("last_name", "first_name"))
    recorded = dict(session.attendances.values_list("registration_id", "present"))
    started = session.start <= clock.now()
    if request.method == "POST":
        form = AttendanceForm(request.POST, registrations=registrations)
        if form.is_valid():
            try:
                services.record_attendance(
                    session=session,
                    present_ids=form.cleaned_data["present"],
                    anonymous_count=form.cleaned_data["anonymous_count"],
                    by=user,
                )
            except ValidationError as exc:
                _apply(form, exc, {"present_ids": "present"})
            else:
                present = len(form.cleaned_data["present"])
                messages.success(
                    request,
                    f"L'appel est enregistré : {present} présent(s) sur {len(registrations)} "
                    f"inscrit(s), {form.cleaned_data['anonymous_count']} venu(s) sans "
                    "inscription. Vous pouvez le corriger plus tard.",
                )
                return redirect(_session_url(session))
    else:
        form = AttendanceForm(
            registrations=registrations,
            initial={
                "present": [pk for pk, present in recorded.items() if present],
                "anonymous_count": session.anonymous_count,
            },
        )
    checked = {str(value) for value in (form["present"].value() or [])}
    return render(
        request,
        "workshops/session_attendance.html",
        {
            "session": session,
            "form": form,
            "rows": [(r, str(r.pk) in checked) for r in registrations],
            "started": started,
            "already_taken": bool(recorded),
        },
    )
