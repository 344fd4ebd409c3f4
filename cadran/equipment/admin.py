"""Admin screens, scoped to the user's territory.

Items are added and renamed here (their state changes on the item's page, audit-logged).
Loans change only through the services (their checks, their messages, the audit log):
here they are read-only.
"""

from django.contrib import admin

from cadran.core.admin_scope import TerritoryScopedAdmin
from cadran.territory.models import Territory

from .models import Equipment, Loan


@admin.register(Equipment)
class EquipmentAdmin(TerritoryScopedAdmin):
    list_display = ["name", "identifier", "kind", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "identifier"]
    fields = ["territory", "identifier", "kind", "name", "notes", "status"]

    def get_readonly_fields(self, request, obj=None):
        # The state is set on the item's page (checked against the loans, audit-logged).
        return ["status"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "territory" and not request.user.is_superuser:
            kwargs["queryset"] = Territory.objects.filter(pk=request.user.territory_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Loan)
class LoanAdmin(TerritoryScopedAdmin):
    territory_path = "equipment__territory"
    list_display = ["equipment", "commune", "library", "start_date", "end_date", "status"]
    list_filter = ["status", "equipment__kind"]
    search_fields = ["equipment__name", "equipment__identifier", "commune__name"]
    list_select_related = ["equipment", "commune", "library"]
    date_hierarchy = "start_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
