"""The charte graphique of a territory, and the private calendar links of advisers."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from cadran.core import clock

color_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", "Écrivez la couleur en hexadécimal, par exemple #00467f."
)
# A CSS font-family list: names, commas, spaces, quotes and hyphens; nothing that could
# close the declaration (no ; { } < >).
font_validator = RegexValidator(
    r"^[A-Za-z0-9À-ÿ ,'\"-]{1,200}$",
    "Écrivez des noms de polices séparés par des virgules, par exemple « Marianne, Arial, sans-serif ».",
)

DEFAULT_PRIMARY = "#00467f"  # --brand of cadran.css
DEFAULT_SECONDARY = "#b34000"  # --accent of cadran.css
DEFAULT_FONT = "Liberation Sans, DejaVu Sans, Arial, sans-serif"
DEFAULT_MESSAGE = "Besoin d'aide avec le numérique ? C'est gratuit."

# SVG logos are drawn by the territory, but shown on every site that embeds the widget:
# no script, no event handler, no external reference.
_SVG_FORBIDDEN = re.compile(
    r"<\s*(script|foreignObject|iframe|object|embed)\b|\bon[a-z]+\s*=|javascript:|"
    r"<!ENTITY|xlink:href\s*=\s*[\"'](?!#|data:image/)|\bhref\s*=\s*[\"'](?!#|data:image/)",
    re.IGNORECASE,
)


def _luminance(hex_color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(hex_color: str) -> float:
    """WCAG contrast ratio between a colour and white (text in white on it, or it on white)."""
    return 1.05 / (_luminance(hex_color) + 0.05)


class Charter(models.Model):
    """The charte graphique: set once per territory, used by the widget and the posters."""

    territory = models.OneToOneField(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="charter",
    )
    primary_color = models.CharField(
        "couleur principale",
        max_length=7,
        default=DEFAULT_PRIMARY,
        validators=[color_validator],
        help_text="Titres, boutons, bandeau. Assez foncée pour écrire en blanc dessus.",
    )
    secondary_color = models.CharField(
        "couleur secondaire",
        max_length=7,
        default=DEFAULT_SECONDARY,
        validators=[color_validator],
        help_text="Mises en avant. Assez foncée pour être lue sur du blanc.",
    )
    heading_font = models.CharField(
        "police des titres", max_length=200, default=DEFAULT_FONT, validators=[font_validator]
    )
    body_font = models.CharField(
        "police du texte", max_length=200, default=DEFAULT_FONT, validators=[font_validator]
    )
    logo_svg = models.TextField(
        "logo (SVG)",
        blank=True,
        help_text="Le code SVG du logo (sans script ni lien externe). Vide : le logo texte.",
    )
    logo_text = models.CharField(
        "logo texte",
        max_length=60,
        blank=True,
        help_text="Par exemple le sigle de l'intercommunalité.",
    )
    message = models.CharField("message d'accroche", max_length=200, default=DEFAULT_MESSAGE)
    footer_text = models.CharField(
        "mention en bas des affiches",
        max_length=300,
        blank=True,
        help_text="Par exemple « Un service de l'intercommunalité et de son réseau de bibliothèques ».",
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "charte graphique"
        verbose_name_plural = "chartes graphiques"

    def __str__(self) -> str:
        return f"Charte graphique — {self.territory}" if self.territory_id else "Charte graphique"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("primary_color", "secondary_color"):
            value = getattr(self, name)
            if color_validator.regex.match(value or "") and contrast_with_white(value) < 4.5:
                errors[name] = (
                    "Cette couleur est trop claire : le texte ne se lirait pas bien "
                    f"(contraste {contrast_with_white(value):.1f} pour 1, il faut au moins 4,5)."
                )
        if self.logo_svg:
            if "<svg" not in self.logo_svg.lower():
                errors["logo_svg"] = "Collez le code d'une image SVG (il commence par <svg)."
            elif _SVG_FORBIDDEN.search(self.logo_svg):
                errors["logo_svg"] = (
                    "Ce SVG contient un script, un lien ou une entité : ce n'est pas permis."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def message_display(self) -> str:
        """The message with French non-breaking spaces before ? ! : ; (no orphan « ? »)."""
        return re.sub(r" ([?!:;»])", "\u00a0\\1", self.message)

    @property
    def logo_label(self) -> str:
        return self.logo_text or (self.territory.short_name if self.territory_id else "")


class CalendarFeedTokenQuerySet(models.QuerySet["CalendarFeedToken"]):
    def active(self) -> CalendarFeedTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeedToken(models.Model):
    """The secret of an adviser's private calendar link. Only its hash is stored; the link
    is shown once, when created. Revoking it stops the link at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="conseiller",
        on_delete=models.CASCADE,
        related_name="calendar_feed_tokens",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("créé le", default=clock.now)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    last_used_at = models.DateTimeField("dernière lecture", null=True, blank=True)

    objects = CalendarFeedTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "lien d'agenda personnel"
        verbose_name_plural = "liens d'agenda personnel"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_user",
                violation_error_message="Un seul lien d'agenda actif par personne.",
            )
        ]

    def __str__(self) -> str:
        return f"Lien d'agenda de {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
