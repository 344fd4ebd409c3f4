"""The demo's charte graphique for the CCFL: the colours of cadran.css and a text logo."""

from __future__ import annotations

from .models import DEFAULT_PRIMARY, DEFAULT_SECONDARY, Charter


def load_demo_charter(territory) -> Charter:
    charter, _created = Charter.objects.get_or_create(
        territory=territory,
        defaults={
            "primary_color": DEFAULT_PRIMARY,
            "secondary_color": DEFAULT_SECONDARY,
            "logo_text": "CCFL",
            "footer_text": (
                "Un service gratuit de la Communauté de communes Flandre Lys "
                "et du réseau des médiathèques l'Esperluette."
            ),
        },
    )
    return charter
