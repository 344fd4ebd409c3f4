"""The convention of partnership between the territory and a commune, and what hangs on it.

The status of an agreement is never stored: it is derived from its dates and rows by
``rules.state_on`` (see ``docs/decisions/0006-agreements.md``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Count, Q

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import clock

from . import rules
from .enums import (
    CouncilBody,
    DeliberationPurpose,
    ObligationKind,
    ObligationStatus,
    Party,
    TemplateKind,
    TransmissionRecipient,
)

DEFAULT_START = dt.date(2024, 9, 1)
DEFAULT_CAP = dt.date(2027, 8, 31)


def default_start() -> dt.date:
    return DEFAULT_START


def default_cap() -> dt.date:
    return DEFAULT_CAP


class AgreementTemplateQuerySet(models.QuerySet["AgreementTemplate"]):
    def of_kind(self, kind: str) -> AgreementTemplateQuerySet:
        return self.filter(kind=kind)

    def latest_version(self, kind: str) -> AgreementTemplate | None:
        return self.of_kind(kind).order_by("-version").first()


class AgreementTemplate(models.Model):
    """The text of the convention (or of an amendment), versioned.

    The body is HTML written in the Django template language, with the agreement's data as
    context. A new version is a new row: the documents already generated keep their text.
    """

    kind = models.CharField("type", max_length=16, choices=TemplateKind.choices)
    version = models.PositiveIntegerField("version")
    name = models.CharField("nom", max_length=200)
    body = models.TextField(
        "texte", help_text="HTML et langage de gabarit de Django ({{ commune.name }}…)."
    )
    notes = models.CharField("ce qui a changé", max_length=500, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AgreementTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "modèle de document"
        verbose_name_plural = "modèles de document"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="agreement_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — version {self.version}"


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def visible_to(self, user) -> AgreementQuerySet:
        """Territory roles: their territory; a commune's referent: that commune's."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(territory_id=user.territory_id)
        if user.role == Role.COMMUNE_REFERENT:
            return self.filter(commune__staff=user)
        return self.none()

    def for_commune(self, commune) -> AgreementQuerySet:
        return self.filter(commune=commune)

    def signed(self) -> AgreementQuerySet:
        return self.filter(signed_on__isnull=False)

    def with_state_data(self) -> AgreementQuerySet:
        """What ``state`` needs, in the same query: the renewal count and the termination."""
        return self.select_related("commune", "termination").annotate(
            renewal_count=Count("renewals", distinct=True)
        )


class Agreement(models.Model):
    """A convention de partenariat between a territory (CCFL) and one of its communes."""

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="communauté de communes",
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    start_date = models.DateField(
        "début", default=default_start, help_text="Le premier jour de la première année."
    )
    cap_date = models.DateField(
        "limite absolue",
        default=default_cap,
        help_text="Jamais au-delà (36 mois liés à la délibération sur les postes).",
    )
    cap_deliberation = models.ForeignKey(
        "Deliberation",
        verbose_name="délibération qui fixe la limite",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    territory_signatory_name = models.CharField(
        "signataire pour la communauté de communes", max_length=200
    )
    territory_signatory_title = models.CharField("son titre", max_length=100, default="Président")
    territory_signatory_civility = models.CharField(
        "civilité", max_length=20, default="Monsieur", blank=True
    )
    commune_signatory_name = models.CharField("signataire pour la commune", max_length=200)
    commune_signatory_title = models.CharField("son titre", max_length=100, default="Maire")
    session_secretary_name = models.CharField(
        "secrétaire de séance du conseil municipal", max_length=200, blank=True
    )
    signed_on = models.DateField("signée le", null=True, blank=True)
    signed_place = models.CharField("signée à", max_length=100, blank=True)
    copies = models.PositiveSmallIntegerField("nombre d'exemplaires", default=2)
    advisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="conseillers numériques désignés",
        blank=True,
        related_name="agreements",
        limit_choices_to={"role": Role.ADVISER},
    )
    permanence = models.ForeignKey(
        "scheduling.Permanence",
        verbose_name="intervention hebdomadaire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements",
    )
    template = models.ForeignKey(
        AgreementTemplate,
        verbose_name="version du modèle de document",
        on_delete=models.PROTECT,
        related_name="agreements",
        limit_choices_to={"kind": TemplateKind.AGREEMENT},
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        verbose_name_plural = "conventions"
        ordering = ["commune__name", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cap_date__gt=models.F("start_date")),
                name="agreement_cap_after_start",
                violation_error_message="La limite doit être après le début.",
            ),
            models.UniqueConstraint(
                fields=["commune", "start_date"], name="agreement_one_per_commune_and_start"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Convention {self.territory.short_name if self.territory_id else ''} — {self.commune}"
        )

    # The derived status. ``renewal_count`` comes from ``with_state_data()`` when loaded in a
    # list; otherwise one query.
    def facts(self) -> rules.Facts:
        renewals = getattr(self, "renewal_count", None)
        if renewals is None:
            renewals = self.renewals.count()
        termination = self.termination_or_none
        return rules.Facts(
            start=self.start_date,
            cap=self.cap_date,
            signed_on=self.signed_on,
            renewals=renewals,
            termination_requested_on=termination.requested_on if termination else None,
            termination_effective_on=termination.effective_on if termination else None,
        )

    @property
    def termination_or_none(self) -> Termination | None:
        try:
            return self.termination
        except Termination.DoesNotExist:
            return None

    def state(self, day: dt.date | None = None) -> rules.State:
        return rules.state_on(self.facts(), day or clock.today())


