"""Staff pages: home, day sheet, booking by phone, appointment, closures, calendar, audit log.

Thin views: role check (403), load through the user's scope (404), form, service,
redirect or render.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.board.conflicts import check_conflicts_for_closure
from cadran.core import audit, clock
from cadran.core.models import AuditLog
from cadran.territory.models import Commune

from . import selectors
from .enums import CANCELLED_STATUSES, AppointmentStatus
from .forms import (
    AttendanceForm,
    AuditFilterForm,
    CancelForm,
    ClosureForm,
    StaffBookingForm,
    apply_service_errors,
)
from .models import Appointment, Beneficiary, Permanence
from .selectors import APPOINTMENT_ROLES, CALENDAR_ROLES, has_role, staff_permanences
from .services import (
    BeneficiaryData,
    book_appointment,
    cancel_appointment,
    create_closure,
    delete_closure,
    get_bookable_slot,
    mark_attendance,
    move_appointment,
)
from .slots import free_slots, parse_slot_id
from .start_page import start_page

HOME_WEEKS = 4
CALENDAR_WEEKS = 8
MOVE_WEEKS = 6
AUDIT_LIMIT = 200
AUDIT_PAGE_SIZE = 50
SEARCH_LIMIT = 20
CLOSURE_WARNINGS = 10


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


def _next_or(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _day_sheet_url(permanence_id: int, day: dt.date) -> str:
    return reverse("staff:day_sheet", kwargs={"pk": permanence_id, "day": day})


# --- Home --------------------------------------------------------------------------------


@login_required
def home(request):
    user = request.user
    ctx: dict = {
        "is_librarian": user.role == Role.LIBRARIAN and not user.is_superuser,
        "is_referent": user.role == Role.COMMUNE_REFERENT and not user.is_superuser,
        "start": start_page(user, now=clock.now()),
    }
    if has_role(user, APPOINTMENT_ROLES):
        today = clock.today()
        date_to = today + dt.timedelta(weeks=HOME_WEEKS) - dt.timedelta(days=1)
        permanences = list(
            staff_permanences(user)
            .active_between(today, date_to)
            .with_related()
            .order_by("commune__name", "weekday", "start_time", "pk")
        )
        if user.is_adviser:
            permanences.sort(key=lambda p: p.adviser_id != user.pk)
        by_permanence = defaultdict(list)
        for summary in selectors.summarize_occurrences(
            permanences, date_from=today, date_to=date_to, now=clock.now()
        ):
            by_permanence[summary.permanence.pk].append(summary)
        ctx["permanences"] = [(p, by_permanence[p.pk]) for p in permanences]
        ctx["weeks"] = HOME_WEEKS
        ctx["show_permanences"] = True
    if has_role(user, CALENDAR_ROLES):
        ctx["communes"] = list(selectors.calendar_communes(user))
    return render(request, "scheduling/home.html", ctx)


# --- Day sheet ---------------------------------------------------------------------------


@staff_view(APPOINTMENT_ROLES)
def day_sheet(request, pk: int, day: dt.date):
    permanence = get_object_or_404(staff_permanences(request.user).with_related(), pk=pk)
    if not selectors.is_occurrence(permanence, day):
        raise Http404("Pas de permanence ce jour-là.")
    sheet = selectors.day_sheet(permanence=permanence, day=day, user=request.user, now=clock.now())
    return render(
        request,
        "scheduling/day_sheet.html",
        {
            "sheet": sheet,
            "permanence": permanence,
            "here": request.get_full_path(),
            "booked": AppointmentStatus.BOOKED,
        },
    )


# --- Booking by staff --------------------------------------------------------------------


def _search(user, query: str):
    query = query.strip()
    if len(query) < 2:
        return []
    results = list(Beneficiary.objects.visible_to(user).search(query)[:SEARCH_LIMIT])
    # Every person whose name and contact details are shown is an access to their record.
    audit.record_many(
        actor=user,
        objs=results,
        action="person.viewed",
        description=f"Fiche vue dans une recherche de personnes par {user}.",
        territory_id=user.territory_id,
    )
    return results


@staff_view(APPOINTMENT_ROLES)
def book(request):
    user = request.user
    slot_id = request.GET.get("creneau", "")
    try:
        permanence_id, start = parse_slot_id(slot_id)
    except ValueError as exc:
        raise Http404("Ce créneau n'existe pas.") from exc
    permanence = get_object_or_404(staff_permanences(user).with_related(), pk=permanence_id)
    communes = Commune.objects.filter(territory_id=permanence.commune.territory_id).order_by("name")
    day = clock.paris(start).date()
    back_url = _day_sheet_url(permanence.pk, day)
    query = request.GET.get("q", "").strip()
    slot_error = ""
    if request.method == "POST":
        form = StaffBookingForm(request.POST, user=user, communes=communes)
        if form.is_valid():
            data = form.cleaned_data
            beneficiary = data["beneficiary"]
            person = None
            if beneficiary is None:
                person = BeneficiaryData(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                    email=data["email"],
                    no_phone=data["no_phone"],
                    residence_insee=data["residence_insee"],
                    birth_year=data["birth_year"],
                    notify_email=data["notify_email"],
                    notify_sms=data["notify_sms"],
                )
            try:
                booking = book_appointment(
                    slot_id=slot_id,
                    beneficiary=beneficiary,
                    person=person,
                    topics=data["topics"],
                    channel=data["channel"],
                    by=user,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                appointment = booking.appointment
                local = clock.paris(appointment.start)
                messages.success(
                    request,
                    f"Rendez-vous réservé pour {appointment.beneficiary} à "
                    f"{local.hour}h{local.minute:02d}. Référence : {appointment.reference}.",
                )
                return redirect(back_url)
        chosen = (form.cleaned_data or {}).get("beneficiary")
        results = [chosen] if chosen else _search(user, query)
    else:
        form = StaffBookingForm(user=user, communes=communes)
        chosen = None
        results = _search(user, query)
        try:
            get_bookable_slot(slot_id=slot_id, now=clock.now(), for_staff=True)
        except ValidationError as exc:
            slot_error = " ".join(exc.messages)
    return render(
        request,
        "scheduling/book.html",
        {
            "form": form,
            "permanence": permanence,
            "slot_id": slot_id,
            "slot_start": start,
            "slot_end": start + dt.timedelta(minutes=permanence.slot_minutes),
            "slot_error": slot_error,
            "back_url": back_url,
            "q": query,
            "results": results,
            "chosen": chosen,
        },
    )


@staff_view(APPOINTMENT_ROLES)
def beneficiary_search(request):
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "scheduling/book.html#search_results",
        {"q": query, "results": _search(request.user, query), "chosen": None},
    )


# --- Appointment -------------------------------------------------------------------------


def _scoped_appointment(request, pk: int) -> Appointment:
    return get_object_or_404(Appointment.objects.visible_to(request.user).with_related(), pk=pk)


@staff_view(APPOINTMENT_ROLES)
def appointment_detail(request, pk: int):
    appointment = _scoped_appointment(request, pk)
    audit.record(
        actor=request.user,
        obj=appointment.beneficiary,
        action="person.viewed",
        description=f"Fiche vue sur la page du rendez-vous {appointment.reference} par {request.user}.",
        territory_id=appointment.beneficiary.territory_id,
    )
    now = clock.now()
    move_days: list[tuple[dt.date, list]] = []
    can_move = appointment.status == AppointmentStatus.BOOKED
    if can_move:
        today = clock.today()
        date_to = today + dt.timedelta(weeks=MOVE_WEEKS)
        permanences = list(
            staff_permanences(request.user)
            .filter(commune_id=appointment.permanence.commune_id)
            .active_between(today, date_to)
            .with_related()
        )
        by_pk = {p.pk: p for p in permanences}
        grouped: dict[dt.date, list] = defaultdict(list)
        for slot in free_slots(
            permanences, date_from=today, date_to=date_to, now=now, for_staff=True
        ):
            grouped[slot.local_start.date()].append((slot, by_pk[slot.permanence_id]))
        move_days = sorted(grouped.items())
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            "appointment": appointment,
            "can_move": can_move,
            "can_mark": appointment.start <= now and appointment.status not in CANCELLED_STATUSES,
            "is_cancelled": appointment.status in CANCELLED_STATUSES,
            "move_days": move_days,
            "several_permanences": len({p for _d, slots in move_days for _s, p in slots}) > 1,
            "cancel_form": CancelForm(),
            "history": AuditLog.objects.for_object(appointment).select_related("actor"),
            "noshow_flag": selectors.repeated_noshows(
                request.user, [appointment.beneficiary_id], now=now
            ).get(appointment.beneficiary_id),
            "day_sheet_url": _day_sheet_url(
                appointment.permanence_id, clock.paris(appointment.start).date()
            ),
        },
    )


def _after_action(request, appointment: Appointment) -> str:
    return _next_or(request, reverse("staff:appointment", kwargs={"pk": appointment.pk}))


@staff_view(APPOINTMENT_ROLES)
@require_POST
def appointment_cancel(request, pk: int):
    appointment = _scoped_appointment(request, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        cancel_appointment(appointment=appointment, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Le rendez-vous {appointment.reference} est annulé. Le créneau est de nouveau libre. "
            "Pensez à prévenir la personne.",
        )
    return redirect(_after_action(request, appointment))


@staff_view(APPOINTMENT_ROLES)
@require_POST
def appointment_move(request, pk: int):
    appointment = _scoped_appointment(request, pk)
    slot_id = request.POST.get("slot", "")
    error = ""
    try:
        permanence_id, _start = parse_slot_id(slot_id)
    except ValueError:
        error = "Choisissez un nouveau créneau."
    else:
        if not staff_permanences(request.user).filter(pk=permanence_id).exists():
            error = "Ce créneau n'existe pas."
    if not error:
        try:
            moved = move_appointment(appointment=appointment, slot_id=slot_id, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            local = clock.paris(moved.start)
            messages.success(
                request,
                f"Le rendez-vous est déplacé au {local:%d/%m/%Y} à {local.hour}h{local.minute:02d}. "
                "Pensez à prévenir la personne.",
            )
            return redirect(_after_action(request, appointment))
    messages.error(request, error)
    return redirect(reverse("staff:appointment", kwargs={"pk": appointment.pk}) + "#deplacer")


@staff_view(APPOINTMENT_ROLES)
@require_POST
def appointment_attendance(request, pk: int):
    appointment = _scoped_appointment(request, pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez « Venu » ou « Absent ».")
        return redirect(_after_action(request, appointment))
    try:
        marked = mark_attendance(
            appointment=appointment, status=form.cleaned_data["status"], by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"{appointment.beneficiary} : {marked.get_status_display().lower()}."
        )
    return redirect(_after_action(request, appointment))


# --- Closures ----------------------------------------------------------------------------


@staff_view(APPOINTMENT_ROLES)
def closures(request):
    user = request.user
    if request.method == "POST":
        form = ClosureForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if user.territory is None:
                    raise ValidationError("Votre compte n'est rattaché à aucun territoire.")
                closure = create_closure(
                    territory=user.territory,
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                    commune=data.get("commune"),
                    venue=data.get("venue"),
                    adviser=data.get("adviser") if form.for_territory else user,
                    by=user,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    "La fermeture est enregistrée : ces créneaux ne sont plus proposés. "
                    "Les rendez-vous déjà pris restent : prévenez les personnes concernées.",
                )
                # What the closure lands on, from the board (warnings only, docs/cadran.md).
                for conflict in check_conflicts_for_closure(closure=closure)[:CLOSURE_WARNINGS]:
                    messages.warning(request, f"À vérifier : {conflict.message}")
                return redirect("staff:closures")
    else:
        form = ClosureForm(user=user)
    zone = user.territory.school_zone if user.territory_id else "Zone B"
    public, school = selectors.holidays_ahead(today=clock.today(), zone=zone)
    return render(
        request,
        "scheduling/closures.html",
        {
            "form": form,
            "closures": list(selectors.upcoming_closures(user, now=clock.now())),
            "can_delete_all": has_role(user, TERRITORY_ROLES),
            "public_holidays": public,
            "school_holidays": school,
            "zone": zone,
        },
    )


@staff_view(APPOINTMENT_ROLES)
@require_POST
def closure_delete(request, pk: int):
    closure = get_object_or_404(selectors.deletable_closures(request.user), pk=pk)
    delete_closure(closure=closure, by=request.user)
    messages.success(request, "La fermeture est supprimée : ces créneaux sont de nouveau proposés.")
    return redirect("staff:closures")


# --- Commune calendar (counts only) ------------------------------------------------------


@staff_view(CALENDAR_ROLES)
def commune_calendar(request, insee: str):
    user = request.user
    commune = get_object_or_404(selectors.calendar_communes(user), insee_code=insee)
    today = clock.today()
    date_to = today + dt.timedelta(weeks=CALENDAR_WEEKS) - dt.timedelta(days=1)
    permanences = list(
        Permanence.objects.visible_to(user)
        .filter(commune=commune)
        .active_between(today, date_to)
        .with_related()
    )
    occurrences = selectors.summarize_occurrences(
        permanences, date_from=today, date_to=date_to, now=clock.now()
    )
    return render(
        request,
        "scheduling/commune_calendar.html",
        {
            "commune": commune,
            "occurrences": occurrences,
            "weeks": CALENDAR_WEEKS,
            "show_day_sheets": has_role(user, APPOINTMENT_ROLES),
            "totals": {
                "offered": sum(o.offered for o in occurrences),
                "booked": sum(o.booked for o in occurrences),
                "free": sum(o.free for o in occurrences),
                "closed": sum(o.closed for o in occurrences),
            },
        },
    )


# --- Audit log ---------------------------------------------------------------------------


@staff_view(TERRITORY_ROLES)
def audit_log(request):
    user = request.user
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_actions(user))
    action = form.cleaned_data["action"] if form.is_bound and form.is_valid() else ""
    entries = selectors.audit_entries(user, action=action)[:AUDIT_LIMIT]
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scheduling/audit_log.html",
        {
            "form": form,
            "page": page,
            "action": action,
            "limit": AUDIT_LIMIT,
        },
    )
