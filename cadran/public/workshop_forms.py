"""The workshop registration form an inhabitant fills in: the shape of the input only.

Who may come (a resident of the territory, or a member of the library network) is the
service's rule (:func:`cadran.workshops.services.register`); its refusal, with the
Service Culture's contact, is put back next to the field it is about.
"""

from __future__ import annotations

from django import forms

from cadran.workshops.enums import EligibilityBasis
from cadran.workshops.services import PersonData

from .forms import NO_CONTACT, PersonContactForm

BASIS_CHOICES = [
    (EligibilityBasis.RESIDENT.value, "J'habite une de ces communes"),
    (EligibilityBasis.LIBRARY_MEMBER.value, "Je suis inscrit(e) dans une médiathèque du réseau"),
]
NO_BASIS = (
    "Choisissez : vous habitez une commune du territoire, ou vous êtes inscrit(e) "
    "dans une médiathèque du réseau."
)
NO_COMMUNE = "Choisissez votre commune dans la liste."
NO_CARD = "Indiquez le numéro écrit sur votre carte de médiathèque."


class WorkshopRegistrationForm(PersonContactForm):
    basis = forms.ChoiceField(
        label="Vous pouvez venir parce que…",
        choices=BASIS_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": NO_BASIS},
    )
    commune_insee = forms.ChoiceField(
        label="Votre commune",
        required=False,
        error_messages={"invalid_choice": NO_COMMUNE},
    )
    library_card = forms.CharField(
        label="Numéro de votre carte de médiathèque",
        required=False,
        max_length=40,
        help_text="Il est écrit sur votre carte, sous le code-barres.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    notify_sms = forms.BooleanField(
        label="Recevoir un SMS de confirmation et de rappel (si vous avez donné un portable)",
        required=False,
        initial=True,
    )
    notify_email = forms.BooleanField(
        label="Recevoir un e-mail de confirmation et de rappel (si vous avez donné une adresse)",
        required=False,
        initial=True,
    )
    consent = forms.BooleanField(
        label="J'ai lu les informations sur mes données personnelles, en haut de la page.",
        error_messages={
            "required": "Cochez la case pour dire que vous avez lu les informations sur vos données."
        },
    )

    def __init__(self, *args, communes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune_insee"].choices = [("", "Choisissez votre commune"), *communes]

    def clean(self):
        data = super().clean()
        no_contact = not (data.get("phone") or data.get("email"))
        if no_contact and not self.has_error("phone") and not self.has_error("email"):
            self.add_error("phone", NO_CONTACT)
        basis = data.get("basis")
        if not basis and not self.has_error("basis"):
            # Someone who filled in only one of the two is understood without the radio.
            if data.get("commune_insee"):
                basis = EligibilityBasis.RESIDENT
            elif data.get("library_card", "").strip():
                basis = EligibilityBasis.LIBRARY_MEMBER
            else:
                self.add_error("basis", NO_BASIS)
        no_commune = not data.get("commune_insee") and not self.has_error("commune_insee")
        if basis == EligibilityBasis.RESIDENT and no_commune:
            self.add_error("commune_insee", NO_COMMUNE)
        if basis == EligibilityBasis.LIBRARY_MEMBER and not data.get("library_card", "").strip():
            self.add_error("library_card", NO_CARD)
        data["basis"] = basis
        return data

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        resident = data["basis"] == EligibilityBasis.RESIDENT
        return PersonData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            commune_insee=data["commune_insee"] if resident else "",
            library_card="" if resident else data["library_card"],
            notify_email=data["notify_email"],
            notify_sms=data["notify_sms"],
        )
