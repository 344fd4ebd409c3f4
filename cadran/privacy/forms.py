"""Forms of the personal-data pages: the shape of the input only."""

from __future__ import annotations

from django import forms

from cadran.scheduling.models import Beneficiary, phone_validator
from cadran.workshops.models import Registration

from .models import RetentionPolicy

EMAIL_ERRORS = {"invalid": "Cette adresse e-mail n'est pas complète (exemple : nom@exemple.fr)."}
NUMBER_ERRORS = {
    "invalid": "Écrivez un nombre de mois en chiffres.",
    "required": "Indiquez un nombre de mois.",
    "min_value": "Au moins %(limit_value)s mois.",
    "max_value": "Au plus %(limit_value)s mois.",
}


class PolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["beneficiary_months", "registration_months", "audit_log_months"]
        error_messages = {name: NUMBER_ERRORS for name in fields}


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Nom, téléphone, adresse e-mail ou numéro de carte de médiathèque",
        min_length=2,
        max_length=100,
        help_text="Au moins 2 lettres. Plusieurs mots : chaque mot doit correspondre.",
        error_messages={
            "required": "Tapez ce que vous cherchez.",
            "min_length": "Tapez au moins 2 lettres.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class _PersonForm(forms.ModelForm):
    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        if phone:
            phone_validator(phone)
        return phone


class BeneficiaryCorrectionForm(_PersonForm):
    class Meta:
        model = Beneficiary
        fields = [
            "first_name",
            "last_name",
            "phone",
            "email",
            "no_phone",
            "notify_sms",
            "notify_email",
            "residence_insee",
            "birth_year",
        ]
        labels = {
            "first_name": "Prénom",
            "last_name": "Nom",
            "phone": "Téléphone",
            "email": "Adresse e-mail",
            "no_phone": "Pas de téléphone ni d'e-mail",
            "notify_sms": "Prévenir par SMS",
            "notify_email": "Prévenir par e-mail",
            "residence_insee": "Commune où la personne habite (code INSEE, 5 chiffres)",
            "birth_year": "Année de naissance",
        }
        error_messages = {
            "email": EMAIL_ERRORS,
            "first_name": {"required": "Indiquez le prénom."},
            "last_name": {"required": "Indiquez le nom."},
        }


class RegistrationCorrectionForm(_PersonForm):
    class Meta:
        model = Registration
        fields = [
            "first_name",
            "last_name",
            "phone",
            "email",
            "notify_sms",
            "notify_email",
            "commune_insee",
            "library_card",
        ]
        labels = {
            "first_name": "Prénom",
            "last_name": "Nom",
            "phone": "Téléphone",
            "email": "Adresse e-mail",
            "notify_sms": "Prévenir par SMS",
            "notify_email": "Prévenir par e-mail",
            "commune_insee": "Commune où la personne habite (code INSEE, 5 chiffres)",
            "library_card": "Numéro de carte de médiathèque",
        }
        error_messages = {
            "email": EMAIL_ERRORS,
            "first_name": {"required": "Indiquez le prénom."},
            "last_name": {"required": "Indiquez le nom."},
        }


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="Je confirme : effacer le nom, les coordonnées et les notes de cette personne. "
        "Cela ne peut pas être annulé.",
        error_messages={"required": "Cochez la case pour confirmer l'effacement."},
    )
