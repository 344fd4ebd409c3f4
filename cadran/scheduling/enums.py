from django.db import models


class Weekday(models.IntegerChoices):
    MONDAY = 0, "lundi"
    TUESDAY = 1, "mardi"
    WEDNESDAY = 2, "mercredi"
    THURSDAY = 3, "jeudi"
    FRIDAY = 4, "vendredi"
    SATURDAY = 5, "samedi"
    SUNDAY = 6, "dimanche"


class Frequency(models.TextChoices):
    """How often a permanence comes back (see :mod:`cadran.scheduling.recurrence`)."""

    WEEKLY = "weekly", "Toutes les semaines"
    FORTNIGHTLY = "fortnightly", "Une semaine sur deux"
    MONTHLY = "monthly", "Une fois par mois"


class WeekOfMonth(models.IntegerChoices):
    """Which weekday of the month a monthly permanence falls on."""

    FIRST = 1, "Le premier du mois"
    SECOND = 2, "Le deuxième du mois"
    THIRD = 3, "Le troisième du mois"
    FOURTH = 4, "Le quatrième du mois"
    LAST = -1, "Le dernier du mois"


class Channel(models.TextChoices):
    PHONE = "phone", "Par téléphone"
    WALK_IN = "walk_in", "Sur place"
    ONLINE = "online", "En ligne"
    REFERRAL = "referral", "Orienté par un partenaire"


class AppointmentStatus(models.TextChoices):
    """The national RDV attendance vocabulary (RDV Service Public / La Coop).

    ``unknown`` is an appointment still to come: shown as "Réservé".
    """

    BOOKED = "unknown", "Réservé"
    SEEN = "seen", "Venu"
    EXCUSED = "excused", "Annulé par la personne"
    REVOKED = "revoked", "Annulé par le service"
    NOSHOW = "noshow", "Absent"


# Statuses that hold their slot: the slot is free again only when the appointment is cancelled.
ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.SEEN, AppointmentStatus.NOSHOW)
CANCELLED_STATUSES = (AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED)


class ConfirmationAnswer(models.TextChoices):
    """The answer to « Vous venez toujours ? », asked a few days before an appointment or a
    workshop (docs/decisions/0013-confirm-or-release.md). No answer is stored as ""."""

    YES = "yes", "Vient"
    NO = "no", "Ne vient pas"


# What the staff pages show for a confirmation (``confirmation_label``).
CONFIRMATION_NOT_ASKED = "—"
CONFIRMATION_NO_ANSWER = "Sans réponse"


def confirmation_label(asked_at, answer: str) -> str:
    """« Vient », « Ne vient pas », « Sans réponse » (asked, no answer) or « — » (not asked)."""
    if answer:
        return ConfirmationAnswer(answer).label
    return CONFIRMATION_NO_ANSWER if asked_at else CONFIRMATION_NOT_ASKED


class Thematique(models.TextChoices):
    """Thématiques of the national activity record (CRA v2, La Coop), API values."""

    DIAGNOSTIC_NUMERIQUE = "diagnostic_numerique", "Diagnostic numérique"
    PRENDRE_EN_MAIN_DU_MATERIEL = "prendre_en_main_du_materiel", "Prendre en main du matériel"
    MAINTENANCE_DE_MATERIEL = "maintenance_de_materiel", "Maintenance de matériel"
    GERE_SES_CONTENUS_NUMERIQUES = "gere_ses_contenus_numeriques", "Gérer ses contenus numériques"
    NAVIGATION_SUR_INTERNET = "navigation_sur_internet", "Navigation sur internet"
    EMAIL = "email", "E-mail"
    BUREAUTIQUE = "bureautique", "Bureautique"
    RESEAUX_SOCIAUX = "reseaux_sociaux", "Réseaux sociaux communication"
    SANTE = "sante", "Santé"
    BANQUE_ET_ACHATS_EN_LIGNE = "banque_et_achats_en_ligne", "Banque et achats en ligne"
    ENTREPRENEURIAT = "entrepreneuriat", "Accompagner un professionnel"
    INSERTION_PROFESSIONNELLE = "insertion_professionnelle", "Insertion professionnelle"
    SECURITE_NUMERIQUE = "securite_numerique", "Prévention en sécurité numérique"
    PARENTALITE = "parentalite", "Parentalité"
    SCOLARITE_ET_NUMERIQUE = "scolarite_et_numerique", "Scolarité et numérique"
    CREER_AVEC_LE_NUMERIQUE = "creer_avec_le_numerique", "Créer avec le numérique"
    CULTURE_NUMERIQUE = "culture_numerique", "Culture numérique"
    INTELLIGENCE_ARTIFICIELLE = "intelligence_artificielle", "Intelligence artificielle (IA)"
    AIDE_AUX_DEMARCHES_ADMINISTRATIVES = (
        "aide_aux_demarches_administratives",
        "Aide aux démarches administratives",
    )

    @property
    def public_label(self) -> str:
        """The words inhabitants read (public pages, e-mails, SMS): the label stays the
        national one, for staff pages and the export (docs/activite.md)."""
        return THEMATIQUE_PUBLIC_LABELS[self]


