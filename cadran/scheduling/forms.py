"""Forms of the staff pages: the shape of the input and field checks only.

Rules that involve other rows (is the slot free, does the person belong to this territory)
are checked by the services, whose errors are put back on the fields.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator

from cadran.accounts.models import User
from cadran.core import clock
from cadran.core.clock import PARIS
from cadran.territory.models import Commune, Venue

from .enums import AppointmentStatus, Channel, Thematique
from .models import Beneficiary
from .slots import localize

STAFF_CHANNELS = [
    (Channel.PHONE.value, "Par téléphone"),
    (Channel.WALK_IN.value, "Sur place"),
    (Channel.REFERRAL.value, "Orienté par un partenaire"),
]


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form's fields (unknown keys: on top)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class StaffBookingForm(forms.Form):
    beneficiary = forms.ModelChoiceField(
        label="Personne déjà connue",
        queryset=Beneficiary.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Cette personne n'a pas été trouvée. Cherchez-la à nouveau."
        },
    )
    first_name = forms.CharField(
        label="Prénom",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    last_name = forms.CharField(
        label="Nom",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label="Téléphone",
        max_length=20,
        required=False,
        help_text="Par exemple 06 12 34 56 78.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="Adresse e-mail",
        required=False,
        error_messages={
            "invalid": "Cette adresse e-mail n'est pas complète (exemple : nom@exemple.fr)."
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    no_phone = forms.BooleanField(label="Pas de téléphone ni d'e-mail", required=False)
    notify_sms = forms.BooleanField(
        label="Prévenir par SMS (confirmation, rappel la veille)", required=False, initial=True
    )
    notify_email = forms.BooleanField(
        label="Prévenir par e-mail (confirmation, rappel la veille)", required=False, initial=True
    )
    residence_insee = forms.ChoiceField(label="Commune où la personne habite", required=False)
    birth_year = forms.IntegerField(
        label="Année de naissance (si la personne veut la donner)",
        required=False,
        min_value=1900,
        error_messages={
            "invalid": "Écrivez l'année en chiffres, par exemple 1958.",
            "min_value": "Cette année de naissance n'est pas possible.",
            "max_value": "Cette année de naissance n'est pas possible.",
        },
    )
    topics = forms.MultipleChoiceField(
        label="Motifs du rendez-vous",
        choices=Thematique.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un motif."},
    )
    channel = forms.ChoiceField(
        label="Rendez-vous pris",
        choices=STAFF_CHANNELS,
        initial=Channel.PHONE.value,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].queryset = Beneficiary.objects.visible_to(user)
        self.fields["residence_insee"].choices = [("", "Hors du territoire, ou ne sait pas")] + [
            (c.insee_code, c.name) for c in communes
        ]
        year = clock.today().year
        self.fields["birth_year"].validators.append(
            MaxValueValidator(year, message="Cette année de naissance n'est pas possible.")
        )
        self.fields["birth_year"].widget.attrs["max"] = year


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation (facultatif)",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoveForm(forms.Form):
    slot = forms.ChoiceField(
        label="Nouveau créneau",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez un nouveau créneau.",
            "invalid_choice": "Ce créneau n'est plus disponible. Choisissez-en un autre.",
        },
    )

    def __init__(self, *args, slot_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slot_choices


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (AppointmentStatus.SEEN.value, "Venu"),
            (AppointmentStatus.NOSHOW.value, "Absent"),
        ]
    )


class ClosureForm(forms.Form):
    SCOPE_CHOICES = [
        ("territory", "Tout le territoire"),
        ("commune", "Une commune"),
        ("venue", "Un lieu"),
        ("adviser", "Un conseiller (congé, formation)"),
    ]

    scope = forms.ChoiceField(
        label="Ce qui est fermé",
        choices=SCOPE_CHOICES,
        initial="territory",
        widget=forms.RadioSelect,
    )
    commune = forms.ModelChoiceField(
        label="Commune", queryset=Commune.objects.none(), required=False, empty_label="—"
    )
    venue = forms.ModelChoiceField(
        label="Lieu", queryset=Venue.objects.none(), required=False, empty_label="—"
    )
    adviser = forms.ModelChoiceField(
        label="Conseiller", queryset=User.objects.none(), required=False, empty_label="—"
    )
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Écrivez la date comme ceci : 24/12/2026."},
    )
    end_date = forms.DateField(
        label="Jusqu'au (inclus)",
        required=False,
        help_text="Seulement si la fermeture dure plusieurs jours.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Écrivez la date comme ceci : 24/12/2026."},
    )
    start_time = forms.TimeField(
        label="De (heure)",
        required=False,
        help_text="Laissez vide pour fermer toute la journée.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Écrivez l'heure comme ceci : 14:00."},
    )
    end_time = forms.TimeField(
        label="À (heure)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Écrivez l'heure comme ceci : 17:00."},
    )
    reason = forms.CharField(
        label="Motif",
        max_length=200,
        help_text="Par exemple : congé, formation, salle indisponible.",
        error_messages={"required": "Indiquez le motif de la fermeture."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_territory = user.is_superuser or user.manages_territory
        if self.for_territory:
            self.fields["commune"].queryset = Commune.objects.visible_to(user).order_by("name")
            self.fields["venue"].queryset = (
                Venue.objects.visible_to(user)
                .select_related("commune")
                .order_by("commune__name", "name")
            )
            self.fields["adviser"].queryset = User.objects.visible_to(user).advisers()
        else:
            for name in ("scope", "commune", "venue", "adviser"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.for_territory:
            scope = data.get("scope")
            if scope in ("commune", "venue", "adviser") and not data.get(scope):
                self.add_error(scope, "Choisissez dans la liste ce qui est fermé.")
            for name in ("commune", "venue", "adviser"):
                if name != scope:
                    data[name] = None
        day = data.get("date")
        if day is None:
            return data
        last_day = data.get("end_date") or day
        if last_day < day:
            self.add_error("end_date", "Cette date doit être après la date de début.")
            return data
        start_time, end_time = data.get("start_time"), data.get("end_time")
        start = _at(day, start_time) if start_time else _at(day, dt.time.min)
        if end_time:
            end = _at(last_day, end_time)
        else:
            end = _at(last_day + dt.timedelta(days=1), dt.time.min)
        if start is None or end is None:
            self.add_error(
                "start_time", "Cette heure n'existe pas ce jour-là (changement d'heure)."
            )
        elif end <= start:
            self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
        else:
            data["start"], data["end"] = start, end
        return data


def _at(day: dt.date, time: dt.time) -> dt.datetime | None:
    if time == dt.time.min:
        return dt.datetime.combine(day, time, tzinfo=PARIS)
    return localize(dt.datetime.combine(day, time))


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Type d'action", required=False)

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Toutes les actions"), *actions]
