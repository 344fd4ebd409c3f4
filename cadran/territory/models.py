from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import clock

from .validators import validate_latitude, validate_longitude, validate_siret

insee_validator = RegexValidator(
    r"^(\d{5}|2[AB]\d{3})$", "Le code INSEE compte cinq caractères (ex. 59212)."
)
postcode_validator = RegexValidator(r"^\d{5}$", "Le code postal compte cinq chiffres.")
# Brevo's alphanumeric sender: at most 11 letters or digits, no space nor accent.
sms_sender_validator = RegexValidator(
    r"^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$",
    "L'expéditeur des SMS compte au plus 11 lettres ou chiffres, sans espace ni accent, "
    "dont au moins une lettre (par exemple le sigle de l'intercommunalité).",
)

PRODUCT_NAME = "Cadran"


def _time_setting(name: str, fallback: str) -> dt.time:
    return dt.time.fromisoformat(getattr(settings, name, fallback) or fallback)


def default_reminder_time() -> dt.time:
    """The install's ``CADRAN_REMINDER_TIME`` (10:00 unless set), for a new territory."""
    return _time_setting("CADRAN_REMINDER_TIME", "10:00")


def default_digest_time() -> dt.time:
    """The install's ``CADRAN_STAFF_DIGEST_TIME`` (07:00 unless set), for a new territory."""
    return _time_setting("CADRAN_STAFF_DIGEST_TIME", "07:00")


