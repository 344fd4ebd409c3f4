from django.contrib import admin

from cadran.core.admin_scope import TerritoryScopedAdmin

from .models import CalendarFeedToken, Charter


@admin.register(Charter)
class CharterAdmin(TerritoryScopedAdmin):
    list_display = ["territory", "primary_color", "secondary_color", "logo_text", "updated_at"]
    list_select_related = ["territory"]
    fieldsets = [
        (None, {"fields": ["territory", "message", "footer_text"]}),
        ("Couleurs", {"fields": ["primary_color", "secondary_color"]}),
        ("Polices", {"fields": ["heading_font", "body_font"]}),
        ("Logo", {"fields": ["logo_text", "logo_svg"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("territory")
        if field is not None and not request.user.is_superuser:
            field.queryset = field.queryset.filter(pk=request.user.territory_id)
        return form


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(TerritoryScopedAdmin):
    """Read and revoke only: the secret itself is never stored."""

    territory_path = "user__territory"
    list_display = ["user", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "created_at", "last_used_at"]
    fields = ["user", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        return False
