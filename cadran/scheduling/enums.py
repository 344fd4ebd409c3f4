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


# Plain-language hints shown to inhabitants under each reason; the convention's own words
# (article 2) mapped to the national thématiques.
THEMATIQUE_HINTS: dict[str, str] = {
    Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES: (
        "Faire une démarche en ligne : impôts, CAF, retraite, carte grise, papiers"
    ),
    Thematique.PRENDRE_EN_MAIN_DU_MATERIEL: "Utiliser un ordinateur, une tablette, un téléphone",
    Thematique.EMAIL: "Envoyer et lire ses e-mails",
    Thematique.RESEAUX_SOCIAUX: "Échanger avec ses proches, réseaux sociaux, visio",
    Thematique.SANTE: "Consulter un médecin à distance, Ameli, Mon espace santé",
    Thematique.SCOLARITE_ET_NUMERIQUE: "Suivre la scolarité de son enfant (ENT, Pronote)",
    Thematique.BANQUE_ET_ACHATS_EN_LIGNE: "Acheter en ligne, banque en ligne",
    Thematique.INSERTION_PROFESSIONNELLE: "Chercher un emploi, travailler à distance",
    Thematique.SECURITE_NUMERIQUE: "Protéger ses données, éviter les arnaques",
    Thematique.CULTURE_NUMERIQUE: "Vérifier une information, comprendre le numérique",
    Thematique.NAVIGATION_SUR_INTERNET: "Chercher sur internet",
    Thematique.GERE_SES_CONTENUS_NUMERIQUES: "Ranger et partager ses photos et documents",
}
