"""The processing register (registre des activités de traitement, RGPD art. 30), written
from the settings and the territory's retention policy, so that it says what the
installation really does."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .models import RetentionPolicy

LEGAL_BASIS = (
    "Mission d'intérêt public (RGPD, article 6, paragraphe 1, point e) : l'inclusion "
    "numérique et la lecture publique, compétences de la communauté de communes, "
    "précisées par la convention de partenariat avec chaque commune."
)


@dataclass
class Processing:
    title: str
    rows: list[tuple[str, str]]


def _backend_label(path: str) -> str:
    if "console" in path.lower() or "locmem" in path.lower():
        return "aucun (démonstration : les messages sont affichés, pas envoyés)"
    return path.rsplit(".", 1)[-1]


def _security() -> str:
    parts = [
        "accès nominatif par rôle (chaque compte voit son territoire ou sa commune)",
        "mots de passe Argon2, verrouillage après plusieurs échecs",
        "double authentification "
        + ("exigée" if settings.CADRAN_REQUIRE_2FA else "désactivée (démonstration)")
        + " pour les rôles qui voient des données personnelles",
        f"déconnexion après {settings.CADRAN_STAFF_IDLE_MINUTES} minutes sans activité",
        "journal des accès et des actions, non modifiable depuis l'application",
        "HTTPS obligatoire (HSTS)" if settings.PRODUCTION else "HTTPS à activer en production",
        "liens privés par secret tiré au hasard, désactivés à l'effacement",
    ]
    return " ; ".join(parts) + "."


def processing_register(policy: RetentionPolicy) -> list[Processing]:
    territory = policy.territory
    controller = territory.name + (f" ({territory.service_name})" if territory.service_name else "")
    contact = " — ".join(v for v in (territory.contact_email, territory.contact_phone) if v)
    email = _backend_label(settings.EMAIL_BACKEND)
    if email == "SmtpEmailBackend" or email == "EmailBackend":
        email = f"serveur d'e-mail {settings.EMAIL_HOST}"
    sms = _backend_label(settings.SMS_BACKEND)
    common = [
        ("Responsable du traitement", controller),
        ("Contact pour exercer ses droits", contact or "à compléter"),
        ("Base légale", LEGAL_BASIS),
        ("Sécurité", _security()),
        ("Transferts hors de l'Union européenne", "aucun"),
    ]
    b, r, a = policy.beneficiary_months, policy.registration_months, policy.audit_log_months
    return [
        Processing(
            "Rendez-vous individuels avec un conseiller numérique",
            [
                (
                    "Finalité",
                    "Organiser les rendez-vous, prévenir la personne d'un changement, suivre "
                    "l'aide apportée ; compter les rendez-vous pour les rapports (sans nom).",
                ),
                ("Personnes concernées", "Les habitants qui prennent rendez-vous."),
                (
                    "Données",
                    "Nom, prénom, téléphone ou e-mail (facultatifs : « sans téléphone »), "
                    "commune de résidence (code INSEE), année de naissance (facultative), "
                    "raisons du rendez-vous, date, lieu, état du rendez-vous.",
                ),
                (
                    "Qui les voit",
                    "Les conseillers numériques, la coordination et le Service Culture. Les "
                    "communes voient seulement des chiffres.",
                ),
                (
                    "Durée de conservation",
                    f"{b} mois après le dernier rendez-vous ; ensuite nom, coordonnées, "
                    "année de naissance et notes sont effacés. Les rendez-vous restent, "
                    "sans nom, pour les statistiques.",
                ),
                *common,
            ],
        ),
        Processing(
            "Inscriptions aux ateliers collectifs",
            [
                (
                    "Finalité",
                    "Organiser l'atelier, vérifier le droit à l'atelier gratuit, prévenir "
                    "d'un changement ou d'une place libérée ; compter les participants.",
                ),
                ("Personnes concernées", "Les habitants et usagers des médiathèques inscrits."),
                (
                    "Données",
                    "Nom, prénom, téléphone ou e-mail, commune de résidence ou numéro de "
                    "carte de médiathèque, présence.",
                ),
                (
                    "Qui les voit",
                    "Les conseillers numériques, la coordination et le Service Culture. La "
                    "médiathèque voit le nombre d'inscrits.",
                ),
                (
                    "Durée de conservation",
                    f"{r} mois après l'atelier (la dernière séance d'un cycle) ; ensuite "
                    "nom, coordonnées et numéro de carte sont effacés. La présence reste "
                    "comptée, sans nom.",
                ),
                *common,
            ],
        ),
        Processing(
            "Comptes rendus d'activité (statistiques nationales)",
            [
                (
                    "Finalité",
                    "Rendre compte de l'activité des conseillers numériques (format de "
                    "La Coop de la médiation numérique) et aux communes.",
                ),
                ("Personnes concernées", "Les personnes accompagnées, sans leur nom."),
                (
                    "Données",
                    "Date, durée, lieu, thématiques, autonomie, orientation ; pour chaque "
                    "personne un profil sans nom (genre, tranche d'âge, statut, commune). "
                    "Notes libres, sans information sensible, effacées avec la personne.",
                ),
                ("Qui les voit", "Le conseiller, la coordination et le Service Culture."),
                (
                    "Durée de conservation",
                    "Sans limite pour les chiffres, qui ne contiennent aucun nom ; l'année "
                    "de naissance et les notes sont effacées avec la personne.",
                ),
                *common,
            ],
        ),
        Processing(
            "Messages aux habitants (e-mails et SMS)",
            [
                ("Finalité", "Confirmer, rappeler, prévenir d'un changement ou d'une annulation."),
                ("Données", "Adresse e-mail ou numéro de téléphone, texte du message, état."),
                (
                    "Sous-traitants",
                    f"E-mail : {email}. SMS : {sms}.",
                ),
                (
                    "Durée de conservation",
                    "Destinataire et texte effacés avec la personne (rendez-vous : "
                    f"{b} mois ; ateliers : {r} mois). La ligne reste, vide, pour compter "
                    "les envois.",
                ),
                *common,
            ],
        ),
        Processing(
            "Comptes du personnel et journal des actions",
            [
                ("Finalité", "Donner accès aux agents selon leur rôle ; tracer les accès."),
                (
                    "Personnes concernées",
                    "Les agents de la communauté de communes et des communes.",
                ),
                ("Données", "Nom, e-mail professionnel, rôle, journal des actions."),
                (
                    "Durée de conservation",
                    f"Journal des accès aux personnes : {a} mois. Comptes : tant que "
                    "l'agent en a besoin.",
                ),
                *common,
            ],
        ),
        Processing(
            "Prêts de matériel (imprimante 3D)",
            [
                (
                    "Données",
                    "Aucune donnée d'habitant : l'emprunteur est une commune ou une "
                    "médiathèque, les noms sont ceux des agents.",
                ),
            ],
        ),
    ]
