"""The national activity record (CRA v2, La Coop de la médiation numérique).

Stored values are the Coop's API values and labels are the Coop's own labels
(the national reference of the activity record), so the export needs no translation table.
The thématiques are :class:`cadran.scheduling.enums.Thematique` and the workshop levels
:class:`cadran.workshops.enums.Level`: the same national vocabulary, defined once.
Each thématique also has a ``public_label`` in plain words (``THEMATIQUE_PUBLIC_LABELS``),
the only one inhabitants read; staff pages and the export keep the national label.
"""

from __future__ import annotations

from django.db import models

from cadran.scheduling.enums import THEMATIQUE_PUBLIC_LABELS, Thematique
from cadran.workshops.enums import Level

NiveauAtelier = Level

__all__ = [
    "DUREE_PRESETS",
    "Autonomie",
    "Genre",
    "Materiel",
    "NiveauAtelier",
    "StatutSocial",
    "StructureRedirection",
    "THEMATIQUE_PUBLIC_LABELS",
    "Thematique",
    "ThematiqueAdministrative",
    "TrancheAge",
    "TypeActivite",
    "TypeLieu",
    "tranche_age_for",
]


class TypeActivite(models.TextChoices):
    INDIVIDUEL = "individuel", "Accompagnement individuel"
    COLLECTIF = "collectif", "Atelier collectif"


class TypeLieu(models.TextChoices):
    LIEU_ACTIVITE = "lieu_activite", "Lieu d’activité"
    AUTRE = "autre", "Autre lieu"
    DOMICILE = "domicile", "À domicile"
    A_DISTANCE = "a_distance", "À distance"


class Materiel(models.TextChoices):
    ORDINATEUR = "ordinateur", "Ordinateur"
    TELEPHONE = "telephone", "Téléphone"
    TABLETTE = "tablette", "Tablette"
    AUTRE = "autre", "Autre"
    AUCUN = "aucun", "Pas de matériel"


class ThematiqueAdministrative(models.TextChoices):
    """Sub-thématiques shown when « Aide aux démarches administratives » is chosen."""

    PAPIERS_ELECTIONS_CITOYENNETE = (
        "papiers_elections_citoyennete",
        "Papiers - Élections - Citoyenneté",
    )
    FAMILLE_SCOLARITE = "famille_scolarite", "Famille - Scolarité"
    SOCIAL_SANTE = "social_sante", "Social - Santé"
    TRAVAIL_FORMATION = "travail_formation", "Travail - Formation - Entreprise"
    LOGEMENT = "logement", "Logement"
    TRANSPORTS_MOBILITE = "transports_mobilite", "Transports - Mobilité"
    ARGENT_IMPOTS = "argent_impots", "Argent - Impôts"
    JUSTICE = "justice", "Justice"
    ETRANGERS_EUROPE = "etrangers_europe", "Étrangers - Europe"
    LOISIRS_SPORTS_CULTURE = "loisirs_sports_culture", "Loisirs - Sports - Culture"
    ASSOCIATIONS = "associations", "Associations"


class Autonomie(models.TextChoices):
    ENTIEREMENT_ACCOMPAGNE = "entierement_accompagne", "Avec guidage"
    PARTIELLEMENT_AUTONOME = (
        "partiellement_autonome",
        "Autonome avec guidage en cas de besoin",
    )
    AUTONOME = "autonome", "Autonome"


class StructureRedirection(models.TextChoices):
    ADMINISTRATION = "administration", "Administration (mairie, préfecture…)"
    MEDIATION_NUMERIQUE = "mediation_numerique", "Autre structure de médiation numérique"
    OPERATEUR_OU_ORGANISME_EN_CHARGE = (
        "operateur_ou_organisme_en_charge",
        "Opérateur ou organisme en charge de la démarche administrative",
    )
    AIDE_SOCIALE = (
        "aide_sociale",
        "Structure d’aide sociale (maison des solidarités, centre social…)",
    )
    INSERTION_PROFESSIONNELLE = (
        "insertion_professionnelle",
        "Structure d’insertion professionnelle (France Travail, mission locale, "
        "chambre de commerce…)",
    )
    AIDE_AUX_DEMARCHES_ADMINISTRATIVES = (
        "aide_aux_demarches_administratives",
        "Structure d’aide aux démarches administratives (France Services…)",
    )
    AUTRE = "autre", "Autre"


