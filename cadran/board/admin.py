"""The travel-time matrix, edited by the Service Culture and the coordination."""

from django.contrib import admin

from cadran.core.admin_scope import TerritoryScopedAdmin
from cadran.territory.models import Commune, Territory

from .models import TravelTime


@admin.register(TravelTime)
class TravelTimeAdmin(TerritoryScopedAdmin):
    list_display = ["from_commune", "to_commune", "minutes", "is_estimate"]
    list_editable = ["minutes", "is_estimate"]
    list_filter = ["is_estimate", "from_commune"]
    list_select_related = ["from_commune", "to_commune"]
    search_fields = ["from_commune__name", "to_commune__name"]
    fields = ["territory", "from_commune", "to_commune", "minutes", "is_estimate"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.name == "territory":
                kwargs["queryset"] = Territory.objects.filter(pk=request.user.territory_id)
            elif db_field.name in ("from_commune", "to_commune"):
                kwargs["queryset"] = Commune.objects.filter(territory_id=request.user.territory_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
