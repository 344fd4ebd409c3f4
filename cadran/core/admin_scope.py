"""Admin screens scoped like every other staff page: a user sees only their territory."""

from __future__ import annotations

from django.contrib import admin


class TerritoryScopedAdmin(admin.ModelAdmin):
    """``territory_path`` is the lookup from the model to its territory id."""

    territory_path = "territory"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{self.territory_path: request.user.territory_id})

    def _is_territory_manager(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.manages_territory

    def has_module_permission(self, request):
        return self._is_territory_manager(request)

    def has_view_permission(self, request, obj=None):
        return self._is_territory_manager(request)

    def has_add_permission(self, request):
        return self._is_territory_manager(request)

    def has_change_permission(self, request, obj=None):
        return self._is_territory_manager(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
