"""The colours of a territory's charte, as CSS for every page (``cadran/base.html``).

The CSP refuses inline styles: the page links this stylesheet, whose address carries the
charte's version (``?v=``), so that browsers may keep it and take the new one at once when
the charte changes. Every value went through the charte's validators (``#rrggbb``) and its
contrast check with white (``Charter.clean``).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from . import identity
from .models import Territory


def colours_css_text(found: identity.Identity) -> str:
    rules = []
    if found.primary_color:
        rules += [f"  --brand: {found.primary_color};", f"  --brand-dark: {found.primary_dark};"]
    if found.secondary_color:
        rules.append(f"  --accent: {found.secondary_color};")
    return ":root {\n" + "\n".join(rules) + "\n}\n" if rules else ""


@require_GET
def colours_css(request, slug: str):
    territory_id = Territory.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if territory_id is None:
        raise Http404("Aucun territoire.")
    response = HttpResponse(colours_css_text(identity.for_id(territory_id)), "text/css")
    if request.GET.get("v"):
        patch_cache_control(response, public=True, max_age=86400)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response
