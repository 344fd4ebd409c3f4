"""The activity export compatible with La Coop de la médiation numérique.

- :func:`build_xlsx`: a workbook with the sheet « Activités », one row per beneficiary per
  activity (a collective record gives one row per known participant and one row per
  anonymous participant), the Coop's columns in the Coop's order with the Coop's French
  headers, under a metadata header (who, when, how many) and a filters block.
- :func:`record_to_coop` : one record in the vocabulary of the Coop's public API
  (``type``, ``date``, ``duree``, ``type_lieu``, ``lieu_code_insee``, ``thematiques``…),
  with the profiles aggregated (``genres``, ``tranches_age``, ``statuts``).

Both read the same rows (:func:`beneficiary_rows`), so their figures agree. Names of
beneficiaries are never copied onto records, so the « Bénéficiaire » column says « Anonyme ».
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from cadran.core import clock

from .enums import (
    Autonomie,
    Genre,
    Materiel,
    NiveauAtelier,
    StatutSocial,
    StructureRedirection,
    Thematique,
    ThematiqueAdministrative,
    TrancheAge,
    TypeActivite,
    TypeLieu,
)
from .models import (
    ANONYMOUS_GENRE_FIELDS,
    ANONYMOUS_STATUT_FIELDS,
    ANONYMOUS_TRANCHE_FIELDS,
    ActivityRecord,
)
from .selectors import communes_by_insee

SHEET_TITLE = "Activités"
SOURCE = "Cadran"
ROLE_LABEL = "Conseiller numérique"
ANONYMOUS_BENEFICIARY = "Anonyme"

# The Coop's columns, in the Coop's order (activity-record.md, « The Coop's spreadsheet export »).
COLUMNS: tuple[str, ...] = (
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Prénom du médiateur",
    "Nom du médiateur",
    "Rôle",
    "ID - Conum",
    "Type",
    "Participants",
    "Bénéficiaire",
    "Canaux d'accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l'atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d'accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d'autonomie (ou de l'atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d'âge du bénéficiaire",
    "Statut du bénéficiaire",
    "Notes supplémentaires",
    "Source de la donnée",
    "ID CRA",
)
LIST_SEPARATOR = ", "


@dataclass(frozen=True)
class Profile:
    """One person helped, as the export shows them (known or anonymous)."""

    genre: str
    tranche_age: str
    statut_social: str
    commune_insee: str = ""
    first_visit: bool | None = None


def _expand(counts: dict[str, int], total: int, fallback: str) -> list[str]:
    """``total`` values: each key repeated its count, the rest ``fallback``."""
    values = [key for key, n in counts.items() for _ in range(n)][:total]
    return values + [fallback] * (total - len(values))


def beneficiary_rows(record: ActivityRecord) -> list[Profile]:
    """One profile per person helped: the known participants, then the anonymous ones."""
    profiles = [
        Profile(p.genre, p.tranche_age, p.statut_social, p.commune_insee, p.first_visit)
        for p in record.participants.all()
    ]
    total = record.anon_total
    if total:
        genres = _expand(
            {g: getattr(record, f) for g, f in ANONYMOUS_GENRE_FIELDS.items()},
            total,
            Genre.NON_COMMUNIQUE,
        )
        tranches = _expand(
            {t: getattr(record, f) for t, f in ANONYMOUS_TRANCHE_FIELDS.items()},
            total,
            TrancheAge.NON_COMMUNIQUE,
        )
        statuts = _expand(
            {s: getattr(record, f) for s, f in ANONYMOUS_STATUT_FIELDS.items()},
            total,
            StatutSocial.NON_COMMUNIQUE,
        )
        profiles.extend(Profile(g, t, s) for g, t, s in zip(genres, tranches, statuts, strict=True))
    return profiles


def _label(enum, value: str) -> str:
    return str(enum(value).label) if value else ""


def _labels(enum, values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(str(enum(v).label) for v in values)


def _local(value: dt.datetime) -> dt.datetime:
    """Excel has no time zones: Paris wall-clock time, naive."""
    return clock.paris(value).replace(tzinfo=None, microsecond=0)


def _demarche(record: ActivityRecord) -> str:
    names = [str(ThematiqueAdministrative(d.thematique).label) for d in record.demarches.all()]
    if record.precisions_demarche:
        names.append(record.precisions_demarche)
    return LIST_SEPARATOR.join(names)


def export_rows(records: Iterable[ActivityRecord]) -> Iterator[list]:
    """The table's rows, one per beneficiary per activity (records prefetched with
    ``with_related()``)."""
    records = list(records)
    codes = {r.place_insee for r in records}
    codes |= {p.commune_insee for r in records for p in r.participants.all()}
    communes = communes_by_insee(codes)
    for record in records:
        profiles = beneficiary_rows(record)
        place = communes.get(record.place_insee)
        venue = record.venue
        if record.kind == TypeActivite.COLLECTIF:
            level = _label(NiveauAtelier, record.level)
        else:
            level = _label(Autonomie, record.autonomie)
        oriented = {True: "Oui", False: "Non", None: ""}[record.oriented]
        common_before = [
            record.date,
            _local(record.created_at),
            _local(record.updated_at),
            record.adviser.first_name,
            record.adviser.last_name,
            ROLE_LABEL,
            "",
            _label(TypeActivite, record.kind),
            len(profiles),
        ]
        common_after = [
            _label(TypeLieu, record.place_type),
            venue.name if venue else "",
            venue.address if venue else "",
            place.name if place else "",
            place.postcode if place else "",
            record.place_insee,
            record.duration_minutes,
            record.title,
            _labels(Materiel, [m.materiel for m in record.materiels.all()]),
            _labels(Thematique, [t.thematique for t in record.thematiques.all()]),
            "",
            _demarche(record),
            level,
            oriented,
            _label(StructureRedirection, record.structure_redirection),
        ]
        for profile in profiles:
            home = communes.get(profile.commune_insee)
            yield [
                *common_before,
                ANONYMOUS_BENEFICIARY,
                *common_after,
                home.name if home else "",
                home.postcode if home else "",
                profile.commune_insee,
                _label(Genre, profile.genre),
                _label(TrancheAge, profile.tranche_age),
                _label(StatutSocial, profile.statut_social),
                record.notes,
                SOURCE,
                record.pk,
            ]


def build_xlsx(
    records: Iterable[ActivityRecord],
    *,
    user,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    scope_label: str = "",
) -> bytes:
    """The workbook, as bytes."""
    records = list(records)
    rows = list(export_rows(records))
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    bold = Font(bold=True)
    ws.append(["Export des activités"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["Utilisateur", f"{user.get_full_name()} ({user.email})"])
    ws.append(["Date d'export", _local(clock.now())])
    ws.append(["Nombre d'activités", len(records)])
    ws.append(["Nombre de lignes (bénéficiaires)", len(rows)])
    ws.append([])
    ws.append(["Filtres"])
    ws.cell(row=ws.max_row, column=1).font = bold
    ws.append(["Du", date_from or "—"])
    ws.append(["Au", date_to or "—"])
    ws.append(["Activités de", scope_label or "—"])
    ws.append([])
    ws.append(list(COLUMNS))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = bold
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "DD/MM/YYYY"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(COLUMNS))}{ws.max_row}"
    for index, title in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(title) + 2))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEADER_ROW = 12  # the row of the column titles in :func:`build_xlsx` (1-based)


def record_to_coop(record: ActivityRecord) -> dict:
    """One record in the vocabulary of the Coop's public API (``/api/v1/activites``)."""
    profiles = beneficiary_rows(record)
    venue = record.venue
    return {
        "id": record.pk,
        "type": record.kind,
        "mediateur_id": record.adviser_id,
        "date": record.date.isoformat(),
        "duree": record.duration_minutes,
        "type_lieu": record.place_type,
        "structure_id": venue.pk if venue else None,
        "structure_nom": venue.name if venue else None,
        "lieu_code_postal": record.commune.postcode if record.commune else None,
        "lieu_commune": record.commune.name if record.commune else None,
        "lieu_code_insee": record.place_insee or None,
        "autonomie": record.autonomie or None,
        "oriente_vers_structure": record.oriented,
        "structure_de_redirection": record.structure_redirection or None,
        "materiel": [m.materiel for m in record.materiels.all()],
        "thematiques": [t.thematique for t in record.thematiques.all()],
        "thematiques_demarche": [d.thematique for d in record.demarches.all()],
        "precisions_demarche": record.precisions_demarche or None,
        "titre_atelier": record.title or None,
        "niveau": record.level or None,
        "accompagnements": len(profiles),
        "premiers_accompagnements": sum(1 for p in profiles if p.first_visit),
        "deja_accompagne": record.anon_deja_accompagne,
        "genres": dict(Counter(p.genre for p in profiles)),
        "tranches_age": dict(Counter(p.tranche_age for p in profiles)),
        "statuts": dict(Counter(p.statut_social for p in profiles)),
        "creation": record.created_at.isoformat(),
        "modification": record.updated_at.isoformat(),
    }
