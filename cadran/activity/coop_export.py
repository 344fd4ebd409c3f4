"""The activities spreadsheet: the same file as La Coop de la médiation numérique's own export.

:func:`build_xlsx` reproduces ``buildAccompagnementsWorksheet.ts`` of La Coop
(apps/web/src/features/activites/use-cases/list/export/, with the helpers it imports:
``addExportMetadata``, ``addFilters``, ``autosizeColumns`` and the CRA label files):

- one sheet « Activités »: the block « Informations export » (Nom, Prénom, Rôle, Total,
  Date d'export, Heure d'export), the block « Filtres », an empty row, then the table
  named « Activités », one row per person helped per activity;
- two variants, as La Coop's ``isSelfExport``: an adviser exports their own activities
  (columns « Bénéficiaire » and « Notes supplémentaires », no adviser columns); the
  coordination or the Service Culture exports several advisers' activities (columns
  « Prénom du médiateur », « Nom du médiateur », « Rôle », « ID - Conum », no
  « Bénéficiaire » nor « Notes supplémentaires »);
- La Coop's texts: « 1 » or « 2/5 » for the participants, « 2/3 » for the autonomy or the
  level, several values one per line, « 25/11/2026 à 10:00 » for the record's times, the
  activity's date as a real date shown « dd/mm/yyyy ».

Where Cadran lacks a datum La Coop writes, the cell holds what La Coop writes for an absent
value (docs/activite.md lists them): « Bénéficiaire anonyme » (names are never copied onto
records), an empty « Tags », « - » for the filters Cadran does not have. The column
« Source de la donnée » only exists in La Coop when the person has records of the old
« Espace coop (V1) »; no Cadran record comes from there, so the column is absent, as in
La Coop for such a person.

:func:`record_to_coop` is one record in the vocabulary of the Coop's public API (for
Cadran's own API). Both read the same rows (:func:`beneficiary_rows`), so their figures
agree.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from cadran.accounts.enums import Role
from cadran.core import clock
from cadran.territory.models import Commune

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
TABLE_NAME = "Activités"
# exceljs's default style for ``addTable`` (no stripes).
TABLE_STYLE = "TableStyleMedium2"
# La Coop's ``displayNameFromIdentity`` without first name nor last name.
ANONYMOUS_BENEFICIARY = "Bénéficiaire anonyme"
NO_FILTER = "-"
LINE_BREAK = "\n"  # La Coop's ``intraCellLineBreak``
DATE_FORMAT = "dd/mm/yyyy"
# Excel's width of a column, La Coop's ``autosizeColumns``: at least 10 characters.
MIN_WIDTH = 10
# html-to-text's default ``wordwrap`` (La Coop's ``htmlToText`` for the notes).
NOTES_WRAP = 80

# La Coop's ``activitesTableHeaders``, in order; ``None`` marks the adviser columns (only
# when several advisers are exported), « Bénéficiaire » and « Notes supplémentaires » are
# only in an adviser's own export. « Source de la donnée » (``hasCraV1``) is never there.
ADVISER_COLUMNS: tuple[str, ...] = ("Prénom du médiateur", "Nom du médiateur", "Rôle", "ID - Conum")
SELF_ONLY_COLUMNS = frozenset({"Bénéficiaire", "Notes supplémentaires"})
_ALL_COLUMNS: tuple[str | None, ...] = (
    "Date",
    "Enregistré le",
    "Dernière modification le",
    None,
    "Type",
    "Participants",
    "Bénéficiaire",
    "Canaux d’accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l’atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d’accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d’autonomie (ou de l’atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d’âge du bénéficiaire",
    "Statut du bénéficiaire",
    "Notes supplémentaires",
    "ID CRA",
)


def columns(*, self_export: bool) -> tuple[str, ...]:
    """The table's headers: an adviser's own export, or several advisers' export."""
    headers: list[str] = []
    for name in _ALL_COLUMNS:
        if name is None:
            if not self_export:
                headers.extend(ADVISER_COLUMNS)
        elif self_export or name not in SELF_ONLY_COLUMNS:
            headers.append(name)
    return tuple(headers)


SELF_EXPORT_COLUMNS = columns(self_export=True)
TEAM_EXPORT_COLUMNS = columns(self_export=False)

# La Coop's ``addFilters`` rows, in order (Cadran only filters by period).
FILTER_LABELS: tuple[str, ...] = (
    "Période",
    "Source",
    "Lieux d’accompagnement",
    "Communes",
    "Départements",
    "Type d’accompagnement",
    "Rôle",
    "Thématiques non administratives",
    "Thématiques administratives",
    "Tags",
)
# 1 title + 6 metadata + 1 empty, 1 title + 10 filters + 1 empty, 1 separator row.
HEADER_ROW = 1 + 6 + 1 + 1 + len(FILTER_LABELS) + 1 + 1 + 1  # the table's header row: 22

