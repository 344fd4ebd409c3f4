"""Administration: everything the pages do not edit (deliberations, referents, signatories,
the territory's rules and document templates). Scoped to the user's territory like the
other apps; the rules and templates are changed by the territory's Service Culture only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from cadran.core.admin_scope import (
    CultureServiceEditsMixin,
    TerritoryManagerInline,
    TerritoryScopedAdmin,
)

from .models import (
    Agreement,
    AgreementRules,
    AgreementTemplate,
    Amendment,
    Deliberation,
    Obligation,
    Referent,
    Renewal,
    Termination,
    Transmission,
)


class DeliberationInline(TerritoryManagerInline, admin.TabularInline):
    model = Deliberation
    extra = 0


class ReferentInline(TerritoryManagerInline, admin.TabularInline):
    model = Referent
    extra = 0


class ObligationInline(TerritoryManagerInline, admin.TabularInline):
    model = Obligation
    extra = 0
    readonly_fields = ["kind", "checked_by"]
    can_delete = False


class TransmissionInline(TerritoryManagerInline, admin.TabularInline):
    model = Transmission
    extra = 0


class RenewalInline(TerritoryManagerInline, admin.TabularInline):
    model = Renewal
    extra = 0
    readonly_fields = ["number", "decided_on", "period_start", "period_end"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # through the page: the rules of article 5 apply


class AmendmentInline(TerritoryManagerInline, admin.StackedInline):
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


class CultureServiceAdmin(CultureServiceEditsMixin, TerritoryScopedAdmin):
    """Seen by the territory's managers, changed by its Service Culture (and the superuser).
    Another territory's row is a 404, not the admin's redirect."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("territory")
        return fields

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404


@admin.register(AgreementRules)
class AgreementRulesAdmin(CultureServiceAdmin):
    list_display = ["territory", "term_months", "max_renewals", "notice_months", "cap_date"]
    list_select_related = ["territory"]
    fieldsets = [
        (None, {"fields": ["territory"]}),
        ("Durée", {"fields": ["term_months", "max_renewals", "default_start_date"]}),
        (
            "Limite absolue",
            {
                "fields": [
                    "cap_date",
                    "cap_months",
                    "cap_deliberation_body",
                    "cap_deliberation_number",
                    "cap_deliberation_date",
                    "cap_deliberation_subject",
                ]
            },
        ),
        ("Résiliation", {"fields": ["notice_months"]}),
        ("Alertes", {"fields": ["renewal_alert_months", "cap_alert_months"]}),
    ]

    def has_add_permission(self, request):
        # One row per territory: a Service Culture adds its own only once.
        if not super().has_add_permission(request):
            return False
        if request.user.is_superuser:
            return True
        return not AgreementRules.objects.filter(territory_id=request.user.territory_id).exists()

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.territory_id = request.user.territory_id
        super().save_model(request, obj, form, change)


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(CultureServiceAdmin):
    list_display = ["territory", "kind", "version", "name", "created_at"]
    list_filter = ["territory", "kind"]
    list_select_related = ["territory"]
    fields = [
        "territory",
        "kind",
        "version",
        "preview",
        "name",
        "body",
        "notes",
        "created_at",
        "created_by",
    ]
    readonly_fields = ["version", "preview", "created_at", "created_by"]

    @admin.display(description="aperçu")
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "Enregistrez d'abord le modèle."
        url = reverse("admin:agreements_agreementtemplate_preview", args=[obj.pk])
        return format_html(
            '<a href="{}">Voir cette version remplie avec la dernière convention (PDF)</a>', url
        )

    def get_urls(self):
        own = [
            path(
                "<int:pk>/apercu/",
                self.admin_site.admin_view(self.preview_view),
                name="agreements_agreementtemplate_preview",
            )
        ]
        return own + super().get_urls()

    def preview_view(self, request, pk: int):
        from .documents import DocumentIncomplete, NothingToPreview, preview_pdf

        template = self.get_queryset(request).filter(pk=pk).first()
        if template is None or not self.has_view_permission(request, template):
            raise Http404
        back = reverse("admin:agreements_agreementtemplate_change", args=[pk])
        try:
            content = preview_pdf(template)
        except NothingToPreview as exc:
            messages.warning(request, str(exc))
            return redirect(back)
        except DocumentIncomplete as exc:
            messages.error(request, exc.message)
            return redirect(back)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="apercu-modele-{pk}.pdf"'
        return response

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["territory", "kind"]  # a new version of the same document
        return fields

    def save_model(self, request, obj, form, change):
        # A version is never changed once saved: saving publishes a new version (numbered
        # in the territory and kind), through the service that checks the text.
        from .services import publish_template

        territory = obj.territory if request.user.is_superuser else request.user.territory
        if change:
            old = AgreementTemplate.objects.get(pk=obj.pk)
            territory = old.territory
        try:
            new = publish_template(
                territory=territory,
                kind=obj.kind,
                body=obj.body,
                notes=obj.notes,
                name=obj.name,
                by=request.user,
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
        obj.pk, obj.version, obj.territory = new.pk, new.version, new.territory

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "body" in form.base_fields:
            form.base_fields["body"].help_text = (
                "HTML (h1, h2, h3, p avec les classes right, center, subtitle, indent, ul/li, "
                "strong, em, br) et langage de gabarit de Django : {{ commune.name }}, "
                "{{ term_phrase }}, {{ renewals_phrase }}, {{ notice_label }}, "
                "{{ agreement.cap_date }}… (docs/conventions.md). Enregistrer publie une "
                "nouvelle version."
            )
            form.base_fields["body"].validators.append(_check_body)
        return form


def _check_body(body: str) -> None:
    from .documents import check_template_body

    error = check_template_body(body)
    if error:
        raise ValidationError(error)


@admin.register(Termination)
class TerminationAdmin(TerritoryScopedAdmin):
    territory_path = "agreement__territory"

    list_display = ["agreement", "requested_by", "requested_on", "effective_on"]
    readonly_fields = ["agreement", "requested_by", "requested_on", "effective_on", "created_by"]

    def has_add_permission(self, request):
        return False
