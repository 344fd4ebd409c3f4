"""URLconf of the benchmark server only: every address of the site, plus ``/benchmarks/bare/``,
a view that does nothing (the floor the public pages are compared with)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("benchmarks/bare/", bare), *site_urlpatterns]
