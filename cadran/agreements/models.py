"""The convention of partnership between the territory and a commune, and what hangs on it.

The status of an agreement is never stored: it is derived from its dates and rows by
``rules.state_on`` (see ``docs/decisions/0006-agreements.md``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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


# Referenced by migration 0001 (the field defaults of that time, now gone): not used.
def default_start() -> dt.date:
    return clock.today()


def default_cap() -> dt.date:
    return rules.default_cap(clock.today(), rules.NEUTRAL)


def first_of_next_month(day: dt.date) -> dt.date:
    return rules.add_months(day.replace(day=1), 1)


class AgreementRules(models.Model):
    """A territory's rules for its conventions: term, renewals, limit, notice.

    Each ``Agreement`` may override them (its own fields, empty = the territory's rule). A
    territory without a row gets ``rules.NEUTRAL`` (one year, not renewable, three months'
    notice, no limit but the end of the year): see docs/decisions/0010-agreement-rules.md.
    """

    territory = models.OneToOneField(
        "territory.Territory",
        verbose_name="communauté de communes",
        on_delete=models.CASCADE,
        related_name="agreement_rules",
    )
    term_months = models.PositiveSmallIntegerField(
        "durée (mois)",
        default=rules.NEUTRAL.term_months,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="La durée de la convention, puis de chaque reconduction (12 : un an).",
    )
    max_renewals = models.PositiveSmallIntegerField(
        "nombre de reconductions",
        default=rules.NEUTRAL.max_renewals,
        validators=[MaxValueValidator(10)],
        help_text="0 : la convention n'est pas reconductible.",
    )
    notice_months = models.PositiveSmallIntegerField(
        "préavis de résiliation (mois)",
        default=rules.NEUTRAL.notice_months,
        validators=[MaxValueValidator(24)],
    )
    default_start_date = models.DateField(
        "premier jour proposé",
        null=True,
        blank=True,
        help_text="Proposé pour une nouvelle convention. Vide : le 1er du mois prochain.",
    )
    cap_date = models.DateField(
        "limite absolue (date)",
        null=True,
        blank=True,
        help_text="Jamais au-delà de ce jour (par exemple la fin des postes de conseillers).",
    )
    cap_months = models.PositiveSmallIntegerField(
        "limite absolue (mois après le début)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Ou bien un nombre de mois à partir du premier jour. Vide (et pas de date) : "
        "la fin de la dernière reconduction possible.",
    )
    cap_deliberation_body = models.CharField(
        "assemblée qui fixe la limite",
        max_length=16,
        choices=CouncilBody.choices,
        default=CouncilBody.COMMUNITY,
    )
    cap_deliberation_number = models.CharField(
        "numéro de cette délibération", max_length=50, blank=True
    )
    cap_deliberation_date = models.DateField("date de cette délibération", null=True, blank=True)
    cap_deliberation_subject = models.CharField(
        "objet de cette délibération", max_length=300, blank=True
    )
    renewal_alert_months = models.PositiveSmallIntegerField(
        "alerte avant la fin de chaque période (mois)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Le Service Culture et les référents sont prévenus ce nombre de mois avant "
        "la fin de la période, pour décider de la reconduction. Vide : le réglage de "
        "l'installation (3 mois).",
    )
    cap_alert_months = models.PositiveSmallIntegerField(
        "alerte avant la limite absolue (mois)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="Vide : le réglage de l'installation (6 mois).",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "règles des conventions"
        verbose_name_plural = "règles des conventions"
        constraints = [
            models.CheckConstraint(
                condition=Q(cap_date__isnull=True) | Q(cap_months__isnull=True),
                name="agreement_rules_one_kind_of_cap",
                violation_error_message="Une limite en date ou en mois, pas les deux.",
            ),
            models.CheckConstraint(condition=Q(term_months__gte=1), name="agreement_rules_term"),
        ]

    def __str__(self) -> str:
        return f"Règles des conventions — {self.territory}"

    def terms(self) -> rules.Terms:
        return rules.Terms(
            term_months=self.term_months,
            max_renewals=self.max_renewals,
            notice_months=self.notice_months,
        )

    def start_for_new(self, today: dt.date) -> dt.date:
        return self.default_start_date or first_of_next_month(today)

    def cap_for(self, start: dt.date, terms: rules.Terms | None = None) -> dt.date:
        """The limit of an agreement starting on ``start`` (with ``terms``, by default the
        territory's)."""
        if self.cap_date is not None:
            return self.cap_date
        if self.cap_months:
            return rules.add_months(start, self.cap_months) - rules.ONE_DAY
        return rules.default_cap(start, terms or self.terms())

    @property
    def has_cap_deliberation(self) -> bool:
        return self.cap_deliberation_date is not None


def rules_of(territory) -> AgreementRules:
    """The territory's rules, or the neutral ones (an unsaved row) when it has none."""
    if territory is None:
        return AgreementRules()
    try:
        return territory.agreement_rules
    except AgreementRules.DoesNotExist:
        return AgreementRules(territory=territory)


class AgreementTemplateQuerySet(models.QuerySet["AgreementTemplate"]):
    def of(self, territory, kind: str) -> AgreementTemplateQuerySet:
        return self.filter(territory=territory, kind=kind)

    def latest_version(self, territory, kind: str) -> AgreementTemplate | None:
        return self.of(territory, kind).order_by("-version").first()


class AgreementTemplate(models.Model):
    """The text of a territory's convention (or amendment), versioned per territory and kind.

    The body is HTML written in the Django template language, with the agreement's data as
    context. A new version is a new row: the documents already generated keep their text.
    A territory's first version is the neutral text of the code (documents.NEUTRAL_FILES).
    """

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="communauté de communes",
        on_delete=models.CASCADE,
        related_name="agreement_templates",
    )
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
        ordering = ["territory", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "kind", "version"], name="agreement_template_version"
            )
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
        return self.select_related("commune", "termination", "territory__agreement_rules").annotate(
            renewal_count=Count("renewals", distinct=True)
        )


