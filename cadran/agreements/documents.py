"""The convention and its amendments as documents: HTML, then PDF (WeasyPrint) and ODT (odfpy).

The text is the territory's ``AgreementTemplate`` (HTML in the Django template language,
stored in the database, versioned per territory) rendered with the agreement's data. A
territory's first version is the neutral text of ``document_templates/`` (no territory's
name, programme or numbers: the rules come as variables). The same HTML gives the PDF
(WeasyPrint, with the print stylesheet below) and the ODT (a small converter that knows the
few elements the templates use: headings, paragraphs, lists, bold, italics, line breaks).

The Service Culture edits its territory's templates, so they are rendered in a sandbox:
an engine without loaders or tag libraries (no ``include``, ``extends``, ``load``), a
context of plain values (no model instance to walk to a password or another territory),
and a document is refused — with what to fill in — rather than printed with a blank.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template import Context, Engine, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

from cadran.core import pdf
from cadran.notifications.formatting import MONTHS, hour_label
from cadran.publicity.letterhead import letterhead_html

from . import rules
from .enums import DeliberationPurpose, DocumentFormat, Party, TemplateKind
from .models import Agreement, AgreementTemplate, Amendment

# WeasyPrint logs every step of every document at INFO: keep the server's log readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATE_DIR = Path(__file__).resolve().parent / "document_templates"
# The neutral text every territory starts from (then edits: a new version).
NEUTRAL_FILES = {
    TemplateKind.AGREEMENT: ("neutral-convention.html", "Convention de partenariat"),
    TemplateKind.AMENDMENT: ("neutral-avenant.html", "Avenant à la convention"),
}
# Tags a template may not use: they read files, load code or dump the context.
FORBIDDEN_TAGS = ("load", "include", "extends", "debug", "ssi", "templatetag")
UNKNOWN = "\u2063inconnu:%s\u2063"
_UNKNOWN_RE = re.compile("\u2063inconnu:([^\u2063]*)\u2063")
ENGINE = Engine(loaders=[], libraries={}, autoescape=True, string_if_invalid=UNKNOWN)
CONTENT_TYPES = {
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.ODT: "application/vnd.oasis.opendocument.text",
}

PRINT_CSS = """
@page { size: A4; margin: 2cm 2.2cm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; } }
body { font-family: "DejaVu Serif", "Liberation Serif", serif; font-size: 10.5pt;
       line-height: 1.4; font-variant-ligatures: none; }
h1 { font-size: 16pt; text-align: center; margin: 1.2em 0 .2em; }
h2 { font-size: 12pt; margin: 1.2em 0 .4em; }
h3 { font-size: 11pt; margin: 1em 0 .3em; }
p { margin: .35em 0; text-align: justify; }
.annex { margin-bottom: 1.5em; }
.right { text-align: right; }
.center { text-align: center; }
.subtitle { text-align: center; font-style: italic; font-size: 12pt; margin-bottom: 1.5em; }
.indent { margin-left: 2em; }
.signatures { display: flex; justify-content: space-between; margin-top: 2em; }
.signature { width: 45%; }
.signature-name { margin-top: 2.5em; font-weight: bold; }
"""


def neutral_template_body(kind: str) -> str:
    return (TEMPLATE_DIR / NEUTRAL_FILES[TemplateKind(kind)][0]).read_text(encoding="utf-8")


def check_template_body(body: str) -> str:
    """The French reason a template cannot be published, or ""."""
    for tag in FORBIDDEN_TAGS:
        if re.search(r"\{%\s*" + tag + r"\b", body):
            return f"Le modèle ne peut pas utiliser la balise « {tag} »."
    try:
        ENGINE.from_string(body)
    except TemplateSyntaxError as exc:
        return f"Le modèle contient une erreur : {exc}"
    return ""


def _upper(text: str) -> str:
    return text.upper()


def de_commune(name: str, *, upper: bool = True) -> str:
    """« d'ESTAIRES », « de MERVILLE », « du DOULIEU », « de LA GORGUE »."""
    shown = _upper(name) if upper else name
    if name.startswith("Le "):
        return f"du {shown[3:]}"
    if name.startswith("Les "):
        return f"des {shown[4:]}"
    first = unicodedata.normalize("NFD", name[:1])[:1].upper()
    return f"d'{shown}" if first in "AEIOU" else f"de {shown}"


