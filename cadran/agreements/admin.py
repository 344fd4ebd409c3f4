"""Administration: everything the pages do not edit (deliberations, referents, signatories,
the document templates). Scoped to the user's territory like the other apps."""

from __future__ import annotations

from django.contrib import admin

from cadran.core.admin_scope import TerritoryScopedAdmin

from .models import (
    Agreement,
    AgreementTemplate,
    Amendment,
    Deliberation,
    Obligation,
    Referent,
    Renewal,
    Termination,
    Transmission,
)


class DeliberationInline(admin.TabularInline):
    model = Deliberation
    extra = 0


class ReferentInline(admin.TabularInline):
    model = Referent
    extra = 0


class ObligationInline(admin.TabularInline):
    model = Obligation
    extra = 0
    readonly_fields = ["kind", "checked_by"]
    can_delete = False


class TransmissionInline(admin.TabularInline):
    model = Transmission
    extra = 0


class RenewalInline(admin.TabularInline):
    model = Renewal
    extra = 0
    readonly_fields = ["number", "decided_on", "period_start", "period_end"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # through the page: the rules of article 5 apply


class AmendmentInline(admin.StackedInline):
    model = Amendment
    extra = 0
    readonly_fields = ["number", "adopted_on"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(TerritoryScopedAdmin):
    list_display = ["commune", "start_date", "signed_on", "cap_date"]
    list_select_related = ["commune", "territory"]
    search_fields = ["commune__name"]
    filter_horizontal = ["advisers"]
    readonly_fields = ["signed_on", "created_at", "created_by"]
    inlines = [
        DeliberationInline,
        ReferentInline,
        RenewalInline,
        AmendmentInline,
        ObligationInline,
        TransmissionInline,
    ]

    def has_add_permission(self, request):
        return False  # « Préparer une convention »: the checklist and article 8 rows are made there


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "name", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        # A version is never changed once saved: editing saves a new version.
        if change:
            from .services import publish_template

            publish_template(kind=obj.kind, body=obj.body, notes=obj.notes, by=request.user)
            return
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Termination)
class TerminationAdmin(TerritoryScopedAdmin):
    territory_path = "agreement__territory"

    list_display = ["agreement", "requested_by", "requested_on", "effective_on"]
    readonly_fields = ["agreement", "requested_by", "requested_on", "effective_on", "created_by"]

    def has_add_permission(self, request):
        return False