class Agreement(models.Model):
    """A convention de partenariat between a territory and one of its communes."""

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
    start_date = models.DateField("début", help_text="Le premier jour de la convention.")
    cap_date = models.DateField(
        "limite absolue",
        help_text="Jamais au-delà (par défaut, la règle du territoire).",
    )
    # The rules of this agreement; empty: the territory's (``AgreementRules``). Filled from
    # the territory's at signature: a signed convention keeps the rules it was signed with.
    term_months = models.PositiveSmallIntegerField(
        "durée (mois)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Vide : la règle du territoire.",
    )
    max_renewals = models.PositiveSmallIntegerField(
        "nombre de reconductions",
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text="Vide : la règle du territoire.",
    )
    notice_months = models.PositiveSmallIntegerField(
        "préavis de résiliation (mois)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(24)],
        help_text="Vide : la règle du territoire.",
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
            models.CheckConstraint(
                condition=Q(term_months__isnull=True) | Q(term_months__gte=1),
                name="agreement_term_positive",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Convention {self.territory.short_name if self.territory_id else ''} — {self.commune}"
        )

    # The derived status. ``renewal_count`` comes from ``with_state_data()`` when loaded in a
    # list; otherwise one query.
    @property
    def territory_rules(self) -> AgreementRules:
        return rules_of(self.territory if self.territory_id else None)

    def terms(self) -> rules.Terms:
        """This agreement's rules: its own fields, else its territory's, else neutral."""
        base = self.territory_rules
        return rules.Terms(
            term_months=self.term_months or base.term_months,
            max_renewals=base.max_renewals if self.max_renewals is None else self.max_renewals,
            notice_months=(
                base.notice_months if self.notice_months is None else self.notice_months
            ),
        )

    def facts(self) -> rules.Facts:
        renewals = getattr(self, "renewal_count", None)
        if renewals is None:
            renewals = self.renewals.count()
        termination = self.termination_or_none
        return rules.Facts(
            start=self.start_date,
            cap=self.cap_date,
            terms=self.terms(),
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
    """One more period (reconduction): at most as many as the agreement's rules allow."""

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
            # The maximum is the agreement's rule, checked by the service.
            models.CheckConstraint(condition=Q(number__gte=1), name="renewal_number_positive"),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="renewal_period"
            ),
        ]

    def __str__(self) -> str:
        return f"Reconduction n°{self.number} ({self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y})"


class Termination(models.Model):
    """The end on request of one party, with the notice of the agreement's rules."""

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
            # The notice (calendar months) is checked by the service; the database at least refuses
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
