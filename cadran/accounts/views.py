"""Login and logout of staff members (inhabitants have no account), the second factor,
and the forgotten-password pages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import twofactor


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": "Indiquez votre adresse e-mail.",
            "invalid": "Cette adresse e-mail n'est pas complète (exemple : nom@exemple.fr).",
        },
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Indiquez votre mot de passe."},
    )

    error_messages = {
        "invalid_login": (
            "L'adresse e-mail ou le mot de passe ne sont pas bons. Vérifiez-les et réessayez."
        ),
        "inactive": "Ce compte est désactivé. Contactez le Service Culture.",
    }


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _with_next(url_name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from django.conf import settings

        ctx = super().get_context_data(**kwargs)
        ctx["failure_limit"] = settings.AXES_FAILURE_LIMIT
        ctx["cooloff_minutes"] = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        return ctx

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        if twofactor.needs_verification(user):
            next_url = self.get_success_url()
            if user.has_second_factor:
                return redirect(_with_next("accounts:two_factor_verify", next_url))
            return redirect(_with_next("accounts:two_factor_setup", next_url))
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot log someone out."""


# --- Second factor ---------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text=(
            "Les 6 chiffres affichés par l'application d'authentification, "
            "ou un de vos codes de secours."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        error_messages={"required": "Tapez le code."},
    )


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label="Code affiché par l'application",
        max_length=12,
        help_text="6 chiffres, par exemple 123456.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "Tapez le code affiché par l'application."},
    )


def _put_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@never_cache
@login_required
@sensitive_post_parameters("code")
def two_factor_verify(request):
    """Second step of the login: the code of the app, or a recovery code."""
    user = request.user
    next_url = _safe_next(request, reverse("staff:home"))
    if not user.has_second_factor:
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    if twofactor.is_verified(request):
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = twofactor.verify_code(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            twofactor.mark_verified(request)
            if kind == "recovery":
                left = twofactor.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"Vous avez utilisé un code de secours. Il vous en reste {left}. "
                    "Pensez à en créer de nouveaux depuis « Double authentification ».",
                )
            return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
@sensitive_post_parameters("code")
def two_factor_setup(request):
    """Turn the second factor on: scan the QR code (or type the secret), confirm a code."""
    user = request.user
    next_url = _safe_next(request, reverse("staff:home"))
    if user.has_second_factor and not twofactor.is_verified(request):
        return redirect(_with_next("accounts:two_factor_verify", next_url))
    secret = request.session.get(twofactor.SESSION_PENDING_SECRET)
    if not secret:
        secret = twofactor.new_secret()
        request.session[twofactor.SESSION_PENDING_SECRET] = secret
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_enrolment(
                user=user, secret=secret, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            request.session.pop(twofactor.SESSION_PENDING_SECRET, None)
            twofactor.mark_verified(request)
            return _show_recovery_codes(request, codes, next_url)
    uri = twofactor.provisioning_uri(user=user, secret=secret)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": twofactor.qr_code_svg(uri),
            "secret": twofactor.format_secret(secret),
            "already_on": user.has_second_factor,
            "required": twofactor.must_use_second_factor(user),
        },
    )


def _show_recovery_codes(request, codes: list[str], next_url: str):
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
def recovery_codes(request):
    """Replace the recovery codes (the old ones stop working); shown once."""
    user = request.user
    if not user.has_second_factor:
        return redirect("accounts:two_factor_setup")
    if not twofactor.is_verified(request):
        return redirect(_with_next("accounts:two_factor_verify", request.get_full_path()))
    if request.method == "POST":
        codes = twofactor.regenerate_recovery_codes(user=user)
        return _show_recovery_codes(request, codes, reverse("staff:home"))
    return render(
        request,
        "accounts/recovery_codes_renew.html",
        {"left": twofactor.recovery_codes_left(user)},
    )


# --- Forgotten password ------------------------------------------------------------------------


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label="Adresse e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": "Indiquez votre adresse e-mail.",
            "invalid": "Cette adresse e-mail n'est pas complète (exemple : nom@exemple.fr).",
        },
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Signed by the user's territory, from its sender, with the link on its site
        (docs/territoire.md); the install's settings for a user without territory."""
        from cadran.territory import identity as territory_identity

        user = context.get("user")
        found = territory_identity.for_id(getattr(user, "territory_id", None))
        context = {**context, "identity": found}
        if found.site_url_value:
            context["protocol"], context["domain"] = found.protocol, found.domain
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            found.from_email if found.territory_id else from_email,
            to_email,
            html_email_template_name,
        )


class NewPasswordForm(SetPasswordForm):
    error_messages = {
        "password_mismatch": "Les deux mots de passe ne sont pas identiques.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields[
            "new_password1"
        ].help_text = (
            "Au moins 12 caractères, pas seulement des chiffres, pas un mot de passe courant."
        )
        self.fields["new_password2"].label = "Le même mot de passe, encore une fois"
        self.fields["new_password2"].help_text = ""
        for name in ("new_password1", "new_password2"):
            self.fields[name].error_messages["required"] = "Tapez le mot de passe."


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = ResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Lockout (django-axes) ----------------------------------------------------------------------


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of the login form while an account is locked (HTTP 429)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request,
        "accounts/lockout.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
