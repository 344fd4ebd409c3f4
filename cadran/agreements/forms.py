"""The shape of what staff type on the agreement pages; the rules are in the services."""

from __future__ import annotations

from django import forms

from cadran.accounts.models import User
from cadran.core import clock
from cadran.scheduling.models import Permanence
from cadran.territory.models import Commune

from . import rules
from .enums import ObligationStatus, Party
from .models import Agreement, rules_of

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DATE_WIDGET,
        error_messages={
            "required": "Indiquez la date.",
            "invalid": "Écrivez la date sous la forme jj/mm/aaaa.",
        },
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )


class AgreementCreateForm(forms.Form):
    commune = forms.ModelChoiceField(label="Commune", queryset=Commune.objects.none())
    commune_signatory_name = forms.CharField(
        label="Nom du maire (signataire)", max_length=200, help_text="Par exemple : Bruno FICHEUX"
    )
    commune_signatory_title = forms.CharField(label="Son titre", max_length=100, initial="Maire")
    start_date = date_field(
        "Premier jour de la convention",
        required=False,
        help_text="Proposé par les règles de la communauté de communes.",
    )
    cap_date = date_field("Limite absolue (jamais au-delà)", required=False)
    term_months = forms.IntegerField(
        label="Durée (mois)", min_value=1, max_value=120, required=False
    )
    max_renewals = forms.IntegerField(
        label="Nombre de reconductions", min_value=0, max_value=10, required=False
    )
    notice_months = forms.IntegerField(
        label="Préavis de résiliation (mois)", min_value=0, max_value=24, required=False
    )
    territory_signatory_name = forms.CharField(
        label="Signataire pour la communauté de communes",
        max_length=200,
        required=False,
        help_text="Prénom et NOM. Repris de la dernière convention.",
    )
    territory_referents = forms.CharField(
        label="Personne(s) référente(s) de la communauté de communes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Une personne par ligne : nom, puis fonction après une virgule. Vide : "
        "repris de la dernière convention.",
    )
    deliberation_number = forms.CharField(
        label="Numéro de la délibération du conseil municipal", max_length=50, required=False
    )
    deliberation_date = date_field("Date de cette délibération", required=False)
    permanence = forms.ModelChoiceField(
        label="Intervention hebdomadaire (permanence)",
        queryset=Permanence.objects.none(),
        required=False,
    )
    advisers = forms.ModelMultipleChoiceField(
        label="Conseiller(s) numérique(s) désigné(s)",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    commune_referents = forms.CharField(
        label="Personnes référentes de la commune",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une personne par ligne : nom, puis fonction après une virgule.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communes = Commune.objects.visible_to(user)
        self.fields["commune"].queryset = communes
        self.fields["permanence"].queryset = Permanence.objects.filter(
            commune__in=communes
        ).with_related()
        self.fields["permanence"].label_from_instance = lambda p: f"{p.commune.name} — {p}"
        self.fields["advisers"].queryset = User.objects.visible_to(user).advisers()
        self._prefill(user)

    def _prefill(self, user) -> None:
        """The territory's rules, never another territory's dates."""
        territory = user.territory if user.territory_id else None
        found = rules_of(territory)
        terms = found.terms()
        start = found.start_for_new(clock.today())
        self.fields["start_date"].initial = start
        self.fields["term_months"].initial = terms.term_months
        self.fields["max_renewals"].initial = terms.max_renewals
        self.fields["notice_months"].initial = terms.notice_months
        cap_help = "Vide : la règle de la communauté de communes"
        if found.cap_date is not None:
            self.fields["cap_date"].initial = found.cap_date
        elif found.cap_months:
            cap_help += f" ({found.cap_months} mois après le premier jour)"
        else:
            cap_help += (
                f" (la fin de la dernière période possible : le "
                f"{rules.default_cap(start, terms):%d/%m/%Y} pour un début le "
                f"{start:%d/%m/%Y})"
            )
        self.fields["cap_date"].help_text = cap_help + "."
        last = (
            Agreement.objects.filter(territory=territory).order_by("-created_at", "-pk").first()
            if territory is not None
            else None
        )
        if last is not None:
            self.fields["territory_signatory_name"].initial = last.territory_signatory_name

    def clean(self):
        data = super().clean()
        if bool(data.get("deliberation_number")) != bool(data.get("deliberation_date")):
            self.add_error(
                "deliberation_date",
                "Indiquez le numéro et la date de la délibération, ou aucun des deux.",
            )
        return data

    def referents(self, name: str = "commune_referents") -> list[tuple[str, str]]:
        rows = []
        for line in self.cleaned_data.get(name, "").splitlines():
            if line.strip():
                names, _, role = line.partition(",")
                rows.append((names.strip(), role.strip()))
        return rows


class SignForm(forms.Form):
    signed_on = date_field("Date de la signature")
    place = forms.CharField(label="Lieu de la signature", max_length=100)


class RenewForm(forms.Form):
    decided_on = date_field("Date de la décision de reconduire")


class AmendmentForm(forms.Form):
    adopted_on = date_field("Date d'adoption par les deux parties")
    title = forms.CharField(label="Objet de l'avenant", max_length=200)
    text = forms.CharField(
        label="Texte de l'avenant",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Laissez une ligne vide entre deux paragraphes.",
    )


class TerminateForm(forms.Form):
    def __init__(self, *args, notice: int = rules.NEUTRAL.notice_months, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "effective_on"
        ].help_text = (
            f"Laissez vide : {rules.months_label(notice)} après la demande (le plus tôt possible)."
        )

    requested_by = forms.ChoiceField(
        label="Qui demande la résiliation ?", choices=Party.choices, widget=forms.RadioSelect
    )
    requested_on = date_field("Date où la demande a été reçue")
    effective_on = date_field(
        "Dernier jour de la convention",
        required=False,
        help_text="Laissez vide : le préavis après la demande (le plus tôt possible).",
    )
    reason = forms.CharField(
        label="Motif", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ObligationForm(forms.Form):
    status = forms.ChoiceField(label="État", choices=ObligationStatus.choices)
    evidence = forms.CharField(
        label="Preuve ou remarque",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Ce qui le montre : une visite, une photo, un document…",
    )
    checked_on = date_field("Vérifié le", required=False, help_text="Laissez vide : aujourd'hui.")

    def __init__(self, *args, obligation=None, **kwargs):
        # One form per line of the checklist: each field's id names the line.
        if obligation is not None:
            kwargs.setdefault("prefix", f"engagement-{obligation.pk}")
            kwargs.setdefault(
                "initial",
                {
                    "status": obligation.status,
                    "evidence": obligation.evidence,
                    "checked_on": obligation.checked_on,
                },
            )
        super().__init__(*args, **kwargs)


class TransmissionForm(forms.Form):
    sent_on = date_field("Envoyée le")
    note = forms.CharField(label="Précision", max_length=200, required=False)

    def __init__(self, *args, transmission=None, **kwargs):
        if transmission is not None:
            kwargs.setdefault("prefix", f"transmission-{transmission.pk}")
            kwargs.setdefault(
                "initial", {"sent_on": transmission.sent_on, "note": transmission.note}
            )
        super().__init__(*args, **kwargs)
