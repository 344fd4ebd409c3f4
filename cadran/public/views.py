"""Pages for inhabitants, without an account: find a permanence, book, see, move or cancel.

Thin views: load, bind the form, call the scheduling services, redirect or render.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cadran.core import clock
from cadran.publicity.cache import key_part
from cadran.scheduling import calendars, services
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.territory import identity
from cadran.territory.models import Commune
from cadran.territory.routing import site_territory_id
from cadran.territory.selectors import set_current_territory

from . import appointment_selectors, selectors
from .accessibility import accessibility_state
from .forms import BookingForm
from .page_cache import cached_page


def _private(response):
    """Pages behind a private link: never indexed by search engines."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def home(request):
    def page():
        territory_id = site_territory_id(request)
        if territory_id is None:
            scope = selectors.address_territories(None)
            if scope.must_ask:
                return choose_territory(request, scope.offered, "public:home")
        cards = selectors.home_communes(now=clock.now(), territory_id=territory_id)
        return render(
            request,
            "public/home.html",
            {"cards": cards, "territories": selectors.territories_of(cards)},
        )

    return cached_page(request, "home", (), page)


def choose_territory(request, territories, viewname: str, *, query: str = ""):
    """The page of the install's shared address when several territories are on it: which
    territory? Each links to the same page on that territory's own address."""
    choices = [(t, identity.for_territory(t).reverse(viewname) + query) for t in territories]
    return render(request, "public/choose_territory.html", {"choices": choices})


def _commune_or_404(request, slug: str) -> Commune:
    commune = get_object_or_404(Commune.objects.select_related("territory"), slug=slug)
    site = site_territory_id(request)
    if site is not None and commune.territory_id != site:
        raise Http404("Cette commune n'est pas sur ce site.")
    set_current_territory(request, commune.territory)  # its names and colours on the page
    return commune


@require_GET
def commune_detail(request, slug):
    monday = selectors.week_start(request.GET.get("semaine"), today=clock.today())

    def page():
        commune = _commune_or_404(request, slug)
        slots = selectors.commune_slots(commune=commune, monday=monday, now=clock.now())
        context = {"commune": commune, "slots": slots}
        return render(request, "public/commune_detail.html", context)

    return cached_page(request, "commune", (key_part(slug), monday.isoformat()), page)


def _put_back_errors(form: BookingForm, exc: ValidationError) -> list[str]:
    """Show a service's refusal next to its field; return the errors about the slot itself."""
    slot_errors: list[str] = []
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return slot_errors
    for key, errors in exc.error_dict.items():
        if key == "slot":
            slot_errors.extend(message for error in errors for message in error.messages)
        elif key in form.fields:
            form.add_error(key, errors)
        else:
            form.add_error(None, errors)
    return slot_errors


@require_http_methods(["GET", "HEAD", "POST"])
def book(request, slug, slot_id):
    commune = _commune_or_404(request, slug)
    choice = selectors.slot_of_commune(commune=commune, slot_id=slot_id, today=clock.today())
    if choice is None:
        raise Http404("Ce créneau n'existe pas.")
    communes = selectors.residence_choices(territory_id=commune.territory_id)
    slot_errors: list[str] = []
    if request.method == "POST":
        form = BookingForm(request.POST, communes=communes)
        if form.is_valid():
            try:
                booking = services.book_appointment(
                    slot_id=choice.id,
                    topics=form.cleaned_data["topics"],
                    channel=Channel.ONLINE,
                    person=form.beneficiary_data(),
                    by=None,
                )
            except ValidationError as exc:
                slot_errors = _put_back_errors(form, exc)
            else:
                url = reverse("public:appointment", args=[booking.token])
                return redirect(f"{url}?confirme=1")
    else:
        try:
            services.get_bookable_slot(slot_id=choice.id, now=clock.now(), for_staff=False)
        except ValidationError as exc:
            return render(
                request,
                "public/slot_unavailable.html",
                {"commune": commune, "choice": choice, "reasons": exc.messages},
                status=410,
            )
        form = BookingForm(communes=communes, initial={"residence": commune.insee_code})
    return render(
        request,
        "public/book.html",
        {
            "commune": commune,
            "territory": commune.territory,
            "choice": choice,
            "form": form,
            "slot_errors": slot_errors,
        },
    )


def _appointment_or_404(request, token: str):
    appointment = services.get_appointment_by_token(token)
    if appointment is None:
        # The same page for a wrong, mistyped or forged link: it tells nothing.
        return None, _private(render(request, "public/appointment_not_found.html", status=404))
    set_current_territory(request, territory_id=appointment.permanence.commune.territory_id)
    return appointment, None


# What the private page says after an action (``?confirme=1``, ``?change=1``): which
# messages to name (« Nous avons envoyé un SMS au 06 •• •• •• 78 »).
_JUST_DONE_EVENTS = {"confirme": "appointment_booked", "change": "appointment_moved"}


def _appointment_place(appointment) -> dict:
    permanence = appointment.permanence
    return {
        "appointment": appointment,
        "permanence": permanence,
        "venue": permanence.venue,
        "commune": permanence.commune,
        "territory": permanence.commune.territory,
    }


