"""The widget that communes and libraries put on their own sites (an ``<iframe>``), and the
page that gives them its code.

The widget shows a commune's permanences, its next free slots and its next sessions, in
the territory's colours; its links open the full pages outside the frame
(``target="_top"``). It may be framed by any site (``CADRAN_WIDGET_PREFIX``, and
``xframe_options_exempt`` below) and it is cached (:mod:`cadran.publicity.cache`).
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from cadran.core import clock
from cadran.publicity import selectors as publicity
from cadran.publicity.cache import cached, key_part
from cadran.publicity.views import respond
from cadran.territory.models import Commune
from cadran.territory.selectors import set_current_territory
from cadran.workshops.models import Session
from cadran.workshops.selectors import public_agenda

WIDGET_HEIGHT = 560
# The code page lists the posters of the commune's sessions of the coming months.
SESSION_DAYS = 183


def _commune(insee: str) -> Commune:
    return get_object_or_404(Commune.objects.select_related("territory"), insee_code=insee)


@xframe_options_exempt
@require_GET
def widget(request, insee: str):
    insee = key_part(insee)

    # Keyed by the address itself: a hit makes no query at all. A 404 is never cached.
    def build():
        commune = _commune(insee)
        data = publicity.widget(commune=commune, now=clock.now())
        html = render_to_string(
            "public/widget.html",
            {"w": data, "commune": commune, "territory": commune.territory},
        )
        return html.encode(), "text/html; charset=utf-8"

    return respond(request, cached(f"widget:{insee}", build))


@xframe_options_exempt
@require_GET
def widget_code(request, insee: str):
    commune = _commune(insee)
    set_current_territory(request, commune.territory)
    now = clock.now()
    today = clock.paris(now).date()
    widget_url = publicity.territory_url(commune.territory_id, "public:widget", commune.insee_code)
    commune_url = publicity.commune_url(commune)
    sessions: list[Session] = list(
        public_agenda(
            territory=commune.territory,
            date_from=today,
            date_to=today + dt.timedelta(days=SESSION_DAYS),
            commune_insee=commune.insee_code,
            now=now,
        )[:10]
    )
    context = {
        "commune": commune,
        "territory": commune.territory,
        "widget_url": widget_url,
        "widget_height": WIDGET_HEIGHT,
        "commune_url": commune_url,
        "feed_url": publicity.territory_url(
            commune.territory_id, "publicity:commune_feed", commune.insee_code
        ),
        "sessions": sessions,
    }
    return render(request, "public/widget_code.html", context)
