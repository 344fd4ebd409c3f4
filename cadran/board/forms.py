"""The board's forms: the filters (GET, no JavaScript) and « Déplacer une séance »."""

from __future__ import annotations

import datetime as dt

from django import forms

from cadran.core import clock
from cadran.scheduling.slots import localize

from .selectors import KIND_PERMANENCES, ROWS_ADVISERS, ROWS_COMMUNES

ROWS_CHOICES = [
    (ROWS_ADVISERS, "Une ligne par conseiller"),
    (ROWS_COMMUNES, "Une ligne par commune"),
]


class BoardFilterForm(forms.Form):
    """What to show. Every field is optional; a value that is not offered is ignored."""

    date = forms.DateField(
        label="Aller au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    rows = forms.ChoiceField(label="Lignes", choices=ROWS_CHOICES, required=False)
    commune = forms.ChoiceField(label="Commune", required=False)
    adviser = forms.ChoiceField(label="Conseiller", required=False)
    kind = forms.ChoiceField(label="Type d'intervention", required=False)

    def __init__(self, *args, communes=(), advisers=(), formats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "Toutes les communes")] + [
            (str(c.pk), c.name) for c in communes
        ]
        self.fields["adviser"].choices = [("", "Tous les conseillers")] + [
            (str(a.pk), str(a)) for a in advisers
        ]
        self.fields["kind"].choices = [
            ("", "Toutes les interventions"),
            (KIND_PERMANENCES, "Permanences (rendez-vous individuels)"),
        ] + [(str(f.pk), f"Ateliers : {f.name}") for f in formats]

    def value(self, name: str):
        """The cleaned value, or the empty default when absent or not valid."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None


class SessionMoveForm(forms.Form):
    day = forms.DateField(
        label="Nouveau jour",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez le jour.", "invalid": "Ce jour n'existe pas."},
    )
    start_time = forms.TimeField(
        label="Début",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Indiquez l'heure de début.", "invalid": "Heure inconnue."},
    )
    end_time = forms.TimeField(
        label="Fin",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Indiquez l'heure de fin.", "invalid": "Heure inconnue."},
    )
    venue: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Lieu",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "Choisissez un lieu de la liste."},
    )
    checked = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, venues, off_site=None, **kwargs):
        """``off_site``: the session when it is held « hors les murs »: its venue is offered
        under the off-site place's name (keeping it keeps the session there)."""
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues

        def label(v) -> str:
            if off_site is not None and v.pk == off_site.venue_id:
                return f"{v.commune.name} — {off_site.off_site_name} (hors les murs, inchangé)"
            return f"{v.commune.name} — {v.full_place}"

        self.fields["venue"].label_from_instance = label

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            if end <= start:
                self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
                return data
            data["start"] = localize(dt.datetime.combine(day, start))
            data["end"] = localize(dt.datetime.combine(day, end))
            if data["start"] is None or data["end"] is None:
                self.add_error(
                    "start_time", "Cette heure n'existe pas ce jour-là (changement d'heure)."
                )
            elif data["start"] <= clock.now():
                self.add_error("day", "La nouvelle date doit être à venir.")
        return data

    def signature(self) -> str:
        """The values checked, so that « Confirmer » moves to what was checked."""
        data = self.cleaned_data
        venue = data.get("venue")
        return "|".join(
            [
                f"{data.get('day')}",
                f"{data.get('start_time')}",
                f"{data.get('end_time')}",
                str(venue.pk if venue else ""),
            ]
        )
