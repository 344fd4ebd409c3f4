from django.conf import settings


def cadran(request):
    return {"CADRAN_DEMO": settings.CADRAN_DEMO}