# La Coop's star counts (``autonomieStars``, ``niveauAtelierStars``), out of 3.
AUTONOMIE_STARS = {
    Autonomie.ENTIEREMENT_ACCOMPAGNE: 1,
    Autonomie.PARTIELLEMENT_AUTONOME: 2,
    Autonomie.AUTONOME: 3,
}
NIVEAU_STARS = {NiveauAtelier.DEBUTANT: 1, NiveauAtelier.INTERMEDIAIRE: 2, NiveauAtelier.AVANCE: 3}
ROLE_CONSEILLER = "Conseiller Numérique"
ROLE_MEDIATEUR = "Médiateur"


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


def _label(enum, value: str, absent: str = "") -> str:
    return str(enum(value).label) if value else absent


def _lines(enum, values: Iterable[str]) -> str:
    """Labels one per line, in the order of La Coop's label file (the form's order)."""
    order = {v: i for i, v in enumerate(enum.values)}
    return LINE_BREAK.join(str(enum(v).label) for v in sorted(values, key=order.__getitem__))


def _thematiques(record: ActivityRecord) -> str:
    """La Coop's single ``thematiques`` list (merged 2025-04): the thématiques, then the
    administrative ones, in the order of ``thematiqueLabels``."""
    ordinary = _lines(Thematique, [t.thematique for t in record.thematiques.all()])
    administrative = _lines(
        ThematiqueAdministrative, [d.thematique for d in record.demarches.all()]
    )
    return LINE_BREAK.join(part for part in (ordinary, administrative) if part)


def coop_datetime(value: dt.datetime) -> str:
    """La Coop's ``format(…, "dd/MM/yyyy 'à' HH:mm")``, Paris wall-clock time."""
    return f"{clock.paris(value):%d/%m/%Y à %H:%M}"


def _stars(record: ActivityRecord) -> str:
    """La Coop's « 2/3 »: the autonomy's stars, else the workshop level's, out of 3."""
    if record.autonomie:
        return f"{AUTONOMIE_STARS[record.autonomie]}/{len(AUTONOMIE_STARS)}"
    if record.level:
        return f"{NIVEAU_STARS[record.level]}/{len(NIVEAU_STARS)}"
    return ""


def _notes(text: str) -> str:
    """La Coop's ``htmlToText`` of the notes: spaces collapsed, lines wrapped at 80."""
    lines = []
    for line in text.splitlines():
        words = " ".join(line.split())
        lines.extend(
            textwrap.wrap(words, NOTES_WRAP, break_long_words=False, break_on_hyphens=False) or [""]
        )
    return LINE_BREAK.join(lines).strip(LINE_BREAK)


def _is_conseiller(user) -> bool:
    return user.role == Role.ADVISER


def user_role_label(user) -> str:
    """La Coop's ``getUserRoleLabel`` for a member of Cadran's staff."""
    if user.is_superuser:
        return "Administrateur"
    if user.role == Role.COORDINATOR:
        return "Coordinateur"
    if _is_conseiller(user):
        return ROLE_CONSEILLER
    return "Rôle non défini"  # the Service Culture: a role La Coop does not have


def export_rows(records: Iterable[ActivityRecord], *, self_export: bool) -> Iterator[list]:
    """The table's rows, one per person helped per activity (records prefetched with
    ``with_related()``), La Coop's cells in La Coop's order."""
    records = list(records)
    codes = {r.place_insee for r in records}
    codes |= {p.commune_insee for r in records for p in r.participants.all()}
    communes = communes_by_insee(codes)
    venue_communes = Commune.objects.in_bulk({r.venue.commune_id for r in records if r.venue})
    for record in records:
        profiles = beneficiary_rows(record)
        venue = record.venue
        # La Coop: the structure's commune, else the place's (domicile, other place, and
        # at a distance the employer's commune).
        place = venue_communes.get(venue.commune_id) if venue else communes.get(record.place_insee)
        adviser = record.adviser
        modified = (
            "" if record.updated_at == record.created_at else coop_datetime(record.updated_at)
        )
        head = [record.date, coop_datetime(record.created_at), modified]
        if not self_export:
            head += [
                adviser.first_name,
                adviser.last_name,
                ROLE_CONSEILLER if _is_conseiller(adviser) else ROLE_MEDIATEUR,
                # La Coop writes ``isConseillerNumerique`` (a boolean) under « ID - Conum ».
                _is_conseiller(adviser),
            ]
        head.append(_label(TypeActivite, record.kind))
        middle = [
            _label(TypeLieu, record.place_type),
            venue.name if venue else "",
            venue.address if venue else "",
            place.name if place else "",
            place.postcode if place else "",
            place.insee_code if place else record.place_insee,
            record.duration_minutes,
            record.title,
            _lines(Materiel, [m.materiel for m in record.materiels.all()]),
            _thematiques(record),
            "",  # Tags: Cadran has none
            record.precisions_demarche,
            _stars(record),
            {True: "Oui", False: "Non", None: ""}[record.oriented],
            _label(StructureRedirection, record.structure_redirection),
        ]
        total = len(profiles)
        for index, profile in enumerate(profiles):
            home = communes.get(profile.commune_insee)
            row = [*head, 1 if total == 1 else f"{index + 1}/{total}"]
            if self_export:
                row.append(ANONYMOUS_BENEFICIARY)
            row += [
                *middle,
                home.name if home else "",
                home.postcode if home else "",
                profile.commune_insee,
                _label(Genre, profile.genre, Genre.NON_COMMUNIQUE.label),
                _label(TrancheAge, profile.tranche_age, TrancheAge.NON_COMMUNIQUE.label),
                _label(StatutSocial, profile.statut_social, StatutSocial.NON_COMMUNIQUE.label),
            ]
            if self_export:
                row.append(_notes(record.notes) if record.notes and index == 0 else "")
            row.append(record.pk)
            yield row


