"""The one-screen activity record form (individual or collective)."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from cadran.territory.models import Venue

from .enums import (
    DUREE_CUSTOM,
    DUREE_PRESETS,
    Autonomie,
    Genre,
    Materiel,
    NiveauAtelier,
    StatutSocial,
    StructureRedirection,
    Thematique,
    ThematiqueAdministrative,
    TypeActivite,
    TypeLieu,
)
from .models import (
    ANONYMOUS_FIELDS,
    ANONYMOUS_GENRE_FIELDS,
    ANONYMOUS_STATUT_FIELDS,
    ANONYMOUS_TRANCHE_FIELDS,
    ActivityRecord,
)
from .services import ActivityData, ParticipantData

insee_field_validator = RegexValidator(
    r"^(\d{5}|2[AB]\d{3})$", "Le code INSEE compte cinq caractères (ex. 59212)."
)
YES_NO = [("oui", "Oui"), ("non", "Non")]


def _duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


DURATION_CHOICES = [(str(m), _duration_label(m)) for m in DUREE_PRESETS] + [
    (DUREE_CUSTOM, "Autre durée")
]


def _count_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10_000,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
        error_messages={
            "invalid": "Écrivez un nombre.",
            "min_value": "Indiquez 0 ou plus.",
            "max_value": "Indiquez au plus 10 000.",
        },
    )


class ActivityRecordForm(forms.Form):
    """The fields of a record. ``kind`` is fixed by the page (an appointment gives an
    individual record, a session a collective one) or chosen for a free record."""

    kind = forms.ChoiceField(
        label="Type d'activité", choices=TypeActivite.choices, widget=forms.RadioSelect
    )
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date.", "invalid": "Cette date n'existe pas."},
    )
    duration = forms.ChoiceField(
        label="Durée",
        choices=DURATION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez la durée."},
    )
    duration_hours = forms.IntegerField(
        label="Autre durée : heures",
        min_value=0,
        max_value=23,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
    )
    duration_extra_minutes = forms.IntegerField(
        label="Autre durée : minutes",
        min_value=0,
        max_value=59,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
    )
    place_type = forms.ChoiceField(label="Où ?", choices=TypeLieu.choices, widget=forms.RadioSelect)
    venue = forms.ModelChoiceField(
        label="Lieu d'activité",
        queryset=Venue.objects.none(),
        required=False,
        help_text="Si vous avez choisi « Lieu d’activité ».",
        empty_label="Choisir un lieu",
    )
    place_insee = forms.CharField(
        label="Code INSEE de la commune du lieu",
        max_length=5,
        required=False,
        validators=[insee_field_validator],
        help_text="Si vous avez choisi « À domicile » ou « Autre lieu ». Exemple : 59212.",
    )
    materiels = forms.MultipleChoiceField(
        label="Matériel utilisé",
        choices=Materiel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    thematiques = forms.MultipleChoiceField(
        label="Thématiques",
        choices=Thematique.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins une thématique."},
    )
    demarches = forms.MultipleChoiceField(
        label="Démarches administratives",
        choices=ThematiqueAdministrative.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Si vous avez coché « Aide aux démarches administratives ».",
    )
    precisions_demarche = forms.CharField(
        label="Nom de la démarche",
        max_length=255,
        required=False,
        help_text="Par exemple : déclaration d'impôts, carte grise.",
    )
    # Individual.
    autonomie = forms.ChoiceField(
        label="Autonomie de la personne",
        choices=Autonomie.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    oriented = forms.ChoiceField(
        label="Avez-vous orienté la personne vers une autre structure ?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    structure_redirection = forms.ChoiceField(
        label="Vers quelle structure ?",
        choices=[("", "Choisir")] + list(StructureRedirection.choices),
        required=False,
    )
    first_visit = forms.ChoiceField(
        label="Est-ce la première fois que la personne est accompagnée ?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    genre = forms.ChoiceField(
        label="Genre", choices=Genre.choices, required=False, widget=forms.RadioSelect
    )
    birth_year = forms.IntegerField(
        label="Année de naissance",
        min_value=1900,
        max_value=2100,
        required=False,
        help_text="Seulement l'année. La tranche d'âge est calculée.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
        error_messages={"invalid": "Écrivez l'année en chiffres, par exemple 1956."},
    )
    statut_social = forms.ChoiceField(
        label="Situation", choices=StatutSocial.choices, required=False, widget=forms.RadioSelect
    )
    commune_insee = forms.CharField(
        label="Code INSEE de la commune où habite la personne",
        max_length=5,
        required=False,
        validators=[insee_field_validator],
    )
    # Collective.
    level = forms.ChoiceField(
        label="Niveau de l'atelier",
        choices=NiveauAtelier.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label="Nom de l'atelier", max_length=200, required=False)
    anon_total = _count_field("Personnes venues sans être inscrites (ou non nommées)")
    anon_deja_accompagne = _count_field("Parmi elles, déjà accompagnées avant")
    anon_genre_feminin = _count_field("Féminin")
    anon_genre_masculin = _count_field("Masculin")
    anon_genre_non_communique = _count_field("Genre non communiqué")
    anon_age_moins_de_douze = _count_field("Moins de 12 ans")
    anon_age_douze_dix_huit = _count_field("12 - 17 ans")
    anon_age_dix_huit_vingt_quatre = _count_field("18 - 24 ans")
    anon_age_vingt_cinq_trente_neuf = _count_field("25 - 39 ans")
    anon_age_quarante_cinquante_neuf = _count_field("40 - 59 ans")
    anon_age_soixante_soixante_neuf = _count_field("60 - 69 ans")
    anon_age_soixante_dix_plus = _count_field("70 ans et plus")
    anon_age_non_communique = _count_field("Âge non communiqué")
    anon_statut_retraite = _count_field("Retraité")
    anon_statut_sans_emploi = _count_field("Sans emploi")
    anon_statut_en_emploi = _count_field("En emploi")
    anon_statut_scolarise = _count_field("Scolarisé")
    anon_statut_non_communique = _count_field("Statut non communiqué ou hétérogène")
    notes = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sans nom ni information personnelle sur la personne.",
    )

    INDIVIDUAL_FIELDS = (
        "autonomie", "oriented", "structure_redirection", "first_visit",
        "genre", "birth_year", "statut_social", "commune_insee",
    )  # fmt: skip
    COLLECTIVE_FIELDS = ("level", "title", *ANONYMOUS_FIELDS)

    def __init__(self, *args, user, kind: str | None = None, known_participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.known_participants = list(known_participants)
        self.fields["venue"].queryset = (
            Venue.objects.filter(commune__territory_id=user.territory_id)
            .select_related("commune")
            .order_by("commune__name", "name")
        )
        self.fixed_kind = kind
        if kind:
            self.fields["kind"].required = False
            self.fields["kind"].widget = forms.HiddenInput()
            self.initial["kind"] = kind
            dropped = (
                self.COLLECTIVE_FIELDS
                if kind == TypeActivite.INDIVIDUEL
                else self.INDIVIDUAL_FIELDS
            )
            for name in dropped:
                del self.fields[name]
        duration = self.initial.get("duration_minutes")
        if duration and "duration" not in self.initial:
            if duration in DUREE_PRESETS:
                self.initial["duration"] = str(duration)
            else:
                self.initial["duration"] = DUREE_CUSTOM
                self.initial["duration_hours"], self.initial["duration_extra_minutes"] = divmod(
                    duration, 60
                )
        for name in ("oriented", "first_visit"):
            value = self.initial.get(name)
            if isinstance(value, bool):
                self.initial[name] = "oui" if value else "non"

    @property
    def kind_value(self) -> str:
        return self.fixed_kind or self.data.get("kind") or self.initial.get("kind") or ""

    @property
    def anonymous_groups(self):
        """The anonymous count fields, in groups (genre, âge, statut) for the template."""
        return [
            ("Genre", [self[n] for n in ANONYMOUS_GENRE_FIELDS.values() if n in self.fields]),
            ("Âge", [self[n] for n in ANONYMOUS_TRANCHE_FIELDS.values() if n in self.fields]),
            ("Situation", [self[n] for n in ANONYMOUS_STATUT_FIELDS.values() if n in self.fields]),
        ]

    def clean(self):
        data = super().clean()
        if self.fixed_kind:
            data["kind"] = self.fixed_kind
        choice = data.get("duration")
        if choice == DUREE_CUSTOM:
            hours = data.get("duration_hours") or 0
            minutes = data.get("duration_extra_minutes") or 0
            if not hours and not minutes:
                self.add_error("duration_hours", "Indiquez la durée en heures et minutes.")
            data["duration_minutes"] = hours * 60 + minutes
        elif choice:
            data["duration_minutes"] = int(choice)
        place = data.get("place_type")
        if place == TypeLieu.LIEU_ACTIVITE and not data.get("venue"):
            self.add_error("venue", "Choisissez le lieu d'activité.")
        needs_insee = place in (TypeLieu.DOMICILE, TypeLieu.AUTRE)
        if needs_insee and not data.get("place_insee") and "place_insee" not in self.errors:
            self.add_error(
                "place_insee", "Indiquez le code INSEE de la commune du lieu (5 caractères)."
            )
        return data

    def to_data(self) -> ActivityData:
        """The cleaned form as the service's input."""
        d = self.cleaned_data
        kind = d["kind"]
        participants: list[ParticipantData] = []
        anonymous: dict[str, int] = {}
        if kind == TypeActivite.INDIVIDUEL:
            participants.append(
                ParticipantData(
                    genre=d.get("genre") or Genre.NON_COMMUNIQUE,
                    birth_year=d.get("birth_year"),
                    statut_social=d.get("statut_social") or StatutSocial.NON_COMMUNIQUE,
                    commune_insee=d.get("commune_insee") or "",
                    first_visit=d.get("first_visit") == "oui",
                )
            )
        else:
            participants.extend(self.known_participants)
            anonymous = {name: d.get(name) or 0 for name in ANONYMOUS_FIELDS}
        oriented = d.get("oriented")
        return ActivityData(
            kind=kind,
            date=d["date"],
            duration_minutes=d.get("duration_minutes") or 0,
            place_type=d["place_type"],
            venue=d.get("venue"),
            place_insee=d.get("place_insee") or "",
            materiels=list(d.get("materiels") or []),
            thematiques=list(d.get("thematiques") or []),
            demarches=list(d.get("demarches") or []),
            precisions_demarche=d.get("precisions_demarche") or "",
            autonomie=d.get("autonomie") or "",
            oriented=None if not oriented else oriented == "oui",
            structure_redirection=d.get("structure_redirection") or "",
            level=d.get("level") or "",
            title=d.get("title") or "",
            notes=d.get("notes") or "",
            anonymous=anonymous,
            participants=participants,
        )


