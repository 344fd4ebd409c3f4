from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from .enums import PERSONAL_DATA_ROLES, TERRITORY_ROLES, Role


class UserQuerySet(models.QuerySet["User"]):
    def advisers(self) -> UserQuerySet:
        return self.filter(role=Role.ADVISER, is_active=True)

    def visible_to(self, user) -> UserQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(territory_id=user.territory_id)
        return self.filter(pk=user.pk)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("role", Role.CULTURE_SERVICE)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of staff. Inhabitants never have an account."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    role = models.CharField("rôle", max_length=32, choices=Role.choices)
    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    communes = models.ManyToManyField(
        "territory.Commune",
        verbose_name="communes",
        blank=True,
        related_name="staff",
        help_text="Communes suivies (conseiller) ou représentées (référent).",
    )
    library = models.ForeignKey(
        "territory.Library",
        verbose_name="bibliothèque",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="librarians",
    )
    phone = models.CharField("téléphone professionnel", max_length=20, blank=True)
    is_staff = models.BooleanField(
        "accès à l'administration", default=False, help_text="Peut ouvrir /admin/."
    )
    is_active = models.BooleanField("actif", default=True)
    date_joined = models.DateTimeField("créé le", default=timezone.now)
    # Second factor (TOTP, docs/securite.md). The secret is set when enrolment starts and
    # counts only once confirmed by a code; the last accepted time step stops a replay.
    totp_secret = models.CharField(
        "secret de la double authentification", max_length=64, blank=True, editable=False
    )
    totp_confirmed_at = models.DateTimeField(
        "double authentification activée le", null=True, blank=True, editable=False
    )
    totp_last_step = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = "membre du personnel"
        verbose_name_plural = "membres du personnel"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def manages_territory(self) -> bool:
        return self.is_superuser or self.role in TERRITORY_ROLES

    @property
    def sees_personal_data(self) -> bool:
        return self.is_superuser or self.role in PERSONAL_DATA_ROLES

    @property
    def is_adviser(self) -> bool:
        return self.role == Role.ADVISER

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None and bool(self.totp_secret)


class ApiScope(models.TextChoices):
    """What a token may do; chosen when it is created (at least one)."""

    READ_ACTIVITIES = "activities:read", "Lire les comptes rendus d'activité"
    READ_REPORTS = "reports:read", "Lire les rapports de fréquentation"
    BOOK = "appointments:book", "Prendre rendez-vous pour une personne"


def all_api_scopes() -> list[str]:
    return [str(scope) for scope in ApiScope]


def one_year_after(moment: dt.datetime) -> dt.datetime:
    """The same day and hour a year later (28 February for a 29 February)."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)


def one_year_from_now() -> dt.datetime:
    return one_year_after(timezone.now())


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        """Not revoked (an expired token stays listed, and can be extended)."""
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user) -> ApiTokenQuerySet:
        """Everyone sees and manages only their own tokens."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user_id=user.pk)


class ApiToken(models.Model):
    """A secret a member of staff gives a program to read the API with their own scope.

    Only its SHA-256 hash is stored; the token itself is shown once, when created.
    """

    user = models.ForeignKey(
        User, verbose_name="titulaire", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("nom", max_length=100, help_text="À quoi il sert, pour s'y retrouver.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("début du jeton", max_length=12, editable=False)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    # Valid strictly before this instant; one year after creation, extended a year at a time.
    expires_at = models.DateTimeField("expire le", default=one_year_from_now)
    scopes = models.JSONField(
        "droits",
        default=all_api_scopes,
        help_text="Ce que le jeton permet : activities:read, reports:read, appointments:book.",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def is_expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    @property
    def scope_labels(self) -> list[str]:
        return [label for value, label in ApiScope.choices if self.has_scope(value)]


class RecoveryCode(models.Model):
    """A single-use code that replaces the phone's code once (phone lost or broken).

    Only a hash is stored; the codes are shown once, when created."""

    user = models.ForeignKey(
        User, verbose_name="titulaire", on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "code de secours"
        verbose_name_plural = "codes de secours"
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"Code de secours de {self.user} ({'utilisé' if self.used_at else 'disponible'})"