class Deliberation(models.Model):
    """A council decision quoted by the convention (body, number, date)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="deliberations")
    body = models.CharField("assemblée", max_length=16, choices=CouncilBody.choices)
    purpose = models.CharField("rôle", max_length=32, choices=DeliberationPurpose.choices)
    number = models.CharField("numéro", max_length=50, blank=True)
    date = models.DateField("date")
    subject = models.CharField("objet", max_length=300, blank=True)

    class Meta:
        verbose_name = "délibération"
        verbose_name_plural = "délibérations"
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        number = f" n°{self.number}" if self.number else ""
        return f"{self.get_body_display()}{number} du {self.date:%d/%m/%Y}"


class Referent(models.Model):
    """A contact person of one party, as written in article 3 (names and role, free text)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="referents")
    party = models.CharField("partie", max_length=16, choices=Party.choices)
    names = models.CharField("nom(s)", max_length=200)
    role = models.CharField("fonction", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "personne référente"
        verbose_name_plural = "personnes référentes"
        ordering = ["party", "position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """« Isabelle DEBRAY, Responsable de la Bibliothèque », « … du C.C.A.S »."""
        if not self.role:
            return self.names
        joiner = " " if self.role.split(" ", 1)[0] in {"du", "de", "des", "de la"} else ", "
        return f"{self.names}{joiner}{self.role}"


class Renewal(models.Model):
    """One more year (reconduction): at most two (article 5)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="renewals")
    number = models.PositiveSmallIntegerField("reconduction n°")
    decided_on = models.DateField("décidée le")
    period_start = models.DateField("du")
    period_end = models.DateField("au")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "reconduction"
        verbose_name_plural = "reconductions"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="renewal_number_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=rules.MAX_RENEWALS),
                name="renewal_at_most_two",
                violation_error_message="Deux reconductions au plus.",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="renewal_period"
            ),
        ]

    def __str__(self) -> str:
        return f"Reconduction n°{self.number} ({self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y})"


class Termination(models.Model):
    """The end on request of one party, with three months' notice (article 6)."""

    agreement = models.OneToOneField(
        Agreement, on_delete=models.CASCADE, related_name="termination"
    )
    requested_by = models.CharField("demandée par", max_length=16, choices=Party.choices)
    requested_on = models.DateField("demande reçue le")
    effective_on = models.DateField("dernier jour de la convention")
    reason = models.TextField("motif", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "résiliation"
        verbose_name_plural = "résiliations"
        constraints = [
            # Three calendar months are checked by the service; the database at least refuses
            # an end before the request.
            models.CheckConstraint(
                condition=Q(effective_on__gt=models.F("requested_on")),
                name="termination_after_request",
            )
        ]

    def __str__(self) -> str:
        return f"Résiliation au {self.effective_on:%d/%m/%Y}"


class Amendment(models.Model):
    """An avenant adopted by both parties, numbered in its agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveSmallIntegerField("avenant n°")
    adopted_on = models.DateField("adopté le")
    title = models.CharField("objet", max_length=200)
    text = models.TextField("texte")
    template = models.ForeignKey(
        AgreementTemplate,
        verbose_name="version du modèle de document",
        on_delete=models.PROTECT,
        related_name="amendments",
        limit_choices_to={"kind": TemplateKind.AMENDMENT},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "avenant"
        verbose_name_plural = "avenants"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="amendment_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="amendment_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Avenant n°{self.number} : {self.title}"


class Transmission(models.Model):
    """Article 8: the signed convention sent to the State, the Banque des Territoires…"""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="transmissions")
    recipient = models.CharField(
        "destinataire", max_length=32, choices=TransmissionRecipient.choices
    )
    sent_on = models.DateField("envoyée le", null=True, blank=True)
    note = models.CharField("précision", max_length=200, blank=True)

    class Meta:
        verbose_name = "transmission"
        verbose_name_plural = "transmissions"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "recipient"], name="transmission_one_per_recipient"
            )
        ]

    def __str__(self) -> str:
        return self.get_recipient_display()


class Obligation(models.Model):
    """One line of the article 4 checklist, with its evidence."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="obligations")
    kind = models.CharField("engagement", max_length=32, choices=ObligationKind.choices)
    status = models.CharField(
        "état", max_length=16, choices=ObligationStatus.choices, default=ObligationStatus.TO_CHECK
    )
    evidence = models.TextField("preuve ou remarque", blank=True)
    checked_on = models.DateField("vérifié le", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="vérifié par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "engagement de la commune"
        verbose_name_plural = "engagements de la commune"
        ordering = ["agreement", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "kind"], name="obligation_one_per_kind")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
