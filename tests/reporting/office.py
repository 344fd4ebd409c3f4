"""Read the report files back as office tools do: openpyxl (XLSX), odfpy (ODS), pypdf (PDF)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from odf import opendocument
from odf.namespaces import STYLENS, TABLENS
from odf.style import Style
from odf.table import Table, TableCell, TableColumn, TableRow
from pypdf import PdfReader


@dataclass
class OdsSheet:
    name: str
    values: list[list] = field(default_factory=list)  # numbers as float/int, else text
    texts: list[list[str]] = field(default_factory=list)  # what the cell shows (text:p)
    data_styles: list[list[str]] = field(default_factory=list)  # number style per cell
    column_widths_cm: list[float] = field(default_factory=list)


def _number(value: str) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def ods_sheets(content: bytes) -> dict[str, OdsSheet]:
    doc = opendocument.load(io.BytesIO(content))
    styles = {s.getAttribute("name"): s for s in doc.automaticstyles.getElementsByType(Style)}

    def width(column) -> float:
        st = styles[column.getAttribute("stylename")]
        for child in st.childNodes:
            if child.qname == (STYLENS, "table-column-properties"):
                return float(child.getAttribute("columnwidth").removesuffix("cm"))
        return 0.0

    sheets = {}
    for table in doc.spreadsheet.getElementsByType(Table):
        sheet = OdsSheet(table.getAttribute("name"))
        for column in table.getElementsByType(TableColumn):
            repeat = int(column.attributes.get((TABLENS, "number-columns-repeated"), 1))
            sheet.column_widths_cm += [width(column)] * repeat
        for row in table.getElementsByType(TableRow):
            values, texts, data = [], [], []
            for cell in row.getElementsByType(TableCell):
                text = "".join(str(p) for p in cell.childNodes)
                texts.append(text)
                is_float = cell.getAttribute("valuetype") == "float"
                values.append(_number(cell.getAttribute("value")) if is_float else text)
                name = cell.getAttribute("stylename")
                data.append(styles[name].getAttribute("datastylename") or "" if name else "")
            sheet.values.append(values)
            sheet.texts.append(texts)
            sheet.data_styles.append(data)
        sheets[sheet.name] = sheet
    return sheets


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page, non-breaking spaces read as spaces, spaces collapsed."""
    return [
        re.sub(r"\s+", " ", page.extract_text().replace("\xa0", " "))
        for page in PdfReader(io.BytesIO(content)).pages
    ]


def pdf_text(content: bytes) -> str:
    return " ".join(pdf_pages(content))
