"""Pages for inhabitants, without an account: find a permanence, book, see or cancel.

Thin views: load, bind the form, call the scheduling services, redirect or render.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cadran.core import clock
from cadran.publicity.cache import key_part
from cadran.scheduling import services
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.territory import identity
from cadran.territory.models import Commune
from cadran.territory.routing import site_territory_id
from cadran.territory.selectors import set_current_territory

from . import selectors
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


@never_cache
@require_GET
def appointment_detail(request, token):
    appointment, not_found = _appointment_or_404(request, token)
    if not_found:
        return not_found
    cancelled = appointment.status in (AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED)
    ref = appointment.reference
    context = {
        "appointment": appointment,
        "permanence": appointment.permanence,
        "venue": appointment.permanence.venue,
        "commune": appointment.permanence.commune,
        "territory": appointment.permanence.commune.territory,
        "reference": " ".join(ref[i : i + 3] for i in range(0, len(ref), 3)),
        "private_url": request.build_absolute_uri(reverse("public:appointment", args=[token])),
        "cancel_url": reverse("public:cancel", args=[token]),
        "cancelled": cancelled,
        "is_past": appointment.start <= clock.now(),
        "just_booked": request.GET.get("confirme") == "1" and not cancelled,
    }
    return _private(render(request, "public/appointment_detail.html", context))


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
    return render(request, "public/accessibility.html", {"territories": scope.offered})
