"""Schemas of ``GET /api/v1/activites``, the shape of La Coop de la médiation numérique's API v1.

Field names, nesting and value sets are La Coop's (``apps/web/src/app/api/v1/activites/
route.ts`` and its published ``v1.openapi.json``): a JSON:API list (``data``, ``links``,
``meta``), each resource ``{"type": "activite", "id": <uuid>, "attributes": {…}}``.
These schemas describe the answer in Cadran's own OpenAPI document; the route builds the
JSON itself (so that absent links are omitted, as La Coop does).
"""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema


class GenresOut(Schema):
    masculin: int
    feminin: int
    non_communique: int


class TranchesAgeOut(Schema):
    moins_de_douze: int
    douze_dix_huit: int
    dix_huit_vingt_quatre: int
    vingt_cinq_trente_neuf: int
    quarante_cinquante_neuf: int
    soixante_soixante_neuf: int
    soixante_dix_plus: int
    non_communique: int


class StatutsOut(Schema):
    scolarise: int
    sans_emploi: int
    en_emploi: int
    retraite: int
    non_communique: int


class BeneficiairesOut(Schema):
    total: int = Field(description="nombre total de bénéficiaires")
    genres: GenresOut
    tranches_age: TranchesAgeOut
    statuts: StatutsOut


class ActiviteAttributesOut(Schema):
    type: Literal["individuel", "demarche_administrative", "collectif"]
    mediateur_id: str = Field(description="identifiant (UUID) du conseiller numérique")
    user_id: str = Field(description="identifiant (UUID) du compte du conseiller")
    accompagnements: int
    date: str = Field(description="AAAA-MM-JJ")
    duree: int = Field(description="durée en minutes")
    type_lieu: Literal["lieu_activite", "domicile", "a_distance", "autre"]
    structure_id: str | None = Field(description="identifiant (UUID) du lieu d'activité")
    lieu_code_postal: str | None
    lieu_commune: str | None
    lieu_code_insee: str | None
    creation: str = Field(description="date-heure UTC, ex. 2026-11-27T09:00:00.000Z")
    modification: str = Field(description="date-heure UTC, ex. 2026-11-27T09:00:00.000Z")
    suppression: str | None = Field(description="toujours null : Cadran ne supprime pas")
    autonomie: str | None
    oriente_vers_structure: bool | None
    structure_de_redirection: str | None
    materiel: list[str]
    thematiques: list[str] = Field(
        description="thématiques, puis thématiques de démarches administratives"
    )
    tags: list[str] = Field(description="toujours vide : Cadran n'a pas d'étiquettes")
    precisions_demarche: str | None
    titre_atelier: str | None
    niveau_atelier: Literal["debutant", "intermediaire", "avance"] | None
    beneficiaires: BeneficiairesOut


class ActiviteOut(Schema):
    type: Literal["activite"]
    id: str = Field(description="identifiant (UUID) stable du compte rendu")
    attributes: ActiviteAttributesOut


class LinkOut(Schema):
    href: str


class LinksOut(Schema):
    self: LinkOut
    next: LinkOut | None = Field(None, description="absent sur la dernière page")
    prev: LinkOut | None = Field(None, description="absent sur la première page")


class ListMetaOut(Schema):
    total_count: int
    items_per_page: int
    total_pages: int
    has_next_page: bool
    has_prev_page: bool


class ActiviteListOut(Schema):
    data: list[ActiviteOut]
    links: LinksOut
    meta: ListMetaOut