class Genre(models.TextChoices):
    MASCULIN = "masculin", "Masculin"
    FEMININ = "feminin", "Féminin"
    NON_COMMUNIQUE = "non_communique", "Non communiqué"


class TrancheAge(models.TextChoices):
    """Derived from the birth year, never entered (see :func:`tranche_age_for`)."""

    SOIXANTE_DIX_PLUS = "soixante_dix_plus", "70 ans et plus"
    SOIXANTE_SOIXANTE_NEUF = "soixante_soixante_neuf", "60 - 69 ans"
    QUARANTE_CINQUANTE_NEUF = "quarante_cinquante_neuf", "40 - 59 ans"
    VINGT_CINQ_TRENTE_NEUF = "vingt_cinq_trente_neuf", "25 - 39 ans"
    DIX_HUIT_VINGT_QUATRE = "dix_huit_vingt_quatre", "18 - 24 ans"
    DOUZE_DIX_HUIT = "douze_dix_huit", "12 - 17 ans"
    MOINS_DE_DOUZE = "moins_de_douze", "Moins de 12 ans"
    NON_COMMUNIQUE = "non_communique", "Non communiqué"


class StatutSocial(models.TextChoices):
    RETRAITE = "retraite", "Retraité"
    SANS_EMPLOI = "sans_emploi", "Sans emploi"
    EN_EMPLOI = "en_emploi", "En emploi"
    SCOLARISE = "scolarise", "Scolarisé"
    NON_COMMUNIQUE = "non_communique", "Non communiqué ou hétérogène"


# The Coop's presets, in minutes; anything else is « personnaliser » (hours + minutes).
DUREE_PRESETS: tuple[int, ...] = (15, 30, 45, 60, 90, 120)
DUREE_CUSTOM = "personnaliser"
DUREE_MAX_MINUTES = 23 * 60 + 59
# A collective record's anonymous counts are capped like the Coop's (each ≤ 10 000).
ANONYMOUS_COUNT_MAX = 10_000

# Upper bounds (exclusive) of the age brackets, youngest first (the Coop's thresholds).
_TRANCHE_THRESHOLDS: tuple[tuple[int, TrancheAge], ...] = (
    (12, TrancheAge.MOINS_DE_DOUZE),
    (18, TrancheAge.DOUZE_DIX_HUIT),
    (25, TrancheAge.DIX_HUIT_VINGT_QUATRE),
    (40, TrancheAge.VINGT_CINQ_TRENTE_NEUF),
    (60, TrancheAge.QUARANTE_CINQUANTE_NEUF),
    (70, TrancheAge.SOIXANTE_SOIXANTE_NEUF),
)


def tranche_age_for(birth_year: int | None, year: int) -> TrancheAge:
    """The age bracket of someone born in ``birth_year``, in ``year`` (the activity's year).

    Only the year of birth is known, so the age is ``year - birth_year`` (as the Coop does).
    """
    if birth_year is None or birth_year > year:
        return TrancheAge.NON_COMMUNIQUE
    age = year - birth_year
    for bound, tranche in _TRANCHE_THRESHOLDS:
        if age < bound:
            return tranche
    return TrancheAge.SOIXANTE_DIX_PLUS


# Field name suffixes of the anonymous counts of a collective record, per dimension.
ANONYMOUS_GENRES: tuple[str, ...] = (Genre.FEMININ, Genre.MASCULIN, Genre.NON_COMMUNIQUE)
ANONYMOUS_TRANCHES: tuple[str, ...] = tuple(TrancheAge.values)
ANONYMOUS_STATUTS: tuple[str, ...] = tuple(StatutSocial.values)