def _paris_dates(dates: list[dt.date]) -> str:
    labels = [f"{d:%d/%m/%Y}" for d in dates]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " et " + labels[-1]


def month_label(day: dt.date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def _months_between(start: dt.date, cap: dt.date) -> int:
    after = cap + dt.timedelta(days=1)
    return (after.year - start.year) * 12 + after.month - start.month


def intervention_context(permanence) -> dict | None:
    if permanence is None:
        return None
    if permanence.end_time <= dt.time(13):
        part = "matin"
    elif permanence.start_time >= dt.time(12):
        part = "après-midi"
    else:
        part = ""
    venue = permanence.venue
    room = venue.room
    return {
        "weekday": permanence.get_weekday_display(),
        "part_of_day": part,
        "start": hour_label(permanence.start_time),
        "end": hour_label(permanence.end_time),
        "venue": venue.name,
        "room": room[:1].lower() + room[1:] if room else "",
        "confidential": venue.confidential,
        "arrival": (
            hour_label(permanence.adviser_arrival_time) if permanence.adviser_arrival_time else ""
        ),
    }


def _deliberation(d) -> dict | None:
    if d is None:
        return None
    return {
        "number": d.number,
        "date": d.date,
        "subject": d.subject,
        "body": d.body,
        "get_body_display": d.get_body_display(),
        "purpose": d.purpose,
    }


def _referent(r) -> dict:
    return {"names": r.names, "role": r.role, "label": r.label}


def _workshop_formats(territory) -> list[dict]:
    return [
        {"name": f.name, "min_attendance": f.min_attendance, "capacity": f.default_capacity}
        for f in territory.workshop_formats.filter(is_active=True).order_by("name")
    ]


def agreement_context(agreement: Agreement) -> dict:
    """Everything the templates may use about one agreement: plain values only."""
    deliberations = list(agreement.deliberations.all())
    by_purpose: dict[str, list] = {}
    for deliberation in deliberations:
        by_purpose.setdefault(deliberation.purpose, []).append(_deliberation(deliberation))
    posts = by_purpose.get(DeliberationPurpose.ADVISER_POSTS, [])
    referents = list(agreement.referents.all())
    permanence = agreement.permanence
    commune = agreement.commune
    territory = agreement.territory
    terms = agreement.terms()
    return {
        "agreement": {
            name: getattr(agreement, name)
            for name in (
                "start_date",
                "cap_date",
                "territory_signatory_name",
                "territory_signatory_title",
                "territory_signatory_civility",
                "commune_signatory_name",
                "commune_signatory_title",
                "session_secretary_name",
                "signed_on",
                "signed_place",
                "copies",
            )
        },
        "territory": {
            "name": territory.name,
            "short_name": territory.short_name,
            "programme_name": territory.programme_name,
            "service_name": territory.service_name,
        },
        "programme": territory.programme_name or "Conseillers numériques",
        "commune": {
            "name": commune.name,
            "insee_code": commune.insee_code,
            "postcode": commune.postcode,
        },
        "de_commune": de_commune(commune.name),
        "de_commune_title": de_commune(commune.name, upper=False),
        "commune_deliberation": next(
            iter(by_purpose.get(DeliberationPurpose.COMMUNE_AUTHORISATION, [])), None
        ),
        "territory_deliberation": next(
            iter(by_purpose.get(DeliberationPurpose.TERRITORY_AUTHORISATION, [])), None
        ),
        "network_deliberations": by_purpose.get(DeliberationPurpose.NETWORK_SERVICE, []),
        "posts_deliberations": posts,
        "posts_dates": _paris_dates([d["date"] for d in posts]),
        "posts_subject": posts[-1]["subject"] if posts else "",
        "cap_deliberation": _deliberation(agreement.cap_deliberation),
        "cap_months": _months_between(agreement.start_date, agreement.cap_date),
        "start_month": month_label(agreement.start_date),
        # The rules (the agreement's, else the territory's): never a number in the text.
        "terms": {
            "term_months": terms.term_months,
            "max_renewals": terms.max_renewals,
            "notice_months": terms.notice_months,
            "max_periods": terms.max_periods,
        },
        "term_label": rules.duration_label(terms.term_months),
        "term_phrase": rules.duration_phrase(terms.term_months),
        "renewals_phrase": rules.renewals_phrase(terms.max_renewals),
        "notice_label": rules.months_label(terms.notice_months),
        "notice_phrase": rules.months_phrase(terms.notice_months),
        # A callable: read only when the template uses it.
        "workshop_formats": lambda: _workshop_formats(territory),
        "intervention": intervention_context(permanence),
        "territory_referents": [_referent(r) for r in referents if r.party == Party.TERRITORY],
        "commune_referents": [_referent(r) for r in referents if r.party == Party.COMMUNE],
        # Sorted here: the page's prefetched advisers serve as they are.
        "advisers": [
            u.get_full_name()
            for u in sorted(agreement.advisers.all(), key=lambda u: (u.last_name, u.pk))
        ],
    }


def amendment_context(amendment: Amendment) -> dict:
    agreement = amendment.agreement
    return agreement_context(agreement) | {
        "amendment": {
            "number": amendment.number,
            "title": amendment.title,
            "adopted_on": amendment.adopted_on,
        },
        "amendment_paragraphs": [
            p.strip() for p in re.split(r"\n\s*\n", amendment.text) if p.strip()
        ],
        "previous_amendments": [
            {"number": a.number, "title": a.title, "adopted_on": a.adopted_on}
            for a in agreement.amendments.filter(number__lt=amendment.number)
        ],
    }


def load_agreement(pk: int) -> Agreement:
    return Agreement.objects.select_related(
        "territory",
        "territory__agreement_rules",
        "commune",
        "cap_deliberation",
        "template",
        "permanence__venue",
    ).get(pk=pk)


# --- What a document needs: asked for before, never left blank -------------------------


@dataclass(frozen=True)
class Missing:
    label: str
    url: str


class DocumentIncomplete(Exception):
    def __init__(self, missing: list[Missing]):
        self.missing = missing
        self.message = (
            "Le document ne peut pas encore être produit : il manque "
            + ", ".join(m.label for m in missing)
            + ". Complétez ces informations, puis téléchargez-le à nouveau."
        )
        super().__init__(self.message)


# (what the template writes, what to ask for, where it is filled in)
CHECKS = [
    ("agreement.territory_signatory_name", "le nom du signataire pour la communauté de communes", "agreement"),  # noqa: E501
    ("agreement.territory_signatory_title", "le titre du signataire pour la communauté de communes", "agreement"),  # noqa: E501
    ("agreement.commune_signatory_name", "le nom du maire (signataire pour la commune)", "agreement"),  # noqa: E501
    ("agreement.commune_signatory_title", "le titre du signataire pour la commune", "agreement"),
    ("agreement.session_secretary_name", "le secrétaire de séance du conseil municipal", "agreement"),  # noqa: E501
    ("territory_referents", "la personne référente de la communauté de communes", "agreement"),
    ("commune_referents", "les personnes référentes de la commune", "agreement"),
    ("advisers", "le conseiller numérique désigné", "agreement"),
    ("intervention", "l'intervention hebdomadaire (la permanence)", "agreement"),
    ("commune_deliberation", "la délibération du conseil municipal", "agreement"),
    ("commune_deliberation.number", "le numéro de la délibération du conseil municipal", "agreement"),  # noqa: E501
    ("territory_deliberation", "la délibération qui autorise le président à signer", "agreement"),  # noqa: E501
    ("cap_deliberation", "la délibération qui fixe la limite", "agreement"),
    ("territory.name", "le nom de la communauté de communes", "territory"),
    ("territory.short_name", "le sigle de la communauté de communes", "territory"),
    ("territory.programme_name", "le nom du dispositif", "territory"),
]  # fmt: skip


def _uses(body: str, name: str) -> bool:
    n = re.escape(name)
    return bool(
        re.search(r"\{\{\s*" + n + r"(?![\w.])|\{\{\s*" + n + r"\|", body)
        or re.search(r"\{\{\s*" + n + r"\.", body)
        or re.search(r"\{%\s*for\s+\w+\s+in\s+" + n + r"\s*%\}", body)
    )


def _guarded(body: str, name: str) -> bool:
    """The template says what to write without it: ``{% if name %}`` or ``{% empty %}``."""
    n = re.escape(name)
    if re.search(r"\{%\s*(?:el)?if\b[^%]*?(?<![\w.])" + n + r"(?![\w.])[^%]*%\}", body):
        return True
    loop = re.search(r"\{%\s*for\s+\w+\s+in\s+" + n + r"\s*%\}(.*?)\{%\s*endfor\s*%\}", body, re.S)
    return bool(loop and re.search(r"\{%\s*empty\s*%\}", loop.group(1)))


def _lookup(context: dict, path: str):
    """(parent, value) of a dotted path in the context; parent None when it is absent."""
    parent, value = None, context
    for part in path.split("."):
        parent = value
        if parent is None:
            return None, None
        value = parent.get(part) if isinstance(parent, dict) else None
    return parent, value


def _where(kind: str, agreement: Agreement) -> str:
    if kind == "territory":
        return reverse("admin:territory_territory_change", args=[agreement.territory_id])
    return reverse("admin:agreements_agreement_change", args=[agreement.pk])


def _missing(body: str, context: dict, agreement: Agreement) -> list[Missing]:
    found = []
    for name, label, where in CHECKS:
        if not _uses(body, name) or _guarded(body, name):
            continue
        parent, value = _lookup(context, name)
        if parent is None:
            continue  # its parent is absent: the parent's own check (or guard) decides
        if value in (None, "", []):
            found.append(Missing(label, _where(where, agreement)))
    return found


def missing_fields(agreement: Agreement) -> list[Missing]:
    """What the agreement's template writes that the agreement does not have yet (with the
    page's prefetched rows, no more query)."""
    return _missing(agreement.template.body, agreement_context(agreement), agreement)


def _render(template: AgreementTemplate, context: dict, agreement: Agreement) -> str:
    missing = _missing(template.body, context, agreement)
    if missing:
        raise DocumentIncomplete(missing)
    with translation.override("fr"):
        html = ENGINE.from_string(template.body).render(Context(context, autoescape=True))
    unknown = sorted(set(_UNKNOWN_RE.findall(html)))
    if unknown:
        url = reverse("admin:agreements_agreementtemplate_change", args=[template.pk])
        raise DocumentIncomplete(
            [
                Missing(f"« {name} » (une information que Cadran ne connaît pas)", url)
                for name in unknown
            ]  # noqa: E501
        )
    return html


def render_agreement_html(agreement: Agreement) -> str:
    return _render(agreement.template, agreement_context(agreement), agreement)


def render_amendment_html(amendment: Amendment) -> str:
    return _render(amendment.template, amendment_context(amendment), amendment.agreement)


def html_document(fragment: str, *, title: str) -> str:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{PRINT_CSS}</style></head><body>{fragment}</body></html>"
    )


