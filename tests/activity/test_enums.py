"""Our stored values and labels are the national ones (CRA v2, La Coop), as listed in
the national reference of the activity record (copied here so the test runs anywhere)."""

from __future__ import annotations

import pytest

from cadran.activity import enums

NATIONAL = {
    enums.TypeActivite: [
        ("individuel", "Accompagnement individuel"),
        ("collectif", "Atelier collectif"),
    ],
    enums.TypeLieu: [
        ("lieu_activite", "Lieu d’activité"),
        ("autre", "Autre lieu"),
        ("domicile", "À domicile"),
        ("a_distance", "À distance"),
    ],
    enums.Materiel: [
        ("ordinateur", "Ordinateur"),
        ("telephone", "Téléphone"),
        ("tablette", "Tablette"),
        ("autre", "Autre"),
        ("aucun", "Pas de matériel"),
    ],
    enums.Thematique: [
        ("diagnostic_numerique", "Diagnostic numérique"),
        ("prendre_en_main_du_materiel", "Prendre en main du matériel"),
        ("maintenance_de_materiel", "Maintenance de matériel"),
        ("gere_ses_contenus_numeriques", "Gérer ses contenus numériques"),
        ("navigation_sur_internet", "Navigation sur internet"),
        ("email", "E-mail"),
        ("bureautique", "Bureautique"),
        ("reseaux_sociaux", "Réseaux sociaux communication"),
        ("sante", "Santé"),
        ("banque_et_achats_en_ligne", "Banque et achats en ligne"),
        ("entrepreneuriat", "Accompagner un professionnel"),
        ("insertion_professionnelle", "Insertion professionnelle"),
        ("securite_numerique", "Prévention en sécurité numérique"),
        ("parentalite", "Parentalité"),
        ("scolarite_et_numerique", "Scolarité et numérique"),
        ("creer_avec_le_numerique", "Créer avec le numérique"),
        ("culture_numerique", "Culture numérique"),
        ("intelligence_artificielle", "Intelligence artificielle (IA)"),
        ("aide_aux_demarches_administratives", "Aide aux démarches administratives"),
    ],
    enums.ThematiqueAdministrative: [
        ("papiers_elections_citoyennete", "Papiers - Élections - Citoyenneté"),
        ("famille_scolarite", "Famille - Scolarité"),
        ("social_sante", "Social - Santé"),
        ("travail_formation", "Travail - Formation - Entreprise"),
        ("logement", "Logement"),
        ("transports_mobilite", "Transports - Mobilité"),
        ("argent_impots", "Argent - Impôts"),
        ("justice", "Justice"),
        ("etrangers_europe", "Étrangers - Europe"),
        ("loisirs_sports_culture", "Loisirs - Sports - Culture"),
        ("associations", "Associations"),
    ],
    enums.Autonomie: [
        ("entierement_accompagne", "Avec guidage"),
        ("partiellement_autonome", "Autonome avec guidage en cas de besoin"),
        ("autonome", "Autonome"),
    ],
    enums.StructureRedirection: [
        ("administration", "Administration (mairie, préfecture…)"),
        ("mediation_numerique", "Autre structure de médiation numérique"),
        (
            "operateur_ou_organisme_en_charge",
            "Opérateur ou organisme en charge de la démarche administrative",
        ),
        ("aide_sociale", "Structure d’aide sociale (maison des solidarités, centre social…)"),
        (
            "insertion_professionnelle",
            "Structure d’insertion professionnelle (France Travail, mission locale, "
            "chambre de commerce…)",
        ),
        (
            "aide_aux_demarches_administratives",
            "Structure d’aide aux démarches administratives (France Services…)",
        ),
        ("autre", "Autre"),
    ],
    enums.NiveauAtelier: [
        ("debutant", "Débutant"),
        ("intermediaire", "Intermédiaire"),
        ("avance", "Avancé"),
    ],
    enums.Genre: [
        ("masculin", "Masculin"),
        ("feminin", "Féminin"),
        ("non_communique", "Non communiqué"),
    ],
    enums.TrancheAge: [
        ("soixante_dix_plus", "70 ans et plus"),
        ("soixante_soixante_neuf", "60 - 69 ans"),
        ("quarante_cinquante_neuf", "40 - 59 ans"),
        ("vingt_cinq_trente_neuf", "25 - 39 ans"),
        ("dix_huit_vingt_quatre", "18 - 24 ans"),
        ("douze_dix_huit", "12 - 17 ans"),
        ("moins_de_douze", "Moins de 12 ans"),
        ("non_communique", "Non communiqué"),
    ],
    enums.StatutSocial: [
        ("retraite", "Retraité"),
        ("sans_emploi", "Sans emploi"),
        ("en_emploi", "En emploi"),
        ("scolarise", "Scolarisé"),
        ("non_communique", "Non communiqué ou hétérogène"),
    ],
}


@pytest.mark.parametrize("enum", list(NATIONAL), ids=lambda e: e.__name__)
def test_values_and_labels_are_the_national_ones(enum):
    assert [(c.value, str(c.label)) for c in enum] == NATIONAL[enum]


def test_duration_presets_are_the_coops():
    assert enums.DUREE_PRESETS == (15, 30, 45, 60, 90, 120)