def period_label(date_from: dt.date | None, date_to: dt.date | None) -> str:
    """La Coop's « Période » filter: « 01.11.2026 - 30.11.2026 », « - » without one.

    La Coop always has both ends; Cadran may have one, said in words."""
    if date_from and date_to:
        return f"{date_from:%d.%m.%Y} - {date_to:%d.%m.%Y}"
    if date_from:
        return f"à partir du {date_from:%d.%m.%Y}"
    if date_to:
        return f"jusqu’au {date_to:%d.%m.%Y}"
    return NO_FILTER


def _text(value) -> str:
    """exceljs's ``cell.text``, for the widths."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}T00:00:00.000Z"
    return str(value)


def build_xlsx(
    records: Iterable[ActivityRecord],
    *,
    user,
    self_export: bool,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> bytes:
    """The workbook, as bytes: La Coop's ``buildAccompagnementsWorksheet(…, isSelfExport)``.

    ``self_export``: an adviser's own activities (La Coop's ``isSelfExport``); otherwise
    several advisers' (the coordination, the Service Culture)."""
    headers = columns(self_export=self_export)
    rows = list(export_rows(records, self_export=self_export))
    now = clock.paris(clock.now())
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    bold = Font(bold=True)

    # addExportMetadata
    ws.append(["Informations export"])
    ws.cell(row=ws.max_row, column=1).font = bold
    ws.append(["Nom", user.last_name or NO_FILTER])
    ws.append(["Prénom", user.first_name or NO_FILTER])
    ws.append(["Rôle", user_role_label(user)])
    ws.append(["Total", len(rows)])
    ws.append(["Date d'export", f"{now:%d/%m/%Y}"])
    ws.append(["Heure d'export", f"{now:%H:%M}"])
    ws.append([])
    # addFilters (no « Médiateur » row: La Coop passes the user as the mediator)
    ws.append(["Filtres"])
    ws.cell(row=ws.max_row, column=1).font = bold
    values = {"Période": period_label(date_from, date_to)}
    for label in FILTER_LABELS:
        ws.append([label, values.get(label, NO_FILTER)])
    ws.append([])
    ws.append([])  # separatorRowBeforeTable
    ws.append(list(headers))  # row HEADER_ROW
    for row in rows:
        ws.append([None if value == "" else value for value in row])  # no empty strings
    last_row = ws.max_row if rows else HEADER_ROW + 1  # Excel wants a data row, even empty
    table = Table(
        displayName=TABLE_NAME,
        ref=f"A{HEADER_ROW}:{get_column_letter(len(headers))}{last_row}",
        tableStyleInfo=TableStyleInfo(
            name=TABLE_STYLE,
            showFirstColumn=False,
            showLastColumn=False,
            showRowStripes=False,
            showColumnStripes=False,
        ),
    )
    ws.add_table(table)
    for (cell,) in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=ws.max_row, max_col=1):
        if cell.value:
            cell.number_format = DATE_FORMAT
    # Every row wraps its text (line breaks show) and sits at the top; widths fit the text.
    wrap = Alignment(wrap_text=True, vertical="top")
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        if all(cell.value in (None, "") for cell in row):
            continue
        for cell in row:
            cell.alignment = wrap
            if cell.value not in (None, ""):
                longest = max(len(line) for line in _text(cell.value).split(LINE_BREAK))
                widths[cell.column] = max(widths.get(cell.column, MIN_WIDTH), longest)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


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
