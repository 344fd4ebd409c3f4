from django.conf import settings


def cadran(request):
    return {
        "CADRAN_DEMO": settings.CADRAN_DEMO,
        # Staff pages show a banner when the second factor is not required (the demo).
        "CADRAN_2FA_OFF": not settings.CADRAN_REQUIRE_2FA,
    }
