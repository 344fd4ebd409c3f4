from django.conf import settings
from django.utils.functional import SimpleLazyObject


def cadran(request):
    from cadran.territory.selectors import current_identity

    return {
        "CADRAN_DEMO": settings.CADRAN_DEMO,
        # Staff pages show a banner when the second factor is not required (the demo).
        "CADRAN_2FA_OFF": not settings.CADRAN_REQUIRE_2FA,
        # Who offers the service on this page: names, colours, logo (docs/territoire.md).
        "identity": SimpleLazyObject(lambda: current_identity(request)),
        # The compliance mention of the footer (RGAA: on every page; docs/visibilite.md).
        "accessibility_level": SimpleLazyObject(_accessibility_level),
    }


def _accessibility_level() -> str:
    from cadran.public.accessibility import accessibility_state

    return accessibility_state().level