# Plain words for each thématique, as inhabitants say it; the code and label stay national.
THEMATIQUE_PUBLIC_LABELS: dict[str, str] = {
    Thematique.DIAGNOSTIC_NUMERIQUE: "Faire le point sur ce que je sais faire",
    Thematique.PRENDRE_EN_MAIN_DU_MATERIEL: "Utiliser mon téléphone, ma tablette ou mon ordinateur",
    Thematique.MAINTENANCE_DE_MATERIEL: "Entretenir ou réparer mon appareil",
    Thematique.GERE_SES_CONTENUS_NUMERIQUES: "Ranger et partager mes photos et mes documents",
    Thematique.NAVIGATION_SUR_INTERNET: "Chercher sur internet",
    Thematique.EMAIL: "Mes e-mails",
    Thematique.BUREAUTIQUE: "Écrire une lettre, faire un tableau",
    Thematique.RESEAUX_SOCIAUX: "Les réseaux sociaux, les appels en vidéo",
    Thematique.SANTE: "Ma santé en ligne (Ameli, Doctolib…)",
    Thematique.BANQUE_ET_ACHATS_EN_LIGNE: "Ma banque, mes achats en ligne",
    Thematique.ENTREPRENEURIAT: "Le numérique pour mon entreprise ou mon association",
    Thematique.INSERTION_PROFESSIONNELLE: "Chercher un emploi ou une formation",
    Thematique.SECURITE_NUMERIQUE: "Me protéger des arnaques, protéger mes données",
    Thematique.PARENTALITE: "Mon enfant et les écrans",
    Thematique.SCOLARITE_ET_NUMERIQUE: "Suivre la scolarité de mon enfant (ENT, Pronote)",
    Thematique.CREER_AVEC_LE_NUMERIQUE: "Créer avec le numérique (photo, vidéo, 3D…)",
    Thematique.CULTURE_NUMERIQUE: "Comprendre le numérique, vérifier une information",
    Thematique.INTELLIGENCE_ARTIFICIELLE: "L'intelligence artificielle (IA)",
    Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES: "Mes démarches en ligne (CAF, impôts, ANTS…)",
}

# The reasons an inhabitant may tick when booking, grouped under a plain legend, in the
# order of the form; the others (diagnostic, bureautique…) are chosen by the adviser.
PUBLIC_THEMATIQUE_GROUPS: tuple[tuple[str, tuple[Thematique, ...]], ...] = (
    (
        "Démarches",
        (
            Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES,
            Thematique.SANTE,
            Thematique.BANQUE_ET_ACHATS_EN_LIGNE,
            Thematique.INSERTION_PROFESSIONNELLE,
            Thematique.SCOLARITE_ET_NUMERIQUE,
        ),
    ),
    (
        "Utiliser un appareil",
        (
            Thematique.PRENDRE_EN_MAIN_DU_MATERIEL,
            Thematique.NAVIGATION_SUR_INTERNET,
            Thematique.GERE_SES_CONTENUS_NUMERIQUES,
            Thematique.SECURITE_NUMERIQUE,
        ),
    ),
    ("Communiquer", (Thematique.EMAIL, Thematique.RESEAUX_SOCIAUX)),
    ("Autre", (Thematique.CULTURE_NUMERIQUE,)),
)
