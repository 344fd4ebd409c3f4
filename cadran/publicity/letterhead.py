"""The territory's letterhead at the top of its PDF documents (reports, conventions,
a person's data): its logo, its programme and its name, in its colour.

Written with inline styles so that it looks the same whatever the document's own style
sheet; the logo is embedded (a data URI), a PDF never fetches anything.
"""

from __future__ import annotations

import base64

from django.utils.html import escape

from cadran.territory import identity

from .models import Charter


def logo_data_uri(charter: Charter | None) -> str:
    if charter is None or not charter.logo_svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(charter.logo_svg.encode()).decode()


def letterhead_html(territory_id: int | None) -> str:
    """The letterhead of ``territory_id`` (one query, for its logo); "" without territory."""
    if not territory_id:
        return ""
    found = identity.for_id(territory_id)
    if found.territory_id is None:
        return ""
    brand = found.brand_color
    logo = ""
    if found.has_logo:
        uri = logo_data_uri(Charter.objects.filter(territory_id=territory_id).first())
        if uri:
            alt = escape(found.logo_text or found.name)
            logo = (
                f'<img src="{uri}" alt="{alt}" '
                'style="height:14mm;width:auto;vertical-align:middle;margin-right:4mm">'
            )
    # The programme (« Numérique en Val ») over the territory's name; the name alone when
    # the territory has no programme name (never the product's name on its documents).
    title = found.programme_name or found.name
    lines = [f'<strong style="color:{brand};font-size:13pt">{escape(title)}</strong>']
    if found.programme_name and found.name:
        lines.append(f'<span style="color:#1b1b1b;font-size:10pt">{escape(found.name)}</span>')
    return (
        f'<div class="letterhead" style="border-bottom:2pt solid {brand};padding-bottom:3mm;'
        f'margin-bottom:6mm">{logo}<span style="display:inline-block;vertical-align:middle">'
        + "<br>".join(lines)
        + "</span></div>"
    )