def to_pdf(fragment: str, *, title: str, territory_id: int | None = None) -> bytes:
    """The PDF, under the territory's letterhead (its logo and name: the ODT is left
    without, to be edited)."""
    head = letterhead_html(territory_id)
    return pdf.weasyprint().HTML(string=html_document(head + fragment, title=title)).write_pdf()


# --- ODT -------------------------------------------------------------------------------


class _OdtWriter(HTMLParser):
    """Turns the templates' small HTML vocabulary into ODF text elements."""

    BLOCK_STYLES = {
        "right": "Right",
        "center": "Center",
        "subtitle": "Subtitle",
        "indent": "Indent",
    }

    def __init__(self, doc, styles: dict):
        super().__init__(convert_charrefs=True)
        self.doc = doc
        self.styles = styles
        self.containers: list = [doc.text]
        self.block = None
        self.block_fresh = False
        self.inline: list[str] = []

    def _open(self, element) -> None:
        self._close()
        self.containers[-1].addElement(element)
        self.block = element
        self.block_fresh = True

    def _close(self) -> None:
        self.block = None

    def _paragraph(self, css: str):
        from odf.text import P

        for name in css.split():
            if name in self.BLOCK_STYLES:
                return P(stylename=self.styles[self.BLOCK_STYLES[name]])
        if "signature-name" in css.split():
            return P(stylename=self.styles["SignatureName"])
        return P(stylename=self.styles["Body"])

    def handle_starttag(self, tag, attrs):
        from odf.text import H, LineBreak, List, ListItem

        css = dict(attrs).get("class") or ""
        if tag in ("h1", "h2", "h3"):
            level = int(tag[1])
            self._open(H(outlinelevel=level, stylename=self.styles[f"Heading{level}"]))
        elif tag == "p":
            self._open(self._paragraph(css))
        elif tag == "ul":
            self._close()
            element = List(stylename=self.styles["Bullets"])
            self.containers[-1].addElement(element)
            self.containers.append(element)
        elif tag == "li":
            self._close()
            item = ListItem()
            self.containers[-1].addElement(item)
            self.containers.append(item)
        elif tag in ("strong", "b"):
            self.inline.append("Bold")
        elif tag in ("em", "i"):
            self.inline.append("Italic")
        elif tag == "br" and self.block is not None:
            self.block.addElement(LineBreak())
            self.block_fresh = True

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "p"):
            self._close()
        elif tag in ("ul", "li"):
            self._close()
            if len(self.containers) > 1:
                self.containers.pop()
        elif tag in ("strong", "b", "em", "i") and self.inline:
            self.inline.pop()

    def handle_data(self, data):
        from odf.text import P, Span

        text = re.sub(r"\s+", " ", data)
        if self.block is None:
            if not text.strip():
                return
            self._open(P(stylename=self.styles["Body"]))
        if self.block_fresh:
            text = text.lstrip()
            if not text:
                return
            self.block_fresh = False
        if self.inline:
            self.block.addElement(Span(stylename=self.styles[self.inline[-1]], text=text))
        else:
            self.block.addText(text)


