"""Activity records in the admin: read-only (they change through the services, which check
the lock and write the audit log), scoped to the user's territory."""

from django.contrib import admin

from cadran.core.admin_scope import ReadOnlyMixin, TerritoryScopedAdmin

from .models import ActivityParticipant, ActivityRecord, ActivityThematique


class ThematiqueInline(admin.TabularInline):
    model = ActivityThematique
    extra = 0
    can_delete = False
    readonly_fields = ["thematique"]

    def has_add_permission(self, request, obj=None):
        return False


class ParticipantInline(admin.TabularInline):
    model = ActivityParticipant
    extra = 0
    can_delete = False
    fields = ["genre", "birth_year", "tranche_age", "statut_social", "commune_insee", "first_visit"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActivityRecord)
class ActivityRecordAdmin(ReadOnlyMixin, TerritoryScopedAdmin):
    list_display = ["date", "kind", "adviser", "place_type", "duration_minutes", "locked_at"]
    list_filter = ["kind", "place_type"]
    date_hierarchy = "date"
    list_select_related = ["adviser"]
    inlines = [ThematiqueInline, ParticipantInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


# The La Coop connector's admin pages (registered when imported).
from .lacoop import admin as _lacoop_admin  # noqa: E402, F401
