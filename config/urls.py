from django.contrib import admin
from django.urls import include, path

from cadran.api.api import api

admin.site.site_header = "Cadran — administration"
admin.site.site_title = "Cadran"
admin.site.index_title = "Paramètres rarement modifiés"

urlpatterns = [
    path("", include("cadran.publicity.urls")),
    path("", include("cadran.public.urls")),
    path("couleurs/", include("cadran.territory.public_urls")),
    path("espace/messages/", include("cadran.notifications.urls")),
    path("espace/ateliers/", include("cadran.workshops.urls")),
    path("espace/materiel/", include("cadran.equipment.urls")),
    path("espace/lieux/", include("cadran.territory.urls")),
    path("espace/activite/", include("cadran.activity.urls")),
    path("espace/conventions/", include("cadran.agreements.urls")),
    path("espace/rapports/", include("cadran.reporting.urls")),
    path("espace/agenda-personnel/", include("cadran.publicity.staff_urls")),
    path("espace/donnees/", include("cadran.privacy.urls")),
    path("espace/cadran/", include("cadran.board.urls")),
    path("espace/", include("cadran.scheduling.urls")),
    path("donnees/", include("cadran.reporting.opendata_urls")),
    path("compte/", include("cadran.accounts.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# French pages for 400, 403, 404 and 500 (cadran/core/templates/); JSON under /api/.
handler404 = "cadran.core.error_views.page_not_found"
handler500 = "cadran.core.error_views.server_error"
