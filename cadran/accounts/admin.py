from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from cadran.core import audit
from cadran.core.admin_scope import TerritoryScopedAdmin

from . import staff
from .models import ApiToken, User
from .twofactor import disable_second_factor

# What decides what an account may see or do: any change is an audit-log entry.
ACCESS_FIELDS = ["role", "territory", "library", "is_active", "is_staff", "is_superuser"]


def _describe(value) -> str:
    if value is True:
        return "oui"
    if value is False:
        return "non"
    if value is None or value == "":
        return "—"
    return str(value)


class StaffCreationForm(forms.ModelForm):
    """One screen for a new member of staff: identity, role, scope; the password is
    optional (without it, an invitation e-mail lets the person choose it)."""

    password1 = forms.CharField(
        label="Mot de passe (facultatif)",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            "Laissez vide : la personne reçoit un e-mail pour choisir son mot de passe. "
            "Sinon, au moins 12 caractères."
        ),
    )

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "phone", "role", "territory"]
        fields += ["communes", "library"]

    def clean_password1(self):
        password = self.cleaned_data.get("password1")
        if password:
            validate_password(password)
        return password

    def clean(self):
        cleaned = super().clean()
        territory = cleaned.get("territory") or getattr(self, "forced_territory", None)
        errors = staff.scope_errors(
            role=cleaned.get("role") or "",
            territory=territory,
            communes=cleaned.get("communes") or [],
            library=cleaned.get("library"),
        )
        if territory is None:
            errors.setdefault("territory", []).append("Choisissez le territoire du compte.")
        for field, messages_ in errors.items():
            for message in messages_:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(User)
class UserAdmin(TerritoryScopedAdmin, DjangoUserAdmin):
    territory_path = "territory"
    ordering = ["last_name", "first_name"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "role",
        "territory",
        "is_active",
        "has_second_factor",
    ]
    actions = ["reset_second_factor"]
    list_filter = ["role", "is_active", "territory"]
    search_fields = ["email", "first_name", "last_name"]
    filter_horizontal = ["communes"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "phone"]}),
        ("Rôle et périmètre", {"fields": ["role", "territory", "communes", "library"]}),
        ("Accès", {"fields": ["is_active", "is_staff", "is_superuser", "last_login"]}),
    ]
    add_form = StaffCreationForm
    add_form_template = "admin/change_form.html"
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "first_name", "last_name", "phone"]}),
        (
            "Rôle et périmètre",
            {
                "fields": ["role", "territory", "communes", "library"],
                "description": (
                    "Un conseiller ou un référent suit au moins une commune, un bibliothécaire "
                    "appartient à une bibliothèque. Le Service Culture et la coordination "
                    "ont accès à l'administration."
                ),
            },
        ),
        ("Mot de passe", {"fields": ["password1"]}),
    ]
    readonly_fields = ["last_login"]

    @admin.display(boolean=True, description="double authentification")
    def has_second_factor(self, obj) -> bool:
        return obj.has_second_factor

    @admin.action(description="Remettre à zéro la double authentification (téléphone perdu)")
    def reset_second_factor(self, request, queryset):
        count = 0
        for user in queryset:
            disable_second_factor(user=user, by=request.user)
            count += 1
        messages.success(
            request,
            f"{count} compte(s) : la double authentification sera à activer à la prochaine "
            "connexion.",
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "territory"]
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            # Not a superuser: the territory is read-only, it is the user's own.
            form.forced_territory = None if request.user.is_superuser else request.user.territory
        return form

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        return User()  # created by save_model(), with its scope, in one transaction

    def save_model(self, request, obj, form, change):
        if not change:
            # One screen: the account, its scope, its admin access and its invitation.
            data = form.cleaned_data
            try:
                created = staff.create_staff_account(
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data.get("phone") or "",
                    role=data["role"],
                    territory=data.get("territory") or request.user.territory,
                    communes=data.get("communes") or [],
                    library=data.get("library"),
                    password=data.get("password1") or None,
                    by=request.user,
                )
            except ValidationError as exc:  # checked by the form; only a race gets here
                messages.error(request, " ".join(exc.messages))
                raise
            obj.__dict__.update(created.__dict__)
            if not data.get("password1"):
                messages.info(
                    request,
                    f"Une invitation à choisir son mot de passe est envoyée à {created.email}.",
                )
            return
        if not request.user.is_superuser:
            obj.territory_id = request.user.territory_id
            obj.is_superuser = False
        before = None
        if change and obj.pk:
            before = User.objects.filter(pk=obj.pk).values(*ACCESS_FIELDS).first()
        super().save_model(request, obj, form, change)
        self._log_access_change(request, obj, before)

    def _log_access_change(self, request, obj, before) -> None:
        if before is None:
            audit.record(
                actor=request.user,
                obj=obj,
                action="account.created",
                description=(
                    f"Compte de {obj} créé par {request.user} avec le rôle "
                    f"« {obj.get_role_display()} »."
                ),
                territory_id=obj.territory_id,
            )
            return
        after = {
            "role": obj.role,
            "territory": obj.territory_id,
            "library": obj.library_id,
            "is_active": obj.is_active,
            "is_staff": obj.is_staff,
            "is_superuser": obj.is_superuser,
        }
        changes = [
            f"{User._meta.get_field(name).verbose_name} : {_describe(before[name])} → "
            f"{_describe(after[name])}"
            for name in ACCESS_FIELDS
            if before[name] != after[name]
        ]
        if changes:
            audit.record(
                actor=request.user,
                obj=obj,
                action="account.role_changed",
                description=f"Droits de {obj} changés par {request.user} : " + " ; ".join(changes),
                territory_id=obj.territory_id,
            )

    def save_related(self, request, form, formsets, change):
        if not change:  # create_staff_account() set the communes
            return
        obj = form.instance
        before = set(obj.communes.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(obj.communes.values_list("pk", flat=True))
        if change and before != after:
            names = ", ".join(str(c) for c in obj.communes.order_by("name")) or "aucune"
            audit.record(
                actor=request.user,
                obj=obj,
                action="account.role_changed",
                description=f"Communes de {obj} changées par {request.user} : {names}.",
                territory_id=obj.territory_id,
            )


@admin.register(ApiToken)
class ApiTokenAdmin(TerritoryScopedAdmin):
    """Tokens are seen here, never created or changed: their owner creates them on « Mes
    jetons d'API » (the clear token is shown once), extends and revokes them there."""

    territory_path = "user__territory"
    list_display = ["name", "user", "prefix", "scopes", "created_at", "expires_at"]
    list_display += ["last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
