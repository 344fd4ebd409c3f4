"""The reports as tables, then as HTML context, CSV, XLSX, ODS, PDF and JSON.

Every format is written from the same :class:`Table` list, so they cannot disagree.
In what goes to a commune, a count of people between 1 and 2 is written « < 3 »
(statistical secrecy; 0 reveals nobody and stays 0). Counts of sessions and hours are
not people and are never masked.

Numbers are written one way for people and one way for machines: :func:`human` gives
« 153 h », « 153,5 h », « < 3 » (non-breaking spaces) to the PDF, the page and the charts;
XLSX and ODS hold real numbers with a number format (« 153 h » on screen); JSON and CSV
keep plain numbers (``153.0``) and the plain string ``"< 3"``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import tablib
from django.template.loader import render_to_string
from django.utils.text import slugify

from cadran.core import pdf
from cadran.core.clock import paris
from cadran.publicity.letterhead import letterhead_html

from .charts import MASKED, NBSP, bar_chart, grouped_bar_chart
from .selectors import (
    AppointmentCounts,
    AttendanceReport,
    ConfirmationEffectRow,
    Tally,
    TerritoryDashboard,
)

Cell = int | float | str
FORMATS = ("pdf", "ods", "xlsx", "csv")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
PRINT_CSS = Path(__file__).resolve().parent / "static" / "reporting" / "report-print.css"
SESSIONS_HELD = "Séances d'atelier tenues (planning des ateliers)"
COLLECTIVE_RECORDS = "Ateliers en compte rendu (comptes rendus collectifs)"
MASK_NOTE = "Pour protéger les personnes, un nombre de personnes égal à 1 ou 2 est écrit « < 3 »."


def people(value: int, masked: bool) -> int | str:
    """A count of people as it may be shown: « < 3 » for 1 or 2 when ``masked``."""
    return MASKED if masked and 0 < value < 3 else value


class Hours(float):
    """A number of hours: a plain number for JSON and CSV (``153.0``), « 153 h » or
    « 153,5 h » for people (:func:`human`), a number with the format ``0" h"`` in XLSX/ODS."""


def hours(minutes: int) -> Hours:
    return Hours(round(minutes / 60, 1))


def _decimal(value: float) -> str:
    """12.5 → « 12,5 », 12.0 → « 12 » (French decimal comma, no useless ,0)."""
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def human(cell: Any) -> str:
    """A cell as people read it (PDF, report page, chart labels): « 153 h », « 153,5 h »,
    « < 3 », « 12,5 », with non-breaking spaces so that nothing is cut between two lines."""
    if isinstance(cell, Hours):
        return f"{_decimal(cell)}{NBSP}h"
    if cell == MASKED:
        return MASKED.replace(" ", NBSP)
    if isinstance(cell, float):
        return _decimal(cell)
    return str(cell)


@dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    chart_column: int | None = 1  # which column the chart draws; None: no chart
    # Several columns drawn as grouped bars (``chart_column`` is then not used).
    chart_columns: list[int] | None = None
    unit: str = ""
    note: str = ""
    chart: str = field(default="", repr=False)
    chart_compact: bool = field(default=False, repr=False)

    def chart_values(self) -> list[float | None]:
        assert self.chart_column is not None
        values: list[float | None] = []
        for row in self.rows:
            cell = row[self.chart_column]
            values.append(None if cell == MASKED else cell)  # type: ignore[arg-type]
        return values

    def chart_texts(self) -> list[str]:
        assert self.chart_column is not None
        return [human(row[self.chart_column]) for row in self.rows]


@dataclass
class Document:
    """A report ready to be written: a title, facts about it, and its tables."""

    slug: str
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    tables: list[Table]
    masked: bool
    # Whose letterhead the PDF carries (cadran.publicity.letterhead).
    territory_id: int | None = None

    def with_charts(self, *, compact: bool = False) -> Document:
        """Draw the charts (``compact``: the narrower ones that sit beside their table in
        the PDF; the charts already drawn at the other size are drawn again)."""
        for table in self.tables:
            if table.chart_column is None or not table.rows:
                continue
            if table.chart and table.chart_compact == compact:
                continue
            table.chart_compact = compact
            if table.chart_columns:
                table.chart = grouped_bar_chart(
                    chart_id=f"graphique-{table.key}",
                    title=table.caption,
                    labels=[str(row[0]) for row in table.rows],
                    series=[
                        (
                            table.headers[c],
                            [None if row[c] == MASKED else row[c] for row in table.rows],  # type: ignore[misc]
                            [human(row[c]) for row in table.rows],
                        )
                        for c in table.chart_columns
                    ],
                    compact=compact,
                )
                continue
            table.chart = bar_chart(
                chart_id=f"graphique-{table.key}",
                title=f"{table.caption} ({table.headers[table.chart_column]})",
                labels=[str(row[0]) for row in table.rows],
                values=table.chart_values(),
                unit=table.unit,
                texts=table.chart_texts(),
                compact=compact,
            )
        return self


def _counts_table(
    key: str, caption: str, header: str, counts: list[Tally], masked: bool, note: str = ""
) -> Table:
    return Table(
        key=key,
        caption=caption,
        headers=[header, "Nombre"],
        rows=[[c.label, people(c.value, masked)] for c in counts],
        note=note,
    )


RATE_HEADER = "Taux d'absence (%)"
NO_RATE = "—"
NOSHOW_NOTE = (
    "Taux d'absence : rendez-vous « absent » parmi les rendez-vous dont la présence a été "
    "notée (« venu » ou « absent ») ; les annulations et les rendez-vous pas encore notés "
    "ne comptent pas. Lignes sans présence notée non montrées."
)


def _rate_cells(absent: int, recorded: int, rate: float | None, masked: bool) -> list[Cell]:
    """Présence notée, absences, taux. In what goes to a commune, the rate is « < 3 » when
    the absences or the people who came are 1 or 2: it would give them away."""
    came = recorded - absent
    hidden = masked and (0 < absent < 3 or 0 < came < 3)
    return [
        people(recorded, masked),
        people(absent, masked),
        MASKED if hidden else (rate if rate is not None else 0),
    ]


def _noshow_table(
    key: str,
    caption: str,
    header: str,
    rows: list[tuple[str, AppointmentCounts]],
    masked: bool,
    *,
    rate_only: bool = False,
) -> Table:
    """Présence notée, absences and rate per row; ``rate_only``: the rate alone (two
    columns, the chart beside the table in the PDF: the commune's report keeps its pages)."""
    cells = [
        [label, *_rate_cells(c.noshow, c.recorded, c.noshow_rate, masked)]
        for label, c in rows
        if c.recorded
    ]
    if rate_only:
        return Table(
            key=key,
            caption=caption,
            headers=[header, RATE_HEADER],
            rows=[[row[0], row[3]] for row in cells],
            chart_column=1,
            note=NOSHOW_NOTE,
        )
    return Table(
        key=key,
        caption=caption,
        headers=[header, "Présence notée", "Absences", RATE_HEADER],
        rows=cells,
        chart_column=3,
        note=NOSHOW_NOTE,
    )


def _confirmation_table(rows: list[ConfirmationEffectRow], masked: bool) -> list[Table]:
    """« Effet des confirmations » (issue 16): only when the selector gives rows."""
    if not rows:
        return []
    return [
        _noshow_table(
            "absences_confirmation",
            "Taux d'absence selon la réponse à la demande de confirmation",
            "Réponse",
            [(r.label, r.counts) for r in rows],
            masked,
        )
    ]


FROM_LACOOP = "dont saisis dans La Coop"
FROM_LACOOP_F = "dont saisies dans La Coop"


def _lacoop_table(act, masked: bool) -> Table:
    """Where the activity figures come from, when some were read from La Coop."""
    return Table(
        key="la_coop",
        caption="Activités saisies dans La Coop de la médiation numérique",
        headers=["Activités lues dans La Coop", "Nombre"],
        rows=[
            ["Accompagnements individuels comptés", act.lacoop_individual],
            ["Ateliers collectifs comptés", act.lacoop_collective],
            ["Personnes accompagnées comptées", people(act.lacoop_accompaniments, masked)],
            ["Déjà saisies dans Cadran (comptées une seule fois)", act.lacoop_duplicates],
            ["Sans conseiller reconnu (non comptées)", act.lacoop_unmatched],
        ],
        note="Comptées avec les comptes rendus de Cadran ci-dessus. Une activité saisie dans "
        "les deux outils (même conseiller, même jour, même type et, pour un accompagnement "
        "individuel, durée à 5 minutes près) n'est comptée qu'une fois.",
    )


def report_document(report: AttendanceReport, *, masked: bool) -> Document:
    """The attendance report of a commune as tables (``masked`` for what goes to it)."""
    a, s, act = report.appointments, report.sessions, report.activity
    p: Callable[[int], int | str] = lambda n: people(n, masked)  # noqa: E731
    usage = round(100 * a.used_minutes / report.offered_minutes) if report.offered_minutes else 0
    # La Coop's share, under the figures it is part of, only when the territory reads it.
    lacoop_people = [[FROM_LACOOP_F, p(act.lacoop_accompaniments)]] if act.has_lacoop else []
    lacoop_workshops = [[FROM_LACOOP, act.lacoop_collective]] if act.has_lacoop else []
    tables = [
        Table(
            key="chiffres_cles",
            caption="Chiffres clés",
            headers=["Indicateur", "Valeur"],
            rows=[
                # Each part right under the figure it is part of (first visits are
                # people of the records, not of the appointments): a part is never
                # shown « < 3 » beside a total of 0.
                ["Rendez-vous pris", p(a.booked)],
                ["Personnes reçues en rendez-vous (différentes)", p(report.people_helped)],
                ["Personnes accompagnées (comptes rendus)", p(act.accompaniments)],
                *lacoop_people,
                ["dont premières visites (comptes rendus)", p(act.first_visits)],
                ["Heures de permanence proposées", hours(report.offered_minutes)],
                ["Heures de permanence utilisées", hours(a.used_minutes)],
                ["Part des heures utilisées (%)", usage],
                [
                    RATE_HEADER.replace("Taux d'absence", "Taux d'absence aux rendez-vous"),
                    _rate_cells(a.noshow, a.recorded, a.noshow_rate, masked)[2]
                    if a.recorded
                    else NO_RATE,
                ],
                [SESSIONS_HELD, s.held],
                ["Participants aux séances tenues", p(s.participants)],
                [COLLECTIVE_RECORDS, act.collective],
                *lacoop_workshops,
            ],
            chart_column=None,
        ),
        *([_lacoop_table(act, masked)] if act.has_lacoop else []),
        Table(
            key="rendez_vous",
            caption="Rendez-vous de la période",
            headers=["Ce qu'est devenu le rendez-vous", "Nombre"],
            rows=[
                ["Honorés (la personne est venue)", p(a.seen)],
                ["Absences (la personne n'est pas venue)", p(a.noshow)],
                ["Annulés par la personne", p(a.excused)],
                ["Annulés par le service", p(a.revoked)],
                ["À venir", p(a.upcoming)],
            ],
        ),
        Table(
            key="mois",
            caption="Rendez-vous par mois",
            headers=["Mois", "Honorés", "Pris", "Absences", "Annulations", RATE_HEADER],
            chart_columns=[1, 2, 3, 4],
            rows=[
                [
                    m.label.capitalize(),
                    p(m.counts.seen),
                    p(m.counts.booked),
                    p(m.counts.noshow),
                    p(m.counts.cancelled),
                    _rate_cells(m.counts.noshow, m.counts.recorded, m.counts.noshow_rate, masked)[2]
                    if m.counts.recorded
                    else NO_RATE,
                ]
                for m in report.by_month
            ],
            note=NOSHOW_NOTE.replace(" Lignes sans présence notée non montrées.", "")
            + f" « {NO_RATE} » : aucune présence notée ce mois-là.",
        ),
        # One permanence: its rate is the commune's, already in the key figures.
        *(
            [
                _noshow_table(
                    "absences_permanences",
                    "Taux d'absence aux rendez-vous par permanence",
                    "Permanence",
                    [(r.label, r.counts) for r in report.by_permanence],
                    masked,
                    rate_only=True,
                )
            ]
            if sum(1 for r in report.by_permanence if r.counts.recorded) > 1
            else []
        ),
        *_confirmation_table(report.by_confirmation, masked),
        Table(
            key="heures",
            caption="Heures de permanence",
            headers=["Heures", "Nombre d'heures"],
            rows=[
                ["Proposées (jours fériés et fermetures retirés)", hours(report.offered_minutes)],
                ["Utilisées (durée des rendez-vous honorés)", hours(a.used_minutes)],
            ],
            unit="h",
        ),
        _counts_table(
            "motifs",
            "Motifs des rendez-vous (choisis à la prise de rendez-vous)",
            "Motif",
            report.by_topic,
            masked,
            note="Un rendez-vous peut avoir plusieurs motifs. Rendez-vous annulés non comptés.",
        ),
        _counts_table(
            "thematiques",
            "Thématiques des accompagnements (comptes rendus des conseillers)",
            "Thématique",
            act.by_thematique,
            masked,
            note="Un accompagnement peut avoir plusieurs thématiques.",
        ),
        _counts_table(
            "autonomie",
            "Nature de l'accompagnement : autonomie de la personne",
            "Autonomie",
            act.by_autonomy,
            masked,
            note="Accompagnements individuels.",
        ),
        _counts_table(
            "orientation",
            "Orientation vers une autre structure",
            "Orientation",
            act.by_orientation,
            masked,
        ),
        _counts_table(
            "redirection",
            "Structures vers lesquelles les personnes ont été orientées",
            "Structure",
            act.by_redirection,
            masked,
        ),
        Table(
            key="ateliers",
            caption="Ateliers collectifs (séances du planning des ateliers)",
            headers=["Séances", "Nombre"],
            rows=[
                ["Tenues", s.held],
                ["Annulées faute d'inscrits", s.cancelled_low_attendance],
                ["Annulées par le service", s.cancelled_by_service],
                ["Programmées, pas encore tenues", s.planned],
            ],
            note=f"{COLLECTIVE_RECORDS} : {act.collective}. Un compte rendu d'atelier peut "
            "exister sans séance au planning (atelier organisé hors de Cadran), et une séance "
            "tenue peut attendre son compte rendu : les deux nombres peuvent différer.",
        ),
        Table(
            key="participants",
            caption="Participants aux ateliers tenus",
            headers=["Participants", "Nombre"],
            rows=[
                ["Inscrits présents", p(s.present)],
                ["Venus sans inscription", p(s.anonymous)],
                ["Total", p(s.participants)],
            ],
        ),
    ]
    facts = [
        ("Territoire", report.territory_name),
        ("Commune", f"{report.commune_name} (code INSEE {report.commune_insee})"),
        ("Période", report.period.label),
        ("Établi le", f"{paris(report.generated_at):%d/%m/%Y à %H:%M}"),
    ]
    if masked:
        facts.append(("Secret statistique", MASK_NOTE))
    return Document(
        slug=f"frequentation-{slugify(report.commune_name)}-{report.period.start:%Y%m%d}-"
        f"{report.period.end:%Y%m%d}",
        title=f"État de la fréquentation — {report.commune_name}",
        subtitle=report.period.label,
        facts=facts,
        tables=tables,
        masked=masked,
        territory_id=report.territory_id,
    )


def dashboard_document(board: TerritoryDashboard) -> Document:
    """The territory dashboard as tables (for the Service Culture: never masked)."""
    rows: list[list[Cell]] = []
    for row in [*board.communes, board.total]:
        a = row.appointments
        rows.append(
            [
                row.name,
                a.seen,
                a.booked,
                a.noshow,
                a.cancelled,
                row.people_helped,
                row.first_visits,
                hours(row.offered_minutes),
                hours(a.used_minutes),
                row.sessions.held,
                row.sessions.participants,
            ]
        )
    communes = Table(
        key="communes",
        caption="Par commune",
        headers=[
            "Commune",
            "Rendez-vous honorés",
            "Rendez-vous pris",
            "Absences",
            "Annulations",
            "Personnes reçues",
            "Premières visites",
            "Heures proposées",
            "Heures utilisées",
            "Ateliers tenus",
            "Participants aux ateliers",
        ],
        rows=rows,
        note="La dernière ligne est le total du territoire ; une personne reçue dans deux "
        "communes y compte une fois.",
    )
    comparison = Table(
        key="comparaison",
        caption=f"Comparaison avec la période précédente ({board.previous_period.label})",
        headers=["Indicateur", "Période choisie", "Période précédente", "Écart"],
        rows=[
            [
                c.label,
                *(
                    Hours(n) if c.key.endswith("_hours") else n
                    for n in (c.current, c.previous, c.delta)
                ),
            ]
            for c in board.comparison
        ],
        chart_column=None,
    )
    advisers = Table(
        key="conseillers",
        caption="Par conseiller numérique",
        headers=[
            "Conseiller",
            "Rendez-vous honorés",
            "Absences",
            "Heures proposées",
            "Heures utilisées",
            "Comptes rendus",
            "Ateliers animés",
        ],
        rows=[
            [
                r.name,
                r.appointments.seen,
                r.appointments.noshow,
                hours(r.offered_minutes),
                hours(r.appointments.used_minutes),
                r.records,
                r.sessions_held,
            ]
            for r in board.advisers
        ],
    )
    formats = Table(
        key="formats",
        caption="Par format d'atelier",
        headers=["Format", "Séances tenues", "Séances annulées", "Participants"],
        rows=[
            [f.name, f.sessions.held, f.sessions.cancelled, f.sessions.participants]
            for f in board.formats
        ],
    )
    noshow_communes = _noshow_table(
        "absences_communes",
        "Taux d'absence aux rendez-vous par commune",
        "Commune",
        [(r.name, r.appointments) for r in [*board.communes, board.total]],
        False,
    )
    noshow_permanences = _noshow_table(
        "absences_permanences",
        "Taux d'absence aux rendez-vous par permanence",
        "Permanence",
        [(r.label, r.counts) for r in board.by_permanence],
        False,
    )
    noshow_months = _noshow_table(
        "absences_mois",
        "Taux d'absence aux rendez-vous par mois",
        "Mois",
        [(m.label.capitalize(), m.counts) for m in board.by_month],
        False,
    )
    noshow_formats = Table(
        key="absences_formats",
        caption="Taux d'absence aux ateliers par format",
        headers=["Format", "Présence notée", "Absences", RATE_HEADER],
        rows=[
            [
                f.name,
                *_rate_cells(f.sessions.absent, f.sessions.recorded, f.sessions.noshow_rate, False),
            ]
            for f in board.formats
            if f.sessions.recorded
        ],
        chart_column=3,
        note="Taux d'absence : inscrits notés « absent » à l'appel parmi les inscrits dont la "
        "présence a été notée, séances tenues (chaque séance d'un cycle compte). Formats sans "
        "appel non montrés.",
    )
    return Document(
        slug=f"tableau-de-bord-{board.period.start:%Y%m%d}-{board.period.end:%Y%m%d}",
        title=f"Tableau de bord — {board.territory_name}",
        subtitle=board.period.label,
        facts=[
            ("Territoire", board.territory_name),
            ("Période", board.period.label),
            ("Comparée à", board.previous_period.label),
            ("Établi le", f"{paris(board.generated_at):%d/%m/%Y à %H:%M}"),
        ],
        tables=[
            comparison,
            communes,
            advisers,
            formats,
            noshow_months,
            noshow_communes,
            noshow_permanences,
            noshow_formats,
            *_confirmation_table(board.by_confirmation, False),
        ],
        masked=False,
        territory_id=board.territory_id,
    )


# --- Files ---------------------------------------------------------------------------------


SHEET_NAME_MAX = 31  # Excel refuses longer sheet names (LibreOffice reads them cut)
COLUMN_MIN, COLUMN_MAX = 10, 60  # column widths, in characters


@dataclass
class Sheet:
    """One sheet of the XLSX/ODS files: a short unique name, the full title in its first
    row, the headers in the second, then the rows."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]

    def widths(self) -> list[int]:
        """Width of each column in characters: its longest cell (headers included, the
        title row apart: it runs over the empty cells beside it), bounded."""
        widths = []
        for i in range(len(self.headers)):
            longest = max(len(human(row[i])) for row in [self.headers, *self.rows])
            widths.append(min(max(longest + 2, COLUMN_MIN), COLUMN_MAX))
        return widths


def _sheet_title(text: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (≤ 31 characters, none of ``[]:*?/\\``), cut at a word
    and different from the names ``taken`` (then « … 2 », « … 3 »)."""
    cleaned = re.sub(r"\s+", " ", "".join(ch for ch in text if ch not in "[]:*?/\\")).strip()
    cleaned = cleaned.strip("'") or "Tableau"

    def cut(value: str, size: int) -> str:
        if len(value) <= size:
            return value
        head = value[: size - 1]
        if " " in head:
            head = head.rsplit(" ", 1)[0]
        return head.rstrip(" ,;-'") + "…"

    name, n = cut(cleaned, SHEET_NAME_MAX), 1
    while name.casefold() in {t.casefold() for t in taken}:
        n += 1
        suffix = f" {n}"
        name = cut(cleaned, SHEET_NAME_MAX - len(suffix)) + suffix
    taken.add(name)
    return name


def sheets(doc: Document) -> list[Sheet]:
    taken: set[str] = set()
    result = [
        Sheet(
            name=_sheet_title("Rapport", taken),
            title=f"{doc.title} — {doc.subtitle}",
            headers=["Information", "Valeur"],
            rows=[["Titre", doc.title], *[[label, value] for label, value in doc.facts]],
        )
    ]
    for table in doc.tables:
        short = table.caption.split(" (")[0].split(" :")[0]
        result.append(Sheet(_sheet_title(short, taken), table.caption, table.headers, table.rows))
    return result


def _hours_format(value: float) -> str:
    return '0" h"' if float(value).is_integer() else '0.0" h"'


def to_xlsx(doc: Document) -> bytes:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet in sheets(doc):
        ws = book.create_sheet(sheet.name)
        ws.append([sheet.title])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append(sheet.headers)
        for c in ws[2]:
            c.font = bold
        widths = sheet.widths()
        for row in sheet.rows:
            ws.append([float(c) if isinstance(c, Hours) else c for c in row])
            for i, (c, value) in enumerate(zip(ws[ws.max_row], row, strict=True)):
                if isinstance(value, Hours):
                    c.number_format = _hours_format(value)
                elif isinstance(value, str) and len(value) > widths[i]:
                    c.alignment = Alignment(wrap_text=True, vertical="top")
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CM_PER_CHARACTER = 0.21  # a character of the default 10 pt font, with some room


def to_ods(doc: Document) -> bytes:
    from odf import number, style
    from odf import table as odt
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.text import P

    ods = OpenDocumentSpreadsheet()
    auto = ods.automaticstyles

    def cell_style(name: str, *, bold: bool = False, size: str = "", data: str = "", wrap=False):
        attrs = {"name": name, "family": "table-cell"}
        if data:
            attrs["datastylename"] = data
        st = style.Style(**attrs)
        if wrap:
            st.addElement(style.TableCellProperties(wrapoption="wrap", verticalalign="top"))
        if bold or size:
            props = {"fontweight": "bold"} if bold else {}
            if size:
                props["fontsize"] = size
            st.addElement(style.TextProperties(**props))
        auto.addElement(st)
        return st

    for name, places in (("heures0", "0"), ("heures1", "1")):
        data = number.NumberStyle(name=name)
        data.addElement(number.Number(decimalplaces=places, minintegerdigits="1"))
        data.addElement(number.Text(text=" h"))
        auto.addElement(data)
    title_style = cell_style("titre", bold=True, size="12pt")
    header_style = cell_style("entete", bold=True)
    hour_styles = {"0": cell_style("h0", data="heures0"), "1": cell_style("h1", data="heures1")}
    wrap_style = cell_style("long", wrap=True)
    column_styles: dict[int, style.Style] = {}

    def column_style(width: int) -> style.Style:
        if width not in column_styles:
            st = style.Style(name=f"col{width}", family="table-column")
            st.addElement(
                style.TableColumnProperties(columnwidth=f"{width * CM_PER_CHARACTER:.2f}cm")
            )
            auto.addElement(st)
            column_styles[width] = st
        return column_styles[width]

    def text_cell(value: str, st=None) -> odt.TableCell:
        attrs = {"valuetype": "string"}
        if st is not None:
            attrs["stylename"] = st
        c = odt.TableCell(**attrs)
        c.addElement(P(text=value))
        return c

    for sheet in sheets(doc):
        widths = sheet.widths()
        t = odt.Table(name=sheet.name)
        for width in widths:
            t.addElement(odt.TableColumn(stylename=column_style(width)))
        tr = odt.TableRow()
        tr.addElement(text_cell(sheet.title, title_style))
        t.addElement(tr)
        tr = odt.TableRow()
        for header in sheet.headers:
            tr.addElement(text_cell(header, header_style))
        t.addElement(tr)
        for row in sheet.rows:
            tr = odt.TableRow()
            for i, value in enumerate(row):
                if isinstance(value, Hours):
                    places = "0" if float(value).is_integer() else "1"
                    c = odt.TableCell(
                        valuetype="float", value=float(value), stylename=hour_styles[places]
                    )
                    c.addElement(P(text=human(value).replace(NBSP, " ")))
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    c = odt.TableCell(valuetype="float", value=value)
                    c.addElement(P(text=human(value)))
                else:
                    text = str(value)
                    c = text_cell(text, wrap_style if len(text) > widths[i] else None)
                tr.addElement(c)
            t.addElement(tr)
        ods.spreadsheet.addElement(t)
    out = io.BytesIO()
    ods.write(out)
    return out.getvalue()


def to_csv(doc: Document) -> str:
    """One line per figure: table, row, column, value (the long shape every tool reads)."""
    data = tablib.Dataset(headers=["tableau", "ligne", "colonne", "valeur"])
    for label, value in doc.facts:
        data.append(["Rapport", label, "", value])
    for table in doc.tables:
        for row in table.rows:
            for header, cell in zip(table.headers[1:], row[1:], strict=True):
                data.append([table.caption, row[0], header, cell])
    return data.export("csv")


def to_pdf(doc: Document) -> bytes:
    wp = pdf.weasyprint()

    html = render_to_string(
        "reporting/report_pdf.html",
        {"doc": doc.with_charts(compact=True), "letterhead": letterhead_html(doc.territory_id)},
    )
    return wp.HTML(string=html).write_pdf(stylesheets=[wp.CSS(filename=str(PRINT_CSS))])


def render(doc: Document, fmt: str) -> bytes:
    if fmt == "pdf":
        return to_pdf(doc)
    if fmt == "csv":
        # A BOM so that spreadsheet programs read the accents right.
        return ("\ufeff" + to_csv(doc)).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(doc)
    if fmt == "ods":
        return to_ods(doc)
    raise ValueError(f"Format inconnu : {fmt}")


# --- JSON (API and command line) -------------------------------------------------------------


def _count_list(counts: list[Tally], masked: bool) -> list[dict[str, Any]]:
    return [{"code": c.key, "label": c.label, "count": people(c.value, masked)} for c in counts]


def report_json(report: AttendanceReport, *, masked: bool) -> dict[str, Any]:
    """The same figures as the report, as JSON values (``"< 3"`` where masked)."""
    a, s, act = report.appointments, report.sessions, report.activity
    p: Callable[[int], int | str] = lambda n: people(n, masked)  # noqa: E731
    return {
        "commune": {"insee": report.commune_insee, "name": report.commune_name},
        "period": {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()},
        "masked": masked,
        "appointments": {
            "booked": p(a.booked),
            "seen": p(a.seen),
            "noshow": p(a.noshow),
            "cancelled_by_person": p(a.excused),
            "cancelled_by_service": p(a.revoked),
            "cancelled": p(a.cancelled),
            "upcoming": p(a.upcoming),
        },
        "people_helped": p(report.people_helped),
        "first_visits": p(act.first_visits),
        "hours": {"offered": hours(report.offered_minutes), "used": hours(a.used_minutes)},
        "by_month": [
            {
                "month": f"{m.month:%Y-%m}",
                "booked": p(m.counts.booked),
                "seen": p(m.counts.seen),
                "noshow": p(m.counts.noshow),
                "cancelled": p(m.counts.cancelled),
            }
            for m in report.by_month
        ],
        "by_topic": _count_list(report.by_topic, masked),
        "activities": {
            "individual": p(act.individual),
            "collective": act.collective,
            "participants": p(act.participants),
            "anonymous": p(act.anonymous),
            "accompaniments": p(act.accompaniments),
            "by_thematique": _count_list(act.by_thematique, masked),
            "by_autonomy": _count_list(act.by_autonomy, masked),
            "by_orientation": _count_list(act.by_orientation, masked),
            "by_redirection": _count_list(act.by_redirection, masked),
            "from_lacoop": {
                "individual": act.lacoop_individual,
                "collective": act.lacoop_collective,
                "accompaniments": p(act.lacoop_accompaniments),
                "duplicates": act.lacoop_duplicates,
                "unmatched": act.lacoop_unmatched,
            },
        },
        "sessions": {
            "held": s.held,
            "cancelled_low_attendance": s.cancelled_low_attendance,
            "cancelled_by_service": s.cancelled_by_service,
            "planned": s.planned,
            "present": p(s.present),
            "anonymous": p(s.anonymous),
            "participants": p(s.participants),
        },
        "generated_at": report.generated_at.isoformat(),
    }


def dashboard_json(board: TerritoryDashboard) -> dict[str, Any]:
    doc = dashboard_document(board)
    return {
        "territory": board.territory_name,
        "period": {"from": board.period.start.isoformat(), "to": board.period.end.isoformat()},
        "previous_period": {
            "from": board.previous_period.start.isoformat(),
            "to": board.previous_period.end.isoformat(),
        },
        "tables": {
            t.key: [dict(zip(t.headers, row, strict=True)) for row in t.rows] for t in doc.tables
        },
        "generated_at": board.generated_at.isoformat(),
    }


def file_name(doc: Document, fmt: str) -> str:
    return f"{doc.slug}.{fmt}"
