"""« Mes jetons d'API » (/compte/jetons/): list, create (the token is shown once, with the
rights chosen), extend by a year, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cadran.core import clock

from .models import ApiScope, ApiToken
from .services import create_api_token, extend_api_token, revoke_api_token


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="À quoi il va servir, par exemple « Tableur de la coordination ».",
        error_messages={"required": "Donnez un nom au jeton."},
    )
    scopes = forms.MultipleChoiceField(
        label="Ce que le jeton permet",
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez seulement ce dont l'outil a besoin. Le jeton vaut un an.",
        error_messages={
            "required": "Cochez au moins un droit pour ce jeton.",
            "invalid_choice": "Droit inconnu.",
        },
    )


@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    clear = None
    if request.method == "POST" and form.is_valid():
        try:
            _row, clear = create_api_token(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, field_messages in exc.message_dict.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                for message in exc.messages:
                    form.add_error(None, message)
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.visible_to(request.user)
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "clear": clear, "now": clock.now()},
    )


@login_required
@require_POST
def api_token_extend(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    try:
        extend_api_token(token=token, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        until = clock.paris(token.expires_at)
        messages.success(
            request,
            f"Le jeton « {token.name} » est prolongé : il marche jusqu'au {until:%d/%m/%Y}.",
        )
    return redirect("accounts:api_tokens")


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    revoke_api_token(token=token, by=request.user)
    messages.success(request, f"Le jeton « {token.name} » est révoqué : il ne marche plus.")
    return redirect("accounts:api_tokens")
