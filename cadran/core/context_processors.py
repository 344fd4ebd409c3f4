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
    }
