"""Calendar feeds (public and private), the charte graphique as CSS and logo, and the page
where an adviser gets or stops their private calendar link.

Thin views: load, build through :mod:`.selectors` and :mod:`.feeds`, serve from the cache
(:mod:`.cache`), with an ETag so that calendar programs that poll get a 304.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cadran.core import clock
from cadran.public.selectors import address_territories
from cadran.territory import identity
from cadran.territory.models import Commune, Territory
from cadran.territory.routing import site_territory_id

from . import feeds, selectors, services
from .cache import Cached, cached, key_part
from .models import Charter

FEED_SESSION_KEY = "cadran_calendar_feed_link"
PUBLIC_MAX_AGE = 300


def respond(request, entry: Cached, *, private: bool = False, filename: str = "") -> HttpResponse:
    """The cached body, or a 304 when the client already has it."""
    response = HttpResponse(entry.body, content_type=entry.content_type)
    response["ETag"] = entry.etag
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    if private:
        patch_cache_control(response, private=True, no_cache=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return get_conditional_response(request, etag=entry.etag, response=response)


# --- Public feeds --------------------------------------------------------------------------


@require_GET
def commune_feed(request, insee: str):
    insee = key_part(insee)

    # Keyed by the address itself: a hit makes no query at all. A 404 is never cached.
    def build():
        commune = get_object_or_404(Commune.objects.select_related("territory"), insee_code=insee)
        now = clock.now()
        source = selectors.commune_feed(commune=commune, today=clock.paris(now).date(), now=now)
        return feeds.public_calendar(source, now=now), feeds.CONTENT_TYPE

    entry = cached(f"feed:commune:{insee}", build)
    return respond(request, entry, filename=f"agenda-{insee}.ics")


def _ask_which_territory(territories) -> HttpResponse:
    """``/agenda.ics`` on the install's shared address with several territories: it says
    which addresses exist rather than choosing one (it must not change meaning when a
    territory is added; decisions/0012)."""
    lines = ["Ce site sert plusieurs territoires. Abonnez-vous à l'agenda du vôtre :", ""]
    for territory in territories:
        lines.append(
            f"{territory.name} : {identity.for_territory(territory).reverse('publicity:territory_feed')}"
        )
    return HttpResponse(
        "\n".join(lines) + "\n", status=300, content_type="text/plain; charset=utf-8"
    )


@require_GET
def territory_feed(request):
    asked = key_part(request.GET.get("territoire", "").strip())
    site = site_territory_id(request)
    if site is None:
        scope = address_territories(None, asked)
        if asked and scope.territory is None:
            raise Http404("Ce territoire n'existe pas.")
        if scope.must_ask:
            return _ask_which_territory(scope.offered)
        if scope.territory is None:
            raise Http404("Aucun territoire.")
        site = scope.territory.pk
    # A territory's own address ignores ``?territoire=``: it only ever serves its own.

    def build():
        territory = get_object_or_404(Territory, pk=site)
        now = clock.now()
        source = selectors.territory_feed(
            territory=territory, today=clock.paris(now).date(), now=now
        )
        return feeds.public_calendar(source, now=now), feeds.CONTENT_TYPE

    entry = cached(f"feed:territory:{site}", build)
    return respond(request, entry, filename="agenda.ics")


# --- An adviser's own feed (private link) --------------------------------------------------


@require_GET
def adviser_feed(request, token: str):
    user = services.user_for_feed_token(token)
    if user is None:
        # The same answer for a wrong, revoked or forged link: it tells nothing.
        response = HttpResponse(
            "Ce lien d'agenda ne marche pas ou plus.", status=404, content_type="text/plain"
        )
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def build():
        now = clock.now()
        source = selectors.adviser_feed(user=user, today=clock.paris(now).date(), now=now)
        return feeds.adviser_calendar(source, now=now), feeds.CONTENT_TYPE

    entry = cached(f"feed:adviser:{user.pk}", build)
    return respond(request, entry, private=True, filename="mon-planning.ics")


# --- The charte graphique, for the widget --------------------------------------------------


def _darker(hex_color: str, factor: float = 0.7) -> str:
    r, g, b = (int(int(hex_color[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def charter_css_text(charter: Charter) -> str:
    """The charte as CSS custom properties, read by the widget's rules in cadran.css.
    Every value went through the model's validators (colours, font names)."""
    return (
        ".widget-page {\n"
        f"  --brand: {charter.primary_color};\n"
        f"  --brand-dark: {_darker(charter.primary_color)};\n"
        f"  --accent: {charter.secondary_color};\n"
        f"  --widget-heading-font: {charter.heading_font};\n"
        f"  --widget-body-font: {charter.body_font};\n"
        "}\n"
    )


@require_GET
def charter_css(request, slug: str):
    slug = key_part(slug)

    def build():
        territory = get_object_or_404(Territory, slug=slug)
        return charter_css_text(selectors.charter_for(territory)).encode(), "text/css"

    return respond(request, cached(f"charter:css:{slug}", build))


@require_GET
def charter_logo(request, slug: str):
    territory = get_object_or_404(Territory, slug=slug)
    charter = selectors.charter_for(territory)
    if not charter.logo_svg:
        raise Http404("Pas de logo.")
    entry = cached(
        f"charter:logo:{territory.pk}",
        lambda: (charter.logo_svg.encode(), "image/svg+xml"),
    )
    return respond(request, entry)


# --- Staff page: my private calendar link --------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def feed_token(request):
    user = request.user
    if not services.may_have_feed(user):
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _row, clear = services.create_feed_token(user=user)
            request.session[FEED_SESSION_KEY] = selectors.territory_url(
                user.territory_id, "publicity:adviser_feed", clear
            )
            messages.success(
                request, "Votre nouveau lien d'agenda est prêt. L'ancien ne marche plus."
            )
        elif action == "revoke" and services.revoke_feed_token(user=user):
            messages.success(request, "Le lien d'agenda est arrêté : il ne marche plus.")
        return redirect("calendar_feed:token")
    link = request.session.pop(FEED_SESSION_KEY, "")
    return render(
        request,
        "publicity/feed_token.html",
        {"token": services.active_feed_token(user), "link": link},
    )
