from django.contrib import admin

from cadran.core.admin_scope import TerritoryScopedAdmin

from .models import PurgeRun, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(TerritoryScopedAdmin):
    list_display = [
        "territory",
        "beneficiary_months",
        "registration_months",
        "audit_log_months",
        "updated_at",
    ]
    readonly_fields = ["updated_at", "updated_by"]

    # The Service Culture changes the durations on /espace/donnees/ (audit-logged).
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(PurgeRun)
class PurgeRunAdmin(TerritoryScopedAdmin):
    """The trace of each purge: read only."""

    list_display = ["day", "territory", "ran_at", "total"]
    readonly_fields = ["territory", "day", "ran_at", "counts"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
