"""The booking form an inhabitant fills in: the shape of the input, nothing more.

The rules that involve other rows (is the slot still free?) belong to
``cadran.scheduling.services.book_appointment``; its refusals are put back on these fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from cadran.scheduling.enums import PUBLIC_THEMATIQUE_GROUPS
from cadran.scheduling.models import phone_validator
from cadran.scheduling.services import BeneficiaryData

OTHER_COMMUNE = "autre"

# The reasons an inhabitant may tick, in plain words (the national code is the value),
# in the order of their groups (docs/activite.md).
TOPIC_CHOICES = [
    (code, code.public_label) for _legend, codes in PUBLIC_THEMATIQUE_GROUPS for code in codes
]

NO_CONTACT = (
    "Indiquez un numéro de téléphone ou une adresse e-mail, pour vous prévenir "
    "en cas de changement."
)


class PersonContactForm(forms.Form):
    """Who the person is and how to reach them: shared by the appointment booking form and
    the workshop registration form, with the error summary their templates show."""

    first_name = forms.CharField(
        label="Prénom",
        max_length=100,
        error_messages={"required": "Indiquez votre prénom."},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Nom",
        max_length=100,
        error_messages={"required": "Indiquez votre nom."},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label="Numéro de téléphone",
        required=False,
        max_length=20,
        validators=[phone_validator],
        help_text="Par exemple : 06 12 34 56 78.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label="Adresse e-mail",
        required=False,
        help_text="Par exemple : prenom.nom@exemple.fr",
        error_messages={"invalid": "Cette adresse e-mail ne semble pas juste. Vérifiez-la."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for the summary at the top, in the order of the page."""
        items = [("", str(message)) for message in self.errors.get(NON_FIELD_ERRORS, [])]
        for name in self.fields:
            if name not in self.errors:
                continue
            bound = self[name]
            anchor = bound.id_for_label or f"{bound.auto_id}_0"
            items.extend((anchor, str(message)) for message in self.errors[name])
        return items


class BookingForm(PersonContactForm):
    residence = forms.ChoiceField(
        label="Dans quelle commune habitez-vous ?",
        error_messages={
            "required": "Choisissez votre commune.",
            "invalid_choice": "Choisissez votre commune dans la liste.",
        },
    )
    topics = forms.MultipleChoiceField(
        label="Pour quoi venez-vous ?",
        choices=TOPIC_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez une ou plusieurs cases.",
        error_messages={
            "required": "Cochez au moins une case : pour quoi venez-vous ?",
            "invalid_choice": "Ce motif n'existe pas. Choisissez dans la liste.",
        },
    )
    notify_sms = forms.BooleanField(
        label="Me prévenir par SMS (si c'est un portable)",
        required=False,
        initial=True,
    )
    notify_email = forms.BooleanField(
        label="Me prévenir par e-mail",
        required=False,
        initial=True,
    )
    consent = forms.BooleanField(
        label="J'ai lu les informations sur mes données personnelles.",
        error_messages={
            "required": "Cochez la case pour dire que vous avez lu les informations sur vos données."
        },
    )

    def __init__(self, *args, communes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        residence = self.fields["residence"]
        assert isinstance(residence, forms.ChoiceField)
        residence.choices = [*communes, (OTHER_COMMUNE, "Une autre commune")]

    def clean(self):
        data = super().clean()
        given = data.get("phone") or data.get("email")
        if not given and not self.has_error("phone") and not self.has_error("email"):
            self.add_error("phone", NO_CONTACT)
        return data

    def beneficiary_data(self) -> BeneficiaryData:
        data = self.cleaned_data
        residence = data["residence"]
        return BeneficiaryData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            residence_insee="" if residence == OTHER_COMMUNE else residence,
            notify_email=data["notify_email"],
            notify_sms=data["notify_sms"],
        )

    def topic_groups(self) -> list[tuple[str, list]]:
        """(legend, checkboxes) for each group of reasons, for the template."""
        by_value = {checkbox.data["value"]: checkbox for checkbox in self["topics"]}
        return [
            (legend, [by_value[code] for code in codes])
            for legend, codes in PUBLIC_THEMATIQUE_GROUPS
        ]