def initial_from_record(record: ActivityRecord) -> dict:
    """The form's initial values for an existing record (its rows prefetched)."""
    initial: dict = {
        "kind": record.kind,
        "date": record.date,
        "duration_minutes": record.duration_minutes,
        "place_type": record.place_type,
        "venue": record.venue_id,
        "place_insee": "" if record.venue_id else record.place_insee,
        "materiels": [m.materiel for m in record.materiels.all()],
        "thematiques": [t.thematique for t in record.thematiques.all()],
        "demarches": [t.thematique for t in record.demarches.all()],
        "precisions_demarche": record.precisions_demarche,
        "autonomie": record.autonomie,
        "oriented": record.oriented,
        "structure_redirection": record.structure_redirection,
        "level": record.level,
        "title": record.title,
        "notes": record.notes,
    }
    for name in ANONYMOUS_FIELDS:
        initial[name] = getattr(record, name)
    participants = list(record.participants.all())
    if record.kind == TypeActivite.INDIVIDUEL and participants:
        p = participants[0]
        initial.update(
            genre=p.genre,
            birth_year=p.birth_year,
            statut_social=p.statut_social,
            commune_insee=p.commune_insee,
            first_visit=p.first_visit,
        )
    return initial


def participants_of(record: ActivityRecord) -> list[ParticipantData]:
    """The known participants of a collective record, kept as they are on edit."""
    return [
        ParticipantData(
            beneficiary_id=p.beneficiary_id,
            registration_id=p.registration_id,
            genre=p.genre,
            birth_year=p.birth_year,
            statut_social=p.statut_social,
            commune_insee=p.commune_insee,
            first_visit=p.first_visit,
        )
        for p in record.participants.all()
    ]


class PeriodForm(forms.Form):
    """``?from=&to=`` on the list and the export."""

    date_from = forms.DateField(
        label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, query, *args, **kwargs):
        super().__init__(query, *args, **kwargs)

    def add_prefix(self, field_name):
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def period(self):
        if not self.is_valid():
            return None, None
        return self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