def _odt_styles(doc) -> dict:
    from odf.style import (
        ListLevelProperties,
        ParagraphProperties,
        Style,
        TextProperties,
    )
    from odf.text import ListLevelStyleBullet, ListStyle

    def paragraph(
        name, *, align=None, bold=False, italic=False, size=None, margin_left=None, top=None
    ):
        style = Style(name=name, family="paragraph")
        props = {}
        if align:
            props["textalign"] = align
        if margin_left:
            props["marginleft"] = margin_left
        if top:
            props["margintop"] = top
        props.setdefault("marginbottom", "0.15cm")
        style.addElement(ParagraphProperties(**props))
        text_props = {"fontname": "Liberation Serif", "fontsize": size or "10.5pt"}
        if bold:
            text_props["fontweight"] = "bold"
        if italic:
            text_props["fontstyle"] = "italic"
        style.addElement(TextProperties(**text_props))
        doc.automaticstyles.addElement(style)
        return style

    styles = {
        "Body": paragraph("Body", align="justify"),
        "Right": paragraph("Right", align="end"),
        "Center": paragraph("Center", align="center"),
        "Subtitle": paragraph("Subtitle", align="center", italic=True, size="12pt"),
        "Indent": paragraph("Indent", margin_left="1cm"),
        "SignatureName": paragraph("SignatureName", bold=True, top="1.5cm"),
        "Heading1": paragraph("Heading1", align="center", bold=True, size="16pt", top="0.6cm"),
        "Heading2": paragraph("Heading2", bold=True, size="12pt", top="0.5cm"),
        "Heading3": paragraph("Heading3", bold=True, size="11pt", top="0.3cm"),
    }
    for name, props in (("Bold", {"fontweight": "bold"}), ("Italic", {"fontstyle": "italic"})):
        style = Style(name=name, family="text")
        style.addElement(TextProperties(**props))
        doc.automaticstyles.addElement(style)
        styles[name] = style
    bullets = ListStyle(name="Bullets")
    level = ListLevelStyleBullet(level=1, bulletchar="–")
    level.addElement(ListLevelProperties(spacebefore="0.4cm", minlabelwidth="0.5cm"))
    bullets.addElement(level)
    doc.automaticstyles.addElement(bullets)
    styles["Bullets"] = bullets
    return styles


