"""The period picker of the reports: a ready-made period, or two dates."""

from __future__ import annotations

from django import forms

from .selectors import MAX_PERIOD_DAYS, Period, preset_period

PRESETS = [
    ("", "Les dates choisies ci-dessous"),
    ("mois", "Ce mois-ci"),
    ("mois_precedent", "Le mois dernier"),
    ("trimestre", "Ce trimestre"),
    ("trimestre_precedent", "Le trimestre dernier"),
    ("annee", "Cette année"),
    ("annee_precedente", "L'année dernière"),
]
DEFAULT_PRESET = "annee"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    periode = forms.ChoiceField(label="Période", choices=PRESETS, required=False)
    du = forms.DateField(
        label="Du", required=False, widget=DateInput(), help_text="Par exemple 01/01/2026."
    )
    au = forms.DateField(
        label="Au (inclus)", required=False, widget=DateInput(), help_text="Par exemple 31/12/2026."
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("periode"):
            data["period"] = preset_period(data["periode"])
            return data
        start, end = data.get("du"), data.get("au")
        if not start:
            self.add_error("du", "Indiquez la date de début, ou choisissez une période.")
        if not end:
            self.add_error("au", "Indiquez la date de fin, ou choisissez une période.")
        if not start or not end:
            return data
        if end < start:
            self.add_error("au", "La date de fin doit être le même jour ou après la date de début.")
            return data
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("au", "La période ne peut pas dépasser dix ans.")
            return data
        data["period"] = Period(start, end)
        return data


def period_from(params) -> tuple[PeriodForm, Period | None]:
    """The form bound to the query string (or to the default period) and its period;
    ``None`` when the dates are to be corrected."""
    if not any(params.get(name) for name in ("periode", "du", "au")):
        period = preset_period(DEFAULT_PRESET)
        form = PeriodForm({"periode": "", "du": period.start, "au": period.end})
    else:
        form = PeriodForm(params)
    if form.is_valid():
        return form, form.cleaned_data["period"]
    return form, None
