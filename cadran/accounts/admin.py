from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from cadran.core.admin_scope import TerritoryScopedAdmin

from .models import User


@admin.register(User)
class UserAdmin(TerritoryScopedAdmin, DjangoUserAdmin):
    territory_path = "territory"
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "role", "territory", "is_active"]
    list_filter = ["role", "is_active", "territory"]
    search_fields = ["email", "first_name", "last_name"]
    filter_horizontal = ["communes"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "phone"]}),
        ("Rôle et périmètre", {"fields": ["role", "territory", "communes", "library"]}),
        ("Accès", {"fields": ["is_active", "is_staff", "is_superuser", "last_login"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "territory",
                    "password1",
                    "password2",
                ],
            },
        )
    ]
    readonly_fields = ["last_login"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "territory"]
        return fields

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.territory_id = request.user.territory_id
            obj.is_superuser = False
        super().save_model(request, obj, form, change)