def to_odt(fragment: str, *, title: str) -> bytes:
    from odf.dc import Title
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.meta.addElement(Title(text=title))
    writer = _OdtWriter(doc, _odt_styles(doc))
    writer.feed(fragment)
    writer.close()
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


# --- What the views and the command call ------------------------------------------------


@dataclass(frozen=True)
class Document:
    filename: str
    content_type: str
    content: bytes


def _build(
    fragment: str, *, title: str, stem: str, fmt: str, territory_id: int | None = None
) -> Document:
    fmt = DocumentFormat(fmt)
    content = (
        to_pdf(fragment, title=title, territory_id=territory_id)
        if fmt == DocumentFormat.PDF
        else to_odt(fragment, title=title)
    )
    return Document(f"{stem}.{fmt.value}", CONTENT_TYPES[fmt], content)


def agreement_document(agreement: Agreement, fmt: str) -> Document:
    agreement = load_agreement(agreement.pk)
    title = f"Convention de partenariat — {agreement.commune.name}"
    stem = f"convention-{agreement.commune.slug}-{agreement.start_date:%Y}"
    return _build(
        render_agreement_html(agreement),
        title=title,
        stem=stem,
        fmt=fmt,
        territory_id=agreement.territory_id,
    )


def amendment_document(amendment: Amendment, fmt: str) -> Document:
    amendment = Amendment.objects.select_related("template").get(pk=amendment.pk)
    amendment.agreement = load_agreement(amendment.agreement_id)
    title = f"Avenant n°{amendment.number} — {amendment.agreement.commune.name}"
    stem = f"avenant-{amendment.number}-{amendment.agreement.commune.slug}"
    return _build(
        render_amendment_html(amendment),
        title=title,
        stem=stem,
        fmt=fmt,
        territory_id=amendment.agreement.territory_id,
    )