@never_cache
@require_GET
def appointment_detail(request, token):
    appointment, not_found = _appointment_or_404(request, token)
    if not_found:
        return not_found
    cancelled = appointment.status in (AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED)
    ref = appointment.reference
    just_done = next((key for key in _JUST_DONE_EVENTS if request.GET.get(key) == "1"), "")
    if cancelled:
        just_done = ""
    context = _appointment_place(appointment) | {
        "reference": " ".join(ref[i : i + 3] for i in range(0, len(ref), 3)),
        "private_url": request.build_absolute_uri(reverse("public:appointment", args=[token])),
        "cancel_url": reverse("public:cancel", args=[token]),
        "reschedule_url": reverse("public:reschedule", args=[token]),
        "ics_url": reverse("public:appointment_ics", args=[token]),
        "cancelled": cancelled,
        "is_past": appointment.start <= clock.now(),
        "just_booked": just_done == "confirme",
        "just_moved": just_done == "change",
        "notices": (
            appointment_selectors.sent_notices(appointment, event=_JUST_DONE_EVENTS[just_done])
            if just_done
            else []
        ),
    }
    return _private(render(request, "public/appointment_detail.html", context))


@never_cache
@require_GET
def appointment_ics(request, token):
    """« Ajouter à mon agenda »: this one appointment as a calendar file."""
    appointment, not_found = _appointment_or_404(request, token)
    if not_found:
        return not_found
    if appointment.status in (AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED):
        return redirect("public:appointment", token=token)
    response = HttpResponse(
        calendars.appointment_calendar(appointment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="rendez-vous.ics"'
    return _private(response)


def _reschedule_page(request, token, appointment, *, error: str = "", status: int = 200):
    monday = selectors.week_start(request.GET.get("semaine"), today=clock.today())
    commune = appointment.permanence.commune
    context = _appointment_place(appointment) | {
        "slots": selectors.commune_slots(commune=commune, monday=monday, now=clock.now()),
        "token": token,
        "detail_url": reverse("public:appointment", args=[token]),
        "reschedule_url": reverse("public:reschedule", args=[token]),
        "error": error,
    }
    return _private(render(request, "public/appointment_reschedule.html", context, status=status))


@never_cache
@require_GET
def appointment_reschedule(request, token):
    """« Changer l'horaire »: the free slots of the commune's permanences, four weeks a page."""
    appointment, not_found = _appointment_or_404(request, token)
    if not_found:
        return not_found
    if not appointment.is_cancellable:
        return redirect("public:appointment", token=token)
    return _reschedule_page(request, token, appointment)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_reschedule_confirm(request, token, slot_id):
    """The new time, to confirm (GET), then the move (POST, rate-limited like the cancel)."""
    appointment, not_found = _appointment_or_404(request, token)
    if not_found:
        return not_found
    if not appointment.is_cancellable:
        return redirect("public:appointment", token=token)
    commune = appointment.permanence.commune
    choice = selectors.slot_of_commune(commune=commune, slot_id=slot_id, today=clock.today())
    if choice is None:
        raise Http404("Ce créneau n'existe pas.")
    try:
        if request.method == "POST":
            services.reschedule_appointment(appointment=appointment, slot_id=choice.id)
            url = reverse("public:appointment", args=[token])
            return redirect(f"{url}?change=1")
        services.get_bookable_slot(slot_id=choice.id, now=clock.now(), for_staff=False)
    except ValidationError as exc:
        # Taken meanwhile, no longer open, or the appointment has just begun: the appointment
        # stays as it was; the list of free slots, with the reason, to choose another.
        appointment.refresh_from_db()
        if not appointment.is_cancellable:
            return redirect("public:appointment", token=token)
        return _reschedule_page(
            request, token, appointment, error=" ".join(exc.messages), status=409
        )
    context = _appointment_place(appointment) | {
        "choice": choice,
        "detail_url": reverse("public:appointment", args=[token]),
        "reschedule_url": reverse("public:reschedule", args=[token]),
    }
    return _private(render(request, "public/appointment_reschedule_confirm.html", context))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_cancel(request, token):
    appointment, not_found = _appointment_or_404(request, token)
    if not_found:
        return not_found
    detail_url = reverse("public:appointment", args=[token])
    if not appointment.is_cancellable:
        return redirect(detail_url)
    error = ""
    if request.method == "POST":
        try:
            services.cancel_appointment(appointment=appointment, by=None)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(detail_url)
    context = {
        "appointment": appointment,
        "venue": appointment.permanence.venue,
        "commune": appointment.permanence.commune,
        "detail_url": detail_url,
        "error": error,
    }
    return _private(render(request, "public/appointment_cancel.html", context))


@require_GET
def privacy(request):
    scope = selectors.address_territories(site_territory_id(request))
    if scope.must_ask:
        return choose_territory(request, scope.offered, "public:privacy")
    if scope.territory is not None:
        set_current_territory(request, scope.territory)
    return render(
        request,
        "public/privacy.html",
        {"territories": scope.offered, "territory": scope.territory},
    )


@require_GET
def accessibility(request):
    scope = selectors.address_territories(site_territory_id(request))
    return render(
        request,
        "public/accessibility.html",
        {"territories": scope.offered, "state": accessibility_state()},
    )
