"""Forms of the staff pages about workshops: the shape of the input and field checks only.

Every rule that involves other rows (is the adviser free, does the venue fit, is the person
eligible, may this workflow step be taken) is the services'; their French errors are put
back on the fields with :func:`cadran.scheduling.forms.apply_service_errors`.
"""

from __future__ import annotations

from django import forms

from cadran.accounts.models import User
from cadran.territory.models import Commune, Venue

from .enums import Level, OffSitePlaceKind, SessionStatus, TargetPublic
from .models import Workshop, WorkshopFormat
from .services import MAX_DATE_OPTIONS, OffSitePlace

DATE_ERRORS = {"invalid": "Écrivez la date comme ceci : 24/12/2026."}
DATETIME_ERRORS = {"invalid": "Indiquez le jour et l'heure, par exemple 05/12/2026 à 10:00."}
NUMBER_ERRORS = {
    "invalid": "Écrivez un nombre en chiffres.",
    "min_value": "Ce nombre est trop petit.",
    "max_value": "Ce nombre est trop grand.",
}
# Sessions of a cycle that can be put on the calendar in one go.
MAX_CYCLE_SESSIONS = 8
# Where an accepted off-site request takes place (``AcceptRequestForm.where``).
WHERE_OFF_SITE, WHERE_VENUE = "hors_les_murs", "lieu"
OFF_SITE_FIELDS = ("where", "off_site_name", "off_site_address", "off_site_access")


def date_field(label: str, *, required_message: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS | {"required": required_message},
        **kwargs,
    )


def datetime_field(label: str, **kwargs) -> forms.DateTimeField:
    """A ``datetime-local`` input, read in Paris time (the current time zone)."""
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages=DATETIME_ERRORS,
        **kwargs,
    )


# --- Programme -------------------------------------------------------------------------------


class WorkshopForm(forms.Form):
    title = forms.CharField(
        label="Titre de l'atelier",
        max_length=200,
        error_messages={"required": "Indiquez le titre de l'atelier."},
    )
    description = forms.CharField(
        label="Description",
        help_text="En mots simples : ce que les personnes vont apprendre ou faire.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Décrivez l'atelier en quelques phrases simples."},
    )
    format = forms.ModelChoiceField(
        label="Format",
        queryset=WorkshopFormat.objects.none(),
        empty_label="— Choisir —",
        error_messages={"required": "Choisissez le format de l'atelier."},
    )
    target_public = forms.ChoiceField(
        label="Public", choices=TargetPublic.choices, initial=TargetPublic.ALL
    )
    level = forms.ChoiceField(label="Niveau", choices=Level.choices, initial=Level.DEBUTANT)
    is_cycle = forms.BooleanField(
        label="Cycle de plusieurs séances (on s'inscrit une fois pour toutes les séances)",
        required=False,
    )

    def __init__(self, *args, territory_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].queryset = WorkshopFormat.objects.filter(
            territory_id=territory_id, is_active=True
        ).order_by("name")

    @classmethod
    def initial_for(cls, workshop: Workshop) -> dict:
        return {
            "title": workshop.title,
            "description": workshop.description,
            "format": workshop.format_id,
            "target_public": workshop.target_public,
            "level": workshop.level,
            "is_cycle": workshop.is_cycle,
        }


