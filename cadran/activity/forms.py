"""The one-screen activity record form (individual or collective)."""

from __future__ import annotations

from typing import cast

from django import forms

from cadran.territory.models import Commune, Venue

from . import french_communes
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


OTHER_COMMUNE = "autre"


class CommuneSelectField(forms.ChoiceField):
    """The territory's communes by name, « Autre commune », and any INSEE code of the
    national list (a record's commune outside the territory, or a program's input)."""

    def valid_value(self, value) -> bool:
        return super().valid_value(value) or french_communes.get(value) is not None


class CommuneMatchField(forms.ChoiceField):
    """« Laquelle ? » among the communes the typed name designates. A choice that no longer
    matches the name (the name was changed since) is ignored, not refused."""

    def validate(self, value) -> None:
        pass

    def clean(self, value):
        value = super().clean(value)
        return value if self.valid_value(value) else ""


def _commune_fields(label: str, *, help_text: str = ""):
    """The three fields of a commune picker: the select, the other commune's name or
    postcode, and the choice among homonyms (shown only when the name is ambiguous)."""
    return (
        CommuneSelectField(label=label, required=False, help_text=help_text, choices=()),
        forms.CharField(
            label="Autre commune : son nom ou son code postal",
            max_length=100,
            required=False,
            help_text="Si la commune n'est pas dans la liste. Par exemple : Nantes, ou 44000.",
        ),
        CommuneMatchField(
            label="Plusieurs communes correspondent : laquelle ?",
            required=False,
            widget=forms.RadioSelect,
            choices=(),
        ),
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
    place_insee, place_insee_other, place_insee_match = _commune_fields(
        "Commune du lieu", help_text="Si vous avez choisi « À domicile » ou « Autre lieu »."
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
    commune_insee, commune_insee_other, commune_insee_match = _commune_fields(
        "Commune où habite la personne"
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
        "genre", "birth_year", "statut_social",
        "commune_insee", "commune_insee_other", "commune_insee_match",
    )  # fmt: skip
    COLLECTIVE_FIELDS = ("level", "title", *ANONYMOUS_FIELDS)
    # Each commune picker: its select's name and the label of its empty choice.
    COMMUNE_PICKERS = {"place_insee": "Choisir la commune", "commune_insee": "Non communiquée"}

    def __init__(self, *args, user, kind: str | None = None, known_participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.known_participants = list(known_participants)
        cast(forms.ModelChoiceField, self.fields["venue"]).queryset = (
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
        self._setup_commune_pickers(user)

    def _setup_commune_pickers(self, user) -> None:
        """The territory's communes in each select (one query), the record's own commune
        when it is elsewhere, and the homonyms of a typed name as « Laquelle ? »."""
        pickers = [name for name in self.COMMUNE_PICKERS if name in self.fields]
        if not pickers:
            return
        territory = list(
            Commune.objects.filter(territory_id=user.territory_id)
            .order_by("name")
            .values_list("insee_code", "name")
        )
        known = {code for code, _ in territory}
        for name in pickers:
            source = self.data if self.is_bound else self.initial
            value = (source.get(name) or "").strip()
            elsewhere = []
            if value and value != OTHER_COMMUNE and value not in known:
                commune = french_communes.get(value)
                label = commune.label if commune else f"Code INSEE {value}"
                elsewhere = [(value, f"{label}, hors du territoire")]
            cast(forms.ChoiceField, self.fields[name]).choices = [
                ("", self.COMMUNE_PICKERS[name]),
                *territory,
                *elsewhere,
                (OTHER_COMMUNE, "Autre commune (hors du territoire)"),
            ]
            text = (source.get(f"{name}_other") or "").strip()
            if value in ("", OTHER_COMMUNE) and text:
                try:
                    found = french_communes.search(text)
                except french_communes.CommuneNotFound:
                    found = []
                if len(found) > 1:
                    match = cast(forms.ChoiceField, self.fields[f"{name}_match"])
                    match.choices = [(c.insee, c.label) for c in found]

    def commune_picker(self, name: str) -> dict:
        """The bound fields of one picker, for the template."""
        match = self[f"{name}_match"]
        return {
            "select": self[name],
            "other": self[f"{name}_other"],
            "match": match if cast(forms.ChoiceField, match.field).choices else None,
        }

    @property
    def place_commune(self) -> dict:
        return self.commune_picker("place_insee")

    @property
    def person_commune(self) -> dict:
        return self.commune_picker("commune_insee")

    def _resolve_commune(self, data: dict, name: str) -> None:
        """Put the chosen commune's INSEE code in ``data[name]``: a commune of the list
        wins; else the typed name or postcode, resolved on the national list (one match:
        that one; several: the adviser picks among them; none: a French error)."""
        if name not in self.fields or name in self.errors:
            return
        choice = data.get(name) or ""
        text = (data.get(f"{name}_other") or "").strip()
        match = data.get(f"{name}_match") or ""
        data[name] = ""
        if choice and choice != OTHER_COMMUNE:
            data[name] = choice
        elif not text:
            if choice == OTHER_COMMUNE:
                self.add_error(f"{name}_other", "Écrivez le nom de la commune ou son code postal.")
        elif match:
            data[name] = match
        else:
            try:
                found = french_communes.search(text)
            except french_communes.CommuneNotFound as exc:
                self.add_error(f"{name}_other", str(exc))
                return
            if len(found) == 1:
                data[name] = found[0].insee
            else:
                self.add_error(
                    f"{name}_match",
                    f"Plusieurs communes correspondent à « {text} » : choisissez la bonne.",
                )

    def _commune_failed(self, name: str) -> bool:
        return any(n in self.errors for n in (name, f"{name}_other", f"{name}_match"))

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
        for name in self.COMMUNE_PICKERS:
            self._resolve_commune(data, name)
        place = data.get("place_type")
        if place == TypeLieu.LIEU_ACTIVITE and not data.get("venue"):
            self.add_error("venue", "Choisissez le lieu d'activité.")
        needs_insee = place in (TypeLieu.DOMICILE, TypeLieu.AUTRE)
        if needs_insee and not data.get("place_insee") and not self._commune_failed("place_insee"):
            self.add_error("place_insee", "Choisissez la commune du lieu.")
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
