from django.db import models


class AgreementStatus(models.TextChoices):
    """Derived from the agreement's dates and rows (``rules.state_on``), never stored."""

    DRAFT = "draft", "En préparation"
    SIGNED = "signed", "Signée, pas encore commencée"
    IN_FORCE = "in_force", "En vigueur"
    NOTICE_GIVEN = "notice_given", "Résiliée, préavis en cours"
    ENDED = "ended", "Terminée par résiliation"
    EXPIRED = "expired", "Arrivée à son terme"


class Party(models.TextChoices):
    COMMUNE = "commune", "La commune"
    TERRITORY = "territory", "La communauté de communes"


class CouncilBody(models.TextChoices):
    MUNICIPAL = "municipal", "Conseil municipal"
    COMMUNITY = "community", "Conseil communautaire"


class DeliberationPurpose(models.TextChoices):
    """Where a deliberation is quoted in the convention."""

    COMMUNE_AUTHORISATION = "commune_authorisation", "Autorise le maire à signer"
    TERRITORY_AUTHORISATION = "territory_authorisation", "Autorise le président à signer"
    NETWORK_SERVICE = "network_service", "Crée le service (Contrat Territoire Lecture)"
    ADVISER_POSTS = "adviser_posts", "Crée ou reconduit les postes de conseillers"


class TransmissionRecipient(models.TextChoices):
    """Article 8: to whom the signed convention is sent."""

    STATE = "state", "Représentant de l'État dans le Département"
    BANQUE_DES_TERRITOIRES = "banque_des_territoires", "Banque des Territoires"
    TREASURERS = "treasurers", "Trésoriers des collectivités"
    SERVICES = "services", "Services compétents de chacune des parties"


class ObligationKind(models.TextChoices):
    """Article 4: what the commune commits to."""

    ACCESS = "access", "Faciliter l'entrée dans les lieux, pour le conseiller et les publics"
    VENUES = "venues", "Des lieux salubres, chauffés et connectés (wifi)"
    COMMUNICATION = (
        "communication",
        (
            "Une communication locale qui reprend celle de la communauté de communes (logos, "
            "messages, charte graphique) et une signalétique adaptée"
        ),
    )
    EQUIPMENT = (
        "equipment",
        (
            "Du matériel informatique (ordinateur, imprimante) et un vidéoprojecteur, dans la "
            "limite de ses moyens"
        ),
    )
    COLLECTIVE = (
        "collective",
        ("Des tables, des chaises et si possible un écran pour les interventions collectives"),
    )
    STORAGE_3D = (
        "storage_3d",
        ("Un espace de stockage sécurisé pendant tout le prêt d'une imprimante 3D"),
    )


class ObligationStatus(models.TextChoices):
    TO_CHECK = "to_check", "À vérifier"
    MET = "met", "Respecté"
    PARTLY = "partly", "Respecté en partie"
    NOT_MET = "not_met", "Non respecté"
    NOT_APPLICABLE = "not_applicable", "Sans objet"


class TemplateKind(models.TextChoices):
    AGREEMENT = "agreement", "Convention"
    AMENDMENT = "amendment", "Avenant"


class DocumentFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    ODT = "odt", "ODT (LibreOffice)"
