"""Forms of the equipment pages: the shape of the input and field checks only. Rules
that involve other rows (is the item free, may this person ask) belong to the services,
whose errors are put back on the fields (``apply_service_errors``)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Exists, OuterRef

from cadran.accounts.enums import Role
from cadran.territory.models import Commune, Library

from .enums import STORED_EQUIPMENT_STATUSES, EquipmentKind, EquipmentStatus, ReturnCondition
from .models import Equipment, Loan

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LoanRequestForm(forms.Form):
    equipment = forms.ModelChoiceField(
        label="Matériel",
        queryset=Equipment.objects.none(),
        empty_label="Choisissez le matériel",
        error_messages={"invalid_choice": "Ce matériel n'est pas proposé au prêt."},
    )
    commune = forms.ModelChoiceField(
        label="Commune qui emprunte",
        queryset=Commune.objects.none(),
        empty_label="Choisissez la commune",
        required=False,
    )
    library = forms.ModelChoiceField(
        label="Pour une médiathèque",
        queryset=Library.objects.none(),
        empty_label="Non, pour la commune",
        required=False,
        help_text="Facultatif : si c'est une médiathèque qui emprunte.",
    )
    start_date = forms.DateField(label="Premier jour du prêt", widget=DATE_WIDGET)
    end_date = forms.DateField(
        label="Dernier jour du prêt",
        widget=DATE_WIDGET,
        help_text="Le jour où le matériel est rendu, au plus tard.",
    )
    purpose = forms.CharField(
        label="Pour quoi faire",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Facultatif. Par exemple : atelier imprimante 3D du mercredi.",
    )
    storage_place = forms.CharField(
        label="Lieu de stockage sécurisé",
        required=False,
        max_length=255,
        help_text="Obligatoire pour une imprimante 3D : la pièce fermée où elle sera rangée.",
    )
    storage_committed = forms.BooleanField(
        label=(
            "La commune garantit ce lieu de stockage sécurisé pendant toute la durée du prêt "
            "(obligatoire pour une imprimante 3D)."
        ),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["equipment"].queryset = Equipment.objects.visible_to(user).lendable()
        self.for_library_only = user.role == Role.LIBRARIAN and not user.is_superuser
        if self.for_library_only:
            # A librarian borrows for their own library: nothing to choose.
            del self.fields["commune"]
            del self.fields["library"]
            return
        communes = Commune.objects.visible_to(user)
        self.fields["commune"].queryset = communes
        self.fields["commune"].required = True
        self.fields["library"].queryset = Library.objects.filter(
            commune__in=communes
        ).select_related("commune")
        self.fields["library"].label_from_instance = lambda lib: f"{lib.name} ({lib.commune.name})"

    @classmethod
    def initial_from(cls, query, *, user) -> dict:
        """The form pre-filled from the address, e.g. from a 3D-printer session that waits
        for its loan (docs/materiel.md): ``materiel`` (an item) or ``type`` (a kind: the
        first item of that kind free over the dates, else the first one), ``commune``
        (INSEE code), ``bibliotheque``, ``du`` and ``au`` (ISO dates), ``motif``. Anything
        unknown or outside the user's scope is left empty."""
        initial: dict = {}

        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(query.get(name, ""))
            except ValueError:
                return None

        start, end = day("du"), day("au")
        if start:
            initial["start_date"] = start
        if end and (start is None or end >= start):
            initial["end_date"] = end
        items = Equipment.objects.visible_to(user).lendable()
        item_id = query.get("materiel", "")
        kind = query.get("type", "")
        if item_id.isdigit():
            initial["equipment"] = int(item_id)
        elif kind in EquipmentKind.values:
            of_kind = items.filter(kind=kind).order_by("name", "pk")
            if start and end:
                busy = (
                    Loan.objects.filter(equipment=OuterRef("pk")).holding().overlapping(start, end)
                )
                of_kind = of_kind.order_by(Exists(busy), "name", "pk")
            first = of_kind.values_list("pk", flat=True).first()
            if first is not None:
                initial["equipment"] = first
        if user.role != Role.LIBRARIAN or user.is_superuser:
            communes = Commune.objects.visible_to(user)
            commune = communes.filter(insee_code=query.get("commune", "")).first()
            if commune is not None:
                initial["commune"] = commune.pk
            library_id = query.get("bibliotheque", "")
            if library_id.isdigit():
                library = Library.objects.filter(pk=library_id, commune__in=communes).first()
                if library is not None:
                    initial["library"] = library.pk
                    initial.setdefault("commune", library.commune_id)
        purpose = query.get("motif", "").strip()
        if purpose:
            initial["purpose"] = purpose[:1000]
        return initial

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date", "Le dernier jour doit être le même jour ou après le premier."
            )
        return data


class ReturnForm(forms.Form):
    condition = forms.ChoiceField(
        label="État du matériel au retour",
        choices=ReturnCondition.choices,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Remarques",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire si le matériel est abîmé ou incomplet.",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Pourquoi annuler ?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="La personne qui a demandé le prêt le lira.",
    )


class EquipmentStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="État",
        choices=[(s.value, s.label) for s in STORED_EQUIPMENT_STATUSES],
        help_text="« Prêté » se met tout seul quand le matériel est retiré.",
    )
    notes = forms.CharField(
        label="Remarques",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].initial = EquipmentStatus.AVAILABLE