class RemarksForm(forms.Form):
    """Publish, archive: remarks only."""

    remarks = forms.CharField(
        label="Remarques (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MeetingForm(forms.Form):
    """A step of the territory's circuit (docs/decisions/0011): the date of its meeting and
    its remarks. ``step_name`` names the step in the labels; ``remarks_required`` says (in
    words) that a refusal needs them, which the service checks."""

    meeting_date = date_field("Date de la réunion", required_message="Indiquez la date.")
    remarks = forms.CharField(
        label="Remarques (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, step_name: str = "", decision: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if step_name:
            self.fields["meeting_date"].label = f"Date de la réunion « {step_name} »"
            self.fields["meeting_date"].error_messages["required"] = (
                f"Indiquez la date de la réunion « {step_name} »."
            )
            self.fields["remarks"].label = f"Remarques « {step_name} »" + (
                "" if decision else " (facultatif)"
            )
        if decision:
            self.fields["remarks"].help_text = "Obligatoires en cas de refus : expliquez pourquoi."


# --- Requests --------------------------------------------------------------------------------


class RequestForm(forms.Form):
    workshop = forms.ModelChoiceField(
        label="Atelier demandé",
        queryset=Workshop.objects.none(),
        empty_label="— Choisir dans le catalogue —",
        error_messages={
            "required": "Choisissez l'atelier dans le catalogue.",
            "invalid_choice": "Cet atelier n'est plus proposé. Choisissez-en un autre.",
        },
    )
    date_option_1 = datetime_field("Date proposée 1", required=False)
    date_option_2 = datetime_field("Date proposée 2", required=False)
    date_option_3 = datetime_field("Date proposée 3", required=False)
    wished_dates = forms.CharField(
        label="Autres dates possibles, en quelques mots",
        required=False,
        help_text="Par exemple : un samedi matin de janvier.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    room = forms.CharField(label="Salle", max_length=200, required=False)
    expected_public = forms.CharField(
        label="Public attendu",
        max_length=200,
        required=False,
        help_text="Par exemple : seniors, parents, personnes en recherche d'emploi.",
    )
    expected_size = forms.IntegerField(
        label="Nombre de personnes attendu",
        required=False,
        min_value=1,
        max_value=500,
        error_messages=NUMBER_ERRORS,
    )
    off_site = forms.BooleanField(
        label="L'atelier aura lieu hors les murs (hors de la médiathèque)", required=False
    )
    off_site_place_kind = forms.ChoiceField(
        label="Type de lieu",
        required=False,
        choices=[("", "—"), *OffSitePlaceKind.choices],
    )
    place_name = forms.CharField(label="Nom du lieu", max_length=200, required=False)
    place_address = forms.CharField(label="Adresse du lieu", max_length=255, required=False)
    justification = forms.CharField(
        label="Pourquoi hors les murs ?",
        required=False,
        help_text="Par exemple : toucher des personnes qui ne viennent pas à la médiathèque.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, catalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = catalogue

    @property
    def date_options(self) -> list:
        return [
            self.cleaned_data.get(f"date_option_{i}")
            for i in range(1, MAX_DATE_OPTIONS + 1)
            if self.cleaned_data.get(f"date_option_{i}")
        ]


class ExamineForm(forms.Form):
    remarks = forms.CharField(
        label="Remarques (facultatif)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcceptRequestForm(forms.Form):
    venue = forms.ModelChoiceField(
        label="Lieu",
        queryset=Venue.objects.none(),
        empty_label="— Choisir —",
        error_messages={"required": "Choisissez le lieu."},
    )
    advisers = forms.ModelMultipleChoiceField(
        label="Conseiller(s) numérique(s)",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un conseiller numérique."},
    )
    duration_minutes = forms.IntegerField(
        label="Durée en minutes (facultatif)",
        required=False,
        min_value=15,
        max_value=600,
        help_text="Vide : la durée habituelle du format.",
        error_messages=NUMBER_ERRORS,
    )
    capacity = forms.IntegerField(
        label="Nombre de places (facultatif)",
        required=False,
        min_value=1,
        max_value=500,
        help_text="Vide : le nombre habituel du format.",
        error_messages=NUMBER_ERRORS,
    )
    min_attendance = forms.IntegerField(
        label="Jauge minimale (facultatif)",
        required=False,
        min_value=0,
        max_value=500,
        help_text="Vide : celle du format, ou à défaut celle du territoire.",
        error_messages=NUMBER_ERRORS,
    )
    decision_at = datetime_field(
        "Moment de la décision (facultatif)",
        required=False,
        help_text="Vide : 48 heures avant le début.",
    )
    remarks = forms.CharField(
        label="Message pour la bibliothèque (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    where = forms.ChoiceField(
        label="Où a lieu la séance ?",
        choices=[
            (WHERE_OFF_SITE, "Hors les murs, au lieu indiqué ci-dessous"),
            (WHERE_VENUE, "Dans le lieu enregistré choisi ci-dessus"),
        ],
        initial=WHERE_OFF_SITE,
        widget=forms.RadioSelect,
        required=False,  # not sent: in the registered venue
    )
    off_site_name = forms.CharField(
        label="Nom du lieu hors les murs",
        max_length=200,
        required=False,
        help_text="Tel que les habitants le connaissent, par exemple « Marché, place de la mairie ».",
    )
    off_site_address = forms.CharField(
        label="Adresse du lieu hors les murs",
        max_length=255,
        required=False,
        help_text="Numéro et rue. La commune est celle du lieu enregistré.",
    )
    off_site_access = forms.CharField(
        label="Pour trouver le lieu (facultatif)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : stand sous la halle ; accès en fauteuil roulant par la rue.",
    )
    waive_venue_conditions = forms.BooleanField(
        label="Lever les conditions d'accueil du lieu (hors les murs seulement)",
        required=False,
        help_text=(
            "Cochez seulement si le service accepte un lieu sans chauffage, wifi, "
            "tables ou matériel. C'est noté dans le journal."
        ),
    )

    def __init__(self, *args, territory_id: int | None, cycle: bool, off_site: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = (
            Venue.objects.filter(commune__territory_id=territory_id)
            .select_related("commune")
            .order_by("commune__name", "name")
        )
        self.fields["advisers"].queryset = (
            User.objects.advisers().filter(territory_id=territory_id).order_by("last_name")
        )
        self.start_names = []
        count = MAX_CYCLE_SESSIONS if cycle else 1
        for i in range(1, count + 1):
            name = f"start_{i}"
            label = f"Séance {i} : jour et heure de début" if cycle else "Jour et heure de début"
            self.fields[name] = datetime_field(label, required=i == 1 or (cycle and i == 2))
            self.fields[name].error_messages["required"] = (
                "Indiquez le jour et l'heure de la séance."
            )
            self.start_names.append(name)
        # Fields in page order: the dates first.
        order = ["venue", *self.start_names, "advisers"]
        self.order_fields(order)
        if off_site:
            self.fields["venue"].label = "Lieu enregistré de rattachement"
            self.fields["venue"].help_text = (
                "Sa commune est celle de la séance (suivi, chiffres, prêt de matériel). Pour "
                "une séance hors les murs, sa salle n'est ni réservée ni vérifiée."
            )
        else:
            for name in ("waive_venue_conditions", *OFF_SITE_FIELDS):
                del self.fields[name]

    @property
    def start_fields(self):
        return [self[name] for name in self.start_names]

    @property
    def starts(self) -> list:
        return [self.cleaned_data[n] for n in self.start_names if self.cleaned_data.get(n)]

    @property
    def off_site_place(self) -> OffSitePlace | None:
        """The place typed in, when the session is to take place off-site (the service
        checks that it has a name and an address)."""
        if self.cleaned_data.get("where") != WHERE_OFF_SITE:
            return None
        return OffSitePlace(
            name=self.cleaned_data.get("off_site_name", ""),
            address=self.cleaned_data.get("off_site_address", ""),
            access=self.cleaned_data.get("off_site_access", ""),
        )


class RefuseRequestForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        help_text="La bibliothèque le recevra par e-mail.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Expliquez pourquoi la demande est refusée."},
    )


# --- Sessions --------------------------------------------------------------------------------

WHEN_CHOICES = [("avenir", "À venir"), ("passees", "Passées (30 derniers jours)")]


class SessionFilterForm(forms.Form):
    commune = forms.ModelChoiceField(
        label="Commune", queryset=Commune.objects.none(), required=False, empty_label="Toutes"
    )
    format = forms.ModelChoiceField(
        label="Format", queryset=WorkshopFormat.objects.none(), required=False, empty_label="Tous"
    )
    status = forms.ChoiceField(
        label="État", required=False, choices=[("", "Tous"), *SessionStatus.choices]
    )
    when = forms.ChoiceField(label="Quand", required=False, choices=WHEN_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = Commune.objects.visible_to(user).order_by("name")
        self.fields["format"].queryset = WorkshopFormat.objects.visible_to(user).order_by("name")


class StaffRegistrationForm(forms.Form):
    first_name = forms.CharField(
        label="Prénom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        label="Nom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
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
    notify_sms = forms.BooleanField(label="Prévenir par SMS", required=False, initial=True)
    notify_email = forms.BooleanField(label="Prévenir par e-mail", required=False, initial=True)
    commune_insee = forms.ChoiceField(label="Commune où la personne habite", required=False)
    library_card = forms.CharField(
        label="Numéro de carte des médiathèques",
        max_length=40,
        required=False,
        help_text="Pour une personne qui n'habite pas le territoire.",
    )
    allow_overbooking = forms.BooleanField(
        label="Inscrire même s'il n'y a plus de place (en surnombre)",
        required=False,
        help_text="Sinon, la personne va sur la liste d'attente quand c'est complet.",
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune_insee"].choices = [("", "Hors du territoire, ou ne sait pas")] + [
            (c.insee_code, c.name) for c in communes
        ]


class CancelRegistrationForm(forms.Form):
    reason = forms.CharField(label="Motif (facultatif)", max_length=200, required=False)


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation",
        help_text="Les personnes inscrites et en attente le recevront.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez pourquoi la séance est annulée."},
    )


class OverrideDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[
            ("confirm", "Maintenir la séance, même avec peu d'inscrits"),
            ("cancel", "Annuler la séance"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez de maintenir ou d'annuler la séance."},
    )
    reason = forms.CharField(
        label="Raison",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez la raison de cette décision."},
    )


class SessionEditForm(forms.Form):
    capacity = forms.IntegerField(
        label="Nombre de places", min_value=1, max_value=500, error_messages=NUMBER_ERRORS
    )
    min_attendance = forms.IntegerField(
        label="Jauge minimale", min_value=0, max_value=500, error_messages=NUMBER_ERRORS
    )
    decision_at = datetime_field("Moment de la décision", help_text="On compte alors les inscrits.")


class AttendanceForm(forms.Form):
    present = forms.TypedMultipleChoiceField(
        label="Personnes présentes",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Une des personnes cochées n'est plus inscrite."},
    )
    anonymous_count = forms.IntegerField(
        label="Personnes venues sans inscription",
        min_value=0,
        max_value=500,
        initial=0,
        error_messages=NUMBER_ERRORS | {"required": "Indiquez un nombre (0 si personne)."},
    )

    def __init__(self, *args, registrations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(r.pk, r.full_name) for r in registrations]
