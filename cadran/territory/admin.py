from django.contrib import admin

from cadran.core.admin_scope import TerritoryScopedAdmin

from .models import Commune, Library, Territory, Venue, VenueChange


@admin.register(Territory)
class TerritoryAdmin(TerritoryScopedAdmin):
    territory_path = "pk"
    list_display = ["name", "short_name", "siren"]
    prepopulated_fields = {"slug": ["short_name"]}

    def has_add_permission(self, request):
        return request.user.is_superuser


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
