"""Forms of the venue pages: the shape of the input only; the rules are in the services."""

from __future__ import annotations

from django import forms

from cadran.core.french import de

from .models import Commune, Venue

NEW = "nouveau"

DATE_ERROR = "Écrivez la date comme ceci : 24/12/2026."


def venue_label(venue: Venue, with_commune: bool = False) -> str:
    label = f"{venue.full_place} — {venue.address}"
    return f"{label} ({venue.commune.name})" if with_commune else label


class VenueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Venue) -> str:
        return venue_label(obj)


class DeclareVenueChangeForm(forms.Form):
    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choisissez une commune de la liste."},
    )
    old_venue = VenueChoiceField(
        label="Le lieu que vous quittez",
        queryset=Venue.objects.none(),
        empty_label="— Choisissez —",
        error_messages={
            "required": "Choisissez le lieu que vous quittez.",
            "invalid_choice": "Choisissez un lieu de la liste.",
        },
    )
    new_choice = forms.ChoiceField(
        label="Le nouveau lieu",
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le nouveau lieu, ou « Un autre lieu »."},
    )
    effective_date = forms.DateField(
        label="À partir du",
        help_text="Le premier jour dans le nouveau lieu. Prévenez au moins un jour avant.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date du changement.", "invalid": DATE_ERROR},
    )
    name = forms.CharField(
        label="Nom du nouveau lieu",
        max_length=200,
        required=False,
        help_text="Seulement pour un autre lieu. Par exemple : Salle des fêtes.",
    )
    address = forms.CharField(label="Adresse", max_length=255, required=False)
    room = forms.CharField(
        label="Salle ou bureau", max_length=200, required=False, help_text="Facultatif."
    )
    confidential = forms.BooleanField(label="Bureau fermé, pour parler en privé", required=False)
    accessible = forms.BooleanField(label="Accessible en fauteuil roulant", required=False)
    heated = forms.BooleanField(label="Chauffé", required=False)
    wifi = forms.BooleanField(label="Wifi", required=False)
    insured = forms.BooleanField(label="Assuré par la commune", required=False)
    has_tables_chairs = forms.BooleanField(label="Tables et chaises", required=False)
    has_projector = forms.BooleanField(label="Vidéoprojecteur", required=False)
    has_screen = forms.BooleanField(label="Écran", required=False)
    has_pc = forms.BooleanField(label="Ordinateur", required=False)
    has_printer = forms.BooleanField(label="Imprimante", required=False)
    note = forms.CharField(
        label="Message pour le Service Culture",
        required=False,
        max_length=2000,
        help_text="Facultatif. Par exemple : travaux à la mairie jusqu'en mars.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    FLAG_FIELDS = (
        "confidential",
        "accessible",
        "heated",
        "wifi",
        "insured",
        "has_tables_chairs",
        "has_projector",
        "has_screen",
        "has_pc",
        "has_printer",
    )

    def __init__(self, *args, communes, venues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["old_venue"].queryset = venues
        self.single_commune = len(communes) == 1
        if self.single_commune:
            self.fields["commune"].initial = communes[0].pk
        several = not self.single_commune
        self.fields["old_venue"].label_from_instance = lambda v: venue_label(v, several)
        self.fields["new_choice"].choices = [
            *((str(v.pk), venue_label(v, several)) for v in venues),
            (NEW, "Un autre lieu (décrivez-le ci-dessous)"),
        ]
        self._venues = {str(v.pk): v for v in venues}

    def flag_fields(self):
        return [self[name] for name in self.FLAG_FIELDS]

    def clean(self):
        data = super().clean()
        choice = data.get("new_choice")
        data["new_venue"] = None
        if choice and choice != NEW:
            data["new_venue"] = self._venues.get(choice)
        if choice == NEW:
            if not data.get("name", "").strip():
                self.add_error("name", "Indiquez le nom du nouveau lieu.")
            if not data.get("address", "").strip():
                self.add_error("address", "Indiquez l'adresse du nouveau lieu.")
        commune = data.get("commune")
        for name in ("old_venue", "new_venue"):
            venue = data.get(name)
            if venue is not None and commune is not None and venue.commune_id != commune.pk:
                self.add_error(
                    "old_venue" if name == "old_venue" else "new_choice",
                    f"Ce lieu n'est pas un lieu {de(commune)}.",
                )
        return data


class ConfirmVenueChangeForm(forms.Form):
    accept_missing_conditions = forms.BooleanField(
        label="J'accepte ce lieu même s'il ne remplit pas toutes les conditions",
        required=False,
    )


class RefuseVenueChangeForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        max_length=2000,
        help_text="La commune le lira. Par exemple : la salle n'est pas chauffée.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Expliquez à la commune pourquoi vous refusez."},
    )
