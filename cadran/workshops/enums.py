from django.db import models


class FormatKind(models.TextChoices):
    """Broad kinds of format. The formats themselves (names, durations, places, minimum,
    what they need on site) are rows of each territory (``WorkshopFormat``)."""

    EVENT = "event", "Événement ou animation"
    BEGINNER_COURSE = "beginner_course", "Cours collectif"
    PRINTER_3D = "printer_3d", "Séance imprimante 3D"
    OTHER = "other", "Autre format"

    @property
    def public_label(self) -> str:
        """What inhabitants read instead of the format's in-house name (docs/activite.md)."""
        return FORMAT_KIND_PUBLIC_LABELS[self]


# Plain words for the public pages; the format's own name (often the convention's words,
# « animation coup de poing ») stays on staff pages. ``OTHER`` shows the format's name.
FORMAT_KIND_PUBLIC_LABELS: dict[str, str] = {
    FormatKind.EVENT: "Animation ouverte à tous",
    FormatKind.BEGINNER_COURSE: "Atelier pour débuter",
    FormatKind.PRINTER_3D: "Découvrir l'imprimante 3D",
    FormatKind.OTHER: "Atelier",
}


def public_format_name(workshop_format) -> str:
    """The name inhabitants read for a ``WorkshopFormat``: the plain words of its kind, or
    its own name for a format of kind « autre » (the territory's words)."""
    if workshop_format.kind == FormatKind.OTHER and workshop_format.name:
        return workshop_format.name
    return FormatKind(workshop_format.kind).public_label


class Level(models.TextChoices):
    """Niveau d'atelier of the national activity record (CRA collectif), API values."""

    DEBUTANT = "debutant", "Débutant"
    INTERMEDIAIRE = "intermediaire", "Intermédiaire"
    AVANCE = "avance", "Avancé"


class TargetPublic(models.TextChoices):
    ALL = "tout_public", "Tout public"
    ADULTS = "adultes", "Adultes"
    SENIORS = "seniors", "Seniors"
    YOUTH = "jeunes", "Jeunes"
    FAMILIES = "familles", "Familles et enfants"
    JOB_SEEKERS = "demandeurs_emploi", "Personnes en recherche d'emploi"


class WorkshopStatus(models.TextChoices):
    """Where a workshop is. The steps of the review (« proposé » until the last step of the
    territory's circuit validates or refuses it) are the territory's ``ReviewStep`` rows
    (docs/decisions/0011-workshop-circuit.md): no instance is named here."""

    DRAFT = "draft", "Brouillon"
    PROPOSED = "proposed", "Proposé"
    APPROVED = "approved", "Validé"
    REFUSED = "refused", "Refusé"
    PUBLISHED = "published", "Proposé aux bibliothécaires"
    ARCHIVED = "archived", "Archivé"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "Demandée"
    UNDER_EXAMINATION = "under_examination", "En cours d'examen"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    WITHDRAWN = "withdrawn", "Retirée par la bibliothèque"


OPEN_REQUEST_STATUSES = (RequestStatus.REQUESTED, RequestStatus.UNDER_EXAMINATION)


class OffSitePlaceKind(models.TextChoices):
    MARKET = "market", "Marché"
    SOCIAL_CENTRE = "social_centre", "Centre social"
    COMPANY = "company", "Entreprise"
    PARTNER = "partner_institution", "Établissement partenaire"
    OTHER = "other", "Autre lieu"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Programmée"
    CONFIRMED = "confirmed", "Confirmée"
    CANCELLED_LOW_ATTENDANCE = "cancelled_low_attendance", "Annulée faute d'inscrits"
    CANCELLED_BY_SERVICE = "cancelled_by_service", "Annulée par le service"
    HELD = "held", "Tenue"


# Sessions that still take place (or took place): they hold advisers and venues.
LIVE_SESSION_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.CONFIRMED, SessionStatus.HELD)
CANCELLED_SESSION_STATUSES = (
    SessionStatus.CANCELLED_LOW_ATTENDANCE,
    SessionStatus.CANCELLED_BY_SERVICE,
)
# Sessions people may still register for (if they have not started).
OPEN_SESSION_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.CONFIRMED)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Inscrit"
    WAITING = "waiting", "Sur liste d'attente"
    CANCELLED = "cancelled", "Annulée"
    PRESENT = "present", "Présent"
    ABSENT = "absent", "Absent"


# Registrations that hold a place.
PLACE_HOLDING_STATUSES = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.PRESENT,
    RegistrationStatus.ABSENT,
)
# Registrations still alive (holding a place or waiting for one).
ACTIVE_REGISTRATION_STATUSES = (*PLACE_HOLDING_STATUSES, RegistrationStatus.WAITING)


class EligibilityBasis(models.TextChoices):
    RESIDENT = "resident", "Habite une commune du territoire"
    LIBRARY_MEMBER = "library_member", "Inscrit au réseau des médiathèques"
