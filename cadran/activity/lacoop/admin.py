"""La Coop in the admin: the connection is entered by the territory's Service Culture (the
secret is never shown back), the imported activities are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404

from cadran.core.admin_scope import CultureServiceEditsMixin, ReadOnlyMixin, TerritoryScopedAdmin

from .models import PRODUCTION_URL, ImportedActivity, LaCoopConnection


class LaCoopConnectionForm(forms.ModelForm):
    base_url = forms.URLField(
        label="Adresse de l'API",
        assume_scheme="https",
        initial=PRODUCTION_URL,
        help_text="L'API v1 de La Coop en production, sauf essai sur un autre serveur.",
    )
    client_secret = forms.CharField(
        label="Secret client (client-secret)",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Jamais réaffiché. Laissez vide pour garder le secret enregistré.",
    )

    class Meta:
        model = LaCoopConnection
        fields = ["territory", "base_url", "client_id", "client_secret", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.client_secret:
            self.fields["client_secret"].help_text = (
                f"Enregistré : {self.instance.masked_secret}. "
                "Laissez vide pour le garder, saisissez-en un autre pour le remplacer."
            )

    def clean_client_secret(self) -> str:
        secret = self.cleaned_data.get("client_secret") or ""
        if secret:
            return secret
        if self.instance.pk and self.instance.client_secret:
            return self.instance.client_secret
        raise forms.ValidationError("Saisissez le secret client fourni par l'équipe de La Coop.")


@admin.register(LaCoopConnection)
class LaCoopConnectionAdmin(CultureServiceEditsMixin, TerritoryScopedAdmin):
    form = LaCoopConnectionForm
    list_display = ["territory", "client_id", "is_active", "last_synced_at", "has_error"]
    list_select_related = ["territory"]
    readonly_fields = ["last_synced_at", "last_error", "last_error_at", "unmatched_count"]
    fieldsets = [
        (None, {"fields": ["territory", "is_active"]}),
        (
            "Identifiants fournis par La Coop",
            {"fields": ["base_url", "client_id", "client_secret"]},
        ),
        (
            "Synchronisation",
            {"fields": ["last_synced_at", "last_error", "last_error_at", "unmatched_count"]},
        ),
    ]
    actions = ["sync_now"]

    @admin.display(boolean=True, description="erreur")
    def has_error(self, obj) -> bool:
        return bool(obj.last_error)

    @admin.display(description="secret client (client-secret)")
    def secret_hint(self, obj) -> str:
        return obj.masked_secret if obj else ""

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "secret_hint"]
        if not request.user.is_superuser:
            fields.append("territory")
        return fields

    def get_fieldsets(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fieldsets
        # Read only: the secret itself is never rendered, only its masked hint.
        return [
            (
                name,
                {"fields": ["secret_hint" if f == "client_secret" else f for f in opts["fields"]]},
            )
            for name, opts in self.fieldsets
        ]

    def has_add_permission(self, request):
        # One connection per territory: a Service Culture adds its own only once.
        if not super().has_add_permission(request):
            return False
        if request.user.is_superuser:
            return True
        return not LaCoopConnection.objects.filter(territory_id=request.user.territory_id).exists()

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.territory_id = request.user.territory_id
        super().save_model(request, obj, form, change)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    @admin.action(description="Synchroniser maintenant", permissions=["change"])
    def sync_now(self, request, queryset):
        from .tasks import enqueue_sync

        count = 0
        for connection in queryset.filter(is_active=True):
            enqueue_sync(connection)
            count += 1
        self.message_user(
            request, f"Synchronisation demandée pour {count} connexion(s).", messages.SUCCESS
        )


@admin.register(ImportedActivity)
class ImportedActivityAdmin(ReadOnlyMixin, TerritoryScopedAdmin):
    list_display = [
        "date",
        "kind",
        "adviser",
        "commune",
        "duration_minutes",
        "accompaniments",
        "duplicate_of",
        "deleted_at",
    ]
    list_filter = ["kind", "commune"]
    date_hierarchy = "date"
    list_select_related = ["adviser", "commune", "duplicate_of"]
    search_fields = ["external_id"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
