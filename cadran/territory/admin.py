from django.contrib import admin
from django.db import models
from django.http import Http404

from cadran.accounts.enums import Role
from cadran.core.admin_scope import TerritoryScopedAdmin

from .models import Commune, Library, Territory, Venue, VenueChange


@admin.register(Territory)
class TerritoryAdmin(TerritoryScopedAdmin):
    """A territory's identity (docs/territoire.md): its Service Culture edits it, the
    coordination reads it; the colours and the logo are in its charte graphique."""

    territory_path = "pk"
    list_display = ["name", "short_name", "programme_name", "siren"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    prepopulated_fields = {"slug": ["short_name"]}
    fieldsets = [
        (
            "Identité",
            {
                "fields": ["name", "short_name", "slug", "siren", "siret", "programme_name"],
                "description": "Les couleurs et le logo sont dans la charte graphique du "
                "territoire (Publicité › Chartes graphiques) : ils s'appliquent à toutes "
                "les pages, aux e-mails et aux affiches.",
            },
        ),
        ("Contact du public", {"fields": ["service_name", "contact_phone", "contact_email"]}),
        (
            "E-mails et SMS",
            {"fields": ["email_from_name", "email_from_address", "sms_sender", "site_url"]},
        ),
        ("Heures d'envoi (heure de Paris)", {"fields": ["reminder_time", "digest_time"]}),
        (
            "Demander « Vous venez toujours ? »",
            {"fields": ["appointment_confirmation_days", "workshop_confirmation_days"]},
        ),
        ("Autres réglages", {"fields": ["school_zone", "library_card_pattern"]}),
    ]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        """The superuser, and the territory's own Service Culture (the coordination reads)."""
        user = request.user
        if not self._is_territory_manager(request):
            return False
        if user.is_superuser:
            return True
        if user.role != Role.CULTURE_SERVICE:
            return False
        return obj is None or obj.pk == user.territory_id

    def get_readonly_fields(self, request, obj=None):
        # The slug is in the addresses of the widget, the charte and the feeds.
        return [] if request.user.is_superuser else ["slug", "siren"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    def _refuse_others(self, request, object_id) -> None:
        """Another territory's page is a 404 (not the admin's redirect to its index)."""
        user = request.user
        if user.is_superuser or not object_id:
            return
        if str(object_id) != str(user.territory_id):
            raise Http404("Ce territoire n'existe pas.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._refuse_others(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._refuse_others(request, object_id)
        return super().history_view(request, object_id, extra_context)


@admin.register(Commune)
class CommuneAdmin(TerritoryScopedAdmin):
    list_display = ["name", "insee_code", "postcode", "population"]
    search_fields = ["name", "insee_code", "postcode"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["territory"]


@admin.register(Library)
class LibraryAdmin(TerritoryScopedAdmin):
    territory_path = "commune__territory"
    list_display = ["name", "commune", "is_example"]
    list_select_related = ["commune"]
    search_fields = ["name"]


@admin.register(Venue)
class VenueAdmin(TerritoryScopedAdmin):
    territory_path = "commune__territory"
    list_display = ["name", "room", "commune", "confidential", "accessible", "is_example"]
    list_filter = ["confidential", "accessible", "wifi", "heated", "insured"]
    list_select_related = ["commune"]
    search_fields = ["name", "address", "room"]
    fieldsets = [
        (None, {"fields": ["commune", "library", "name", "address", "room", "is_example"]}),
        (
            "Carte nationale des lieux (données ouvertes)",
            {"fields": ["siret", "latitude", "longitude"]},
        ),
        ("Accueil", {"fields": ["confidential", "accessible"]}),
        ("Conditions de la convention (article 4)", {"fields": ["insured", "heated", "wifi"]}),
        (
            "Matériel sur place",
            {
                "fields": [
                    "has_pc",
                    "has_printer",
                    "has_projector",
                    "has_screen",
                    "has_tables_chairs",
                ]
            },
        ),
    ]


@admin.register(VenueChange)
class VenueChangeAdmin(TerritoryScopedAdmin):
    """Read-only: a venue change is declared, confirmed or refused on the venue pages
    (/espace/lieux/), where the services move the appointments and tell the people."""

    territory_path = "commune__territory"
    list_display = ["commune", "effective_date", "old_venue", "new_venue", "status"]
    list_filter = ["status"]
    list_select_related = ["commune", "old_venue", "new_venue"]
    date_hierarchy = "effective_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