class Territory(models.Model):
    """An intercommunality (EPCI). One install may serve several; each carries its own
    identity (names, contacts, senders, site address, times: docs/territoire.md) and its
    charte graphique (``publicity.Charter``: colours and logo)."""

    name = models.CharField("nom", max_length=200)
    short_name = models.CharField("sigle", max_length=30)
    slug = models.SlugField("identifiant", unique=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    siret = models.CharField(
        "SIRET du siège",
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text="Donnée « pivot » des lieux dans les données ouvertes quand un lieu n'a pas "
        "son propre SIRET (annuaire-entreprises.data.gouv.fr).",
    )
    service_name = models.CharField(
        "service", max_length=200, default="Service Culture", help_text="Qui répond au public."
    )
    contact_phone = models.CharField("téléphone de contact", max_length=20, blank=True)
    contact_email = models.EmailField("e-mail de contact", blank=True)
    school_zone = models.CharField("zone de vacances scolaires", max_length=10, default="Zone B")
    library_card_pattern = models.CharField(
        "format des numéros de carte de bibliothèque",
        max_length=200,
        default=r"^[0-9]{6,10}$",
        help_text="Expression régulière ; par défaut de 6 à 10 chiffres.",
    )
    # --- Identity (docs/territoire.md) ---
    programme_name = models.CharField(
        "nom du dispositif",
        max_length=120,
        blank=True,
        help_text="En tête de chaque page, par exemple « Conseillers numériques du territoire ». "
        f"Vide : « {PRODUCT_NAME} ».",
    )
    sms_sender = models.CharField(
        "expéditeur des SMS",
        max_length=11,
        blank=True,
        validators=[sms_sender_validator],
        help_text="Au plus 11 lettres ou chiffres, sans espace (par exemple le sigle). "
        "Vide : celui de l'installation.",
    )
    email_from_name = models.CharField(
        "nom de l'expéditeur des e-mails",
        max_length=100,
        blank=True,
        help_text="Par exemple le nom du service et le sigle. Vide : celui de l'installation.",
    )
    email_from_address = models.EmailField(
        "adresse d'expédition des e-mails",
        blank=True,
        help_text="Une adresse que le serveur d'e-mail a le droit d'utiliser. "
        "Vide : celle de l'installation.",
    )
    site_url = models.URLField(
        "adresse publique du site",
        max_length=200,
        blank=True,
        help_text="Par exemple « https://rdv.cc-flandrelys.fr » : les liens des e-mails et SMS "
        "du territoire y mènent. Vide : l'adresse de l'installation.",
    )
    reminder_time = models.TimeField(
        "heure des rappels",
        default=default_reminder_time,
        help_text="Le rappel part la veille du rendez-vous à cette heure (heure de Paris).",
    )
    digest_time = models.TimeField(
        "heure du récapitulatif des conseillers",
        default=default_digest_time,
        help_text="Chaque conseiller reçoit ses rendez-vous du jour à cette heure (Paris).",
    )
    # « Vous venez toujours ? » (docs/decisions/0013-confirm-or-release.md): 0 = not asked.
    appointment_confirmation_days = models.PositiveSmallIntegerField(
        "demander la confirmation d'un rendez-vous (jours avant)",
        default=3,
        validators=[MaxValueValidator(30)],
        help_text="La personne reçoit « Vous venez toujours ? » ce nombre de jours avant, à "
        "l'heure des rappels. 0 : pas de demande.",
    )
    workshop_confirmation_days = models.PositiveSmallIntegerField(
        "demander la confirmation d'un atelier (jours avant)",
        default=7,
        validators=[MaxValueValidator(30)],
        help_text="Les inscrits reçoivent « Vous venez toujours ? » ce nombre de jours avant, à "
        "l'heure des rappels. 0 : pas de demande.",
    )

    class Meta:
        verbose_name = "territoire"
        verbose_name_plural = "territoires"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.site_url = (self.site_url or "").rstrip("/")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.site_url:
            self.site_url = self.site_url.rstrip("/")
            if "?" in self.site_url or "#" in self.site_url:
                raise ValidationError(
                    {"site_url": "Donnez seulement l'adresse du site, sans « ? » ni « # »."}
                )


class CommuneQuerySet(models.QuerySet["Commune"]):
    def visible_to(self, user) -> CommuneQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(territory_id=user.territory_id)
        if user.role in (Role.ADVISER, Role.COMMUNE_REFERENT):
            return self.filter(staff=user)
        if user.role == Role.LIBRARIAN and user.library_id:
            return self.filter(libraries=user.library_id)
        return self.none()


class Commune(models.Model):
    """A member town, keyed by its INSEE code (several share a postcode)."""

    insee_code = models.CharField(
        "code INSEE", max_length=5, unique=True, validators=[insee_validator]
    )
    territory = models.ForeignKey(
        Territory, verbose_name="territoire", on_delete=models.PROTECT, related_name="communes"
    )
    name = models.CharField("nom", max_length=100)
    slug = models.SlugField("identifiant", unique=True)
    postcode = models.CharField("code postal", max_length=5, validators=[postcode_validator])
    department = models.CharField("département", max_length=3)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    h_aspire = models.BooleanField(
        "nom commençant par un h aspiré",
        default=False,
        help_text="Cochez si l'on écrit « de Hautbourg » et non « d'Hautbourg » : Cadran élide "
        "sinon « de » devant une voyelle ou un h (« d'Arbourg », « d'Hermonville »).",
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Library(models.Model):
    """A library of the territory's reading network."""

    commune = models.ForeignKey(
        Commune, verbose_name="commune", on_delete=models.PROTECT, related_name="libraries"
    )
    name = models.CharField("nom", max_length=200)
    address = models.CharField("adresse", max_length=255, blank=True)
    is_example = models.BooleanField(
        "donnée d'exemple", default=False, help_text="Nom ou adresse à vérifier."
    )

    class Meta:
        verbose_name = "bibliothèque"
        verbose_name_plural = "bibliothèques"
        ordering = ["commune__name", "name"]

    def __str__(self) -> str:
        return self.name


def street_address(address: str, commune: Commune) -> str:
    """An address without its postcode and commune: a « , 00100 Bourg-Fictif » written in
    it (at its end, or before a remark in brackets) is left out."""
    address = (address or "").strip()
    tail = re.compile(
        rf"[,\s]*\b{re.escape(commune.postcode)}\b\s*(?:{re.escape(commune.name)})?"
        r"(?=\s*(?:\(|$))",
        re.IGNORECASE,
    )
    stripped = re.sub(r"\s{2,}", " ", tail.sub("", address)).strip(" ,")
    return stripped or address


def postal_address(address: str, commune: Commune) -> str:
    """The street, then « postcode commune » once, whatever the address field holds:
    « 1 place du Marché, 00100 Bourg-Fictif »."""
    street = street_address(address, commune)
    town = f"{commune.postcode} {commune.name}"
    if street == (address or "").strip() and town.lower() in street.lower():
        return street  # the town is inside a remark: leave the text as written
    return f"{street}, {town}" if street else town


class VenueQuerySet(models.QuerySet["Venue"]):
    def visible_to(self, user) -> VenueQuerySet:
        return self.filter(commune__in=Commune.objects.visible_to(user))


class Venue(models.Model):
    """Where an intervention takes place, with what the convention asks of it (art. 4)."""

    commune = models.ForeignKey(
        Commune, verbose_name="commune", on_delete=models.PROTECT, related_name="venues"
    )
    library = models.ForeignKey(
        Library,
        verbose_name="bibliothèque",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="venues",
    )
    name = models.CharField("nom du lieu", max_length=200)
    address = models.CharField("adresse", max_length=255)
    room = models.CharField("salle ou bureau", max_length=200, blank=True)
    confidential = models.BooleanField(
        "espace confidentiel", default=False, help_text="Un bureau fermé, pour parler en privé."
    )
    accessible = models.BooleanField("accessible en fauteuil roulant", default=False)
    wifi = models.BooleanField("wifi", default=False)
    heated = models.BooleanField("chauffé", default=False)
    insured = models.BooleanField("assuré", default=False)
    has_pc = models.BooleanField("ordinateur", default=False)
    has_printer = models.BooleanField("imprimante", default=False)
    has_projector = models.BooleanField("vidéoprojecteur", default=False)
    has_screen = models.BooleanField("écran", default=False)
    has_tables_chairs = models.BooleanField("tables et chaises", default=False)
    is_example = models.BooleanField(
        "donnée d'exemple", default=False, help_text="Adresse à vérifier avec la commune."
    )
    siret = models.CharField(
        "SIRET du lieu",
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text="Celui de la structure qui accueille (la mairie, la médiathèque…). Vide : "
        "celui du territoire.",
    )
    latitude = models.DecimalField(
        "latitude",
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validate_latitude],
        help_text="En degrés (WGS84), par exemple 50.648600 : copiez-la depuis "
        "adresse.data.gouv.fr. Pour la carte nationale des lieux.",
    )
    longitude = models.DecimalField(
        "longitude",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validate_longitude],
        help_text="En degrés (WGS84), par exemple 2.716500.",
    )

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu"
        verbose_name_plural = "lieux"
        ordering = ["commune__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.commune.name})" if self.commune_id else self.name

    def clean(self) -> None:
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(
                {"longitude": "Donnez la latitude et la longitude ensemble, ou aucune des deux."}
            )

    @property
    def full_place(self) -> str:
        return f"{self.name}, {self.room}" if self.room else self.name

    @property
    def street_address(self) -> str:
        return street_address(self.address, self.commune)

    @property
    def postal_address(self) -> str:
        return postal_address(self.address, self.commune)


class VenueChangeStatus(models.TextChoices):
    PENDING = "pending", "En attente de confirmation"
    CONFIRMED = "confirmed", "Confirmé"
    REFUSED = "refused", "Refusé"


class VenueChangeQuerySet(models.QuerySet["VenueChange"]):
    def visible_to(self, user) -> VenueChangeQuerySet:
        """The Service Culture and the coordination: their territory; a referent (or an
        adviser): the communes they represent (or serve); nobody else."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(commune__territory_id=user.territory_id)
        if user.role in (Role.ADVISER, Role.COMMUNE_REFERENT):
            return self.filter(commune__in=Commune.objects.visible_to(user))
        return self.none()

    def pending(self) -> VenueChangeQuerySet:
        return self.filter(status=VenueChangeStatus.PENDING)

    def with_related(self) -> VenueChangeQuerySet:
        return self.select_related(
            "commune__territory", "old_venue", "new_venue", "declared_by", "decided_by"
        )


class VenueChange(models.Model):
    """A commune announces that an intervention moves to another venue (convention, art. 3:
    the commune warns the intercommunality in advance if these venues change).

    Declared by the commune's referent, confirmed (or refused) by the Service Culture; on
    confirmation every appointment and session at the old venue from ``effective_date`` on
    moves to the new venue (:func:`cadran.territory.services.confirm_venue_change`).
    """

    commune = models.ForeignKey(
        Commune, verbose_name="commune", on_delete=models.PROTECT, related_name="venue_changes"
    )
    old_venue = models.ForeignKey(
        Venue, verbose_name="lieu quitté", on_delete=models.PROTECT, related_name="changes_from"
    )
    new_venue = models.ForeignKey(
        Venue, verbose_name="nouveau lieu", on_delete=models.PROTECT, related_name="changes_to"
    )
    effective_date = models.DateField("à partir du")
    note = models.TextField("message de la commune", blank=True)
    status = models.CharField(
        "état", max_length=16, choices=VenueChangeStatus.choices, default=VenueChangeStatus.PENDING
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déclaré par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    declared_at = models.DateTimeField("déclaré le", default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True)
    missing_conditions = models.TextField(
        "conditions manquantes acceptées",
        blank=True,
        help_text="Ce qui manquait au nouveau lieu quand le changement a été confirmé.",
    )
    appointments_moved = models.PositiveIntegerField("rendez-vous déplacés", default=0)
    sessions_moved = models.PositiveIntegerField("séances déplacées", default=0)

    objects = VenueChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "changement de lieu"
        verbose_name_plural = "changements de lieu"
        ordering = ["-declared_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(old_venue=models.F("new_venue")),
                name="venue_change_new_venue_differs",
                violation_error_message="Le nouveau lieu doit être différent de l'ancien.",
            ),
            models.UniqueConstraint(
                fields=["old_venue"],
                condition=models.Q(status="pending"),
                name="venue_change_one_pending_per_venue",
                violation_error_message="Un changement est déjà en attente pour ce lieu.",
            ),
        ]
        indexes = [models.Index(fields=["status", "declared_at"], name="venue_change_status")]

    def __str__(self) -> str:
        return f"{self.commune.name} : changement de lieu au {self.effective_date:%d/%m/%Y}"

    @property
    def is_pending(self) -> bool:
        return self.status == VenueChangeStatus.PENDING
