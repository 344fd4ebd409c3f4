"""Admin screens, scoped to the user's territory.

Formats, the review circuit and the workshops' settings (default minimum) are settings
and are edited here; the circuit and the settings by the territory's Service Culture only
(the coordination sees them). Workshops, requests, sessions and registrations
change through the services (their workflow, their checks, the audit log): here they are
read-only, with their history.
"""

from django.contrib import admin

from cadran.core.admin_scope import CultureServiceEditsMixin as BaseCultureServiceEditsMixin
from cadran.core.admin_scope import ReadOnlyMixin, TerritoryScopedAdmin, is_culture_service

from .models import (
    Attendance,
    InterventionRequest,
    Registration,
    ReviewStep,
    Session,
    Workshop,
    WorkshopFormat,
    WorkshopReview,
    WorkshopSettings,
)


@admin.register(WorkshopFormat)
class WorkshopFormatAdmin(TerritoryScopedAdmin):
    list_display = [
        "name",
        "kind",
        "level",
        "default_duration_minutes",
        "default_capacity",
        "min_attendance",
        "is_active",
    ]
    list_filter = ["kind", "level", "is_active"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["territory", "name", "kind", "description", "level", "is_active"]}),
        (
            "Valeurs par défaut des séances",
            {"fields": ["default_duration_minutes", "default_capacity", "min_attendance"]},
        ),
        (
            "Ce qu'il faut sur place",
            {
                "fields": [
                    "needs_wifi",
                    "needs_tables_chairs",
                    "needs_projector",
                    "needs_screen",
                    "needs_pc",
                    "needs_3d_printer",
                ]
            },
        ),
    ]


class CultureServiceEditsMixin(BaseCultureServiceEditsMixin):
    """The circuit and settings: the Service Culture also removes a step."""

    def has_delete_permission(self, request, obj=None):
        return is_culture_service(request.user)


@admin.register(ReviewStep)
class ReviewStepAdmin(CultureServiceEditsMixin, TerritoryScopedAdmin):
    """The territory's review circuit: its steps in order. With fewer than two steps, the
    neutral circuit « Proposition » → « Validation » applies."""

    list_display = ["position", "name", "territory"]
    list_display_links = ["name"]
    list_select_related = ["territory"]
    ordering = ["territory", "position", "pk"]
    fields = ["territory", "position", "name"]


@admin.register(WorkshopSettings)
class WorkshopSettingsAdmin(CultureServiceEditsMixin, TerritoryScopedAdmin):
    list_display = ["territory", "default_min_attendance"]
    list_select_related = ["territory"]
    fields = ["territory", "default_min_attendance"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class WorkshopReviewInline(ReadOnlyMixin, admin.TabularInline):
    model = WorkshopReview
    extra = 0
    fields = ["at", "from_status", "to_status", "step_name", "meeting_date", "remarks", "by"]
    readonly_fields = fields


@admin.register(Workshop)
class WorkshopAdmin(ReadOnlyMixin, TerritoryScopedAdmin):
    list_display = ["title", "format", "level", "is_cycle", "status"]
    list_filter = ["status", "level", "is_cycle"]
    list_select_related = ["format"]
    search_fields = ["title"]
    inlines = [WorkshopReviewInline]


@admin.register(InterventionRequest)
class InterventionRequestAdmin(ReadOnlyMixin, TerritoryScopedAdmin):
    territory_path = "workshop__territory"
    list_display = ["workshop", "library", "off_site", "status", "created_at"]
    list_filter = ["status", "off_site"]
    list_select_related = ["workshop", "library"]


class RegistrationInline(ReadOnlyMixin, admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["reference", "first_name", "last_name", "status", "overbooked", "created_at"]
    readonly_fields = fields


@admin.register(Session)
class SessionAdmin(ReadOnlyMixin, TerritoryScopedAdmin):
    territory_path = "workshop__territory"
    list_display = [
        "workshop",
        "start",
        "venue",
        "off_site_name",
        "capacity",
        "min_attendance",
        "decision_at",
        "status",
    ]
    list_filter = ["status"]
    search_fields = ["workshop__title", "off_site_name"]
    list_select_related = ["workshop", "venue__commune"]
    date_hierarchy = "start"
    inlines = [RegistrationInline]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyMixin, TerritoryScopedAdmin):
    territory_path = "session__workshop__territory"
    list_display = ["reference", "session", "status", "eligibility_basis", "created_at"]
    list_filter = ["status", "eligibility_basis", "confirmation_answer"]
    list_select_related = ["session__workshop"]
    search_fields = ["reference", "last_name"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyMixin, TerritoryScopedAdmin):
    territory_path = "session__workshop__territory"
    list_display = ["session", "registration", "present", "recorded_at"]
    list_select_related = ["session__workshop", "registration"]