# --- Preview of a template version -------------------------------------------------------


class NothingToPreview(Exception):
    """The territory has no convention (or no amendment) to fill the template with yet."""


def preview_pdf(template: AgreementTemplate) -> bytes:
    """``template`` filled with the territory's most recent convention (or amendment), as a
    PDF: what a document made from this version would look like, before any uses it."""
    if template.kind == TemplateKind.AMENDMENT:
        amendment = (
            Amendment.objects.filter(agreement__territory_id=template.territory_id)
            .order_by("-pk")
            .first()
        )
        if amendment is None:
            raise NothingToPreview("Aucun avenant dans ce territoire pour remplir l'aperçu.")
        amendment.agreement = load_agreement(amendment.agreement_id)
        fragment = _render(template, amendment_context(amendment), amendment.agreement)
    else:
        found = Agreement.objects.filter(territory_id=template.territory_id).order_by("-pk").first()
        if found is None:
            raise NothingToPreview("Aucune convention dans ce territoire pour remplir l'aperçu.")
        agreement = load_agreement(found.pk)
        fragment = _render(template, agreement_context(agreement), agreement)
    title = f"Aperçu — {template.name or template.get_kind_display()} (version {template.version})"
    return to_pdf(fragment, title=title, territory_id=template.territory_id)
