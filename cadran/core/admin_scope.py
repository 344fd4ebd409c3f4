"""Admin screens scoped like every other staff page: a user sees only their territory."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist


class TerritoryScopedAdmin(admin.ModelAdmin):
    """``territory_path`` is the lookup from the model to its territory id."""

    territory_path = "territory"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{self.territory_path: request.user.territory_id})

    def _scope_choices(self, request, queryset):
        """Choices of a foreign key or many-to-many field limited to the user's territory:
        a list never shows (and a form never accepts) another territory's rows."""
        if request.user.is_superuser or queryset is None:
            return queryset
        model = queryset.model
        names = {f.name for f in model._meta.get_fields()}
        territory_id = request.user.territory_id
        if model._meta.label_lower == "territory.territory":
            return queryset.filter(pk=territory_id)
        if "territory" in names:
            return queryset.filter(territory_id=territory_id)
        if "commune" in names:
            return queryset.filter(commune__territory_id=territory_id)
        return queryset

    def get_list_filter(self, request):
        """Filters on a relation list only the values of the user's own rows (Django's
        default lists every row of the related table, other territories' included)."""
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser:
            return filters
        scoped = []
        for item in filters:
            if isinstance(item, str) and "__" not in item:
                try:
                    field = self.model._meta.get_field(item)
                except FieldDoesNotExist:  # a custom name: keep it as it is
                    field = None
                if field is not None and field.is_relation:
                    item = (item, admin.RelatedOnlyFieldListFilter)
            scoped.append(item)
        return scoped

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._scope_choices(request, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._scope_choices(request, field.queryset)
        return field

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


class ReadOnlyMixin:
    """An admin page (or inline) that shows records made elsewhere and never changes them:
    the pages and services of the app own them (or another system, for imported rows)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TerritoryManagerInline:
    """An inline of a :class:`TerritoryScopedAdmin` page (already scoped to the user's
    territory): the territory's managers see, add, change and delete its rows, as on the
    page itself (Django's default asks for model permissions that no role is given)."""

    def _is_territory_manager(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.manages_territory)

    def has_view_permission(self, request, obj=None):
        return self._is_territory_manager(request)

    def has_add_permission(self, request, obj=None):
        return self._is_territory_manager(request)

    def has_change_permission(self, request, obj=None):
        return self._is_territory_manager(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_territory_manager(request)


def is_culture_service(user) -> bool:
    """The territory's Service Culture (or a superuser), with access to the admin."""
    from cadran.accounts.enums import Role

    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or user.role == Role.CULTURE_SERVICE)
    )


class CultureServiceEditsMixin:
    """Viewed by the managers of the territory, added and changed by its Service Culture
    only (the coordination reads): a territory's rules, circuit and settings."""

    def has_add_permission(self, request, *args):
        return is_culture_service(request.user)

    def has_change_permission(self, request, obj=None):
        return is_culture_service(request.user)
