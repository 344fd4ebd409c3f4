"""Bar charts drawn by matplotlib as SVG, to sit next to the table that holds their data.

One series per chart, horizontal bars, the category written on the axis and the value
written at the end of each bar: nothing is told by colour alone. Each chart carries a
``<title>`` and a ``<desc>`` (role ``img``), its element ids are prefixed so several charts
can live in one page, and each bar is a ``<g id="<chart>-bar-<n>">`` so tests can find it.

A masked value (``None``: 1 or 2 people) is drawn as a short hatched stub (an SVG
pattern), the same length for 1 and 2 so it tells nothing the table hides, labelled « < 3 »
with a non-breaking space; 0 draws no bar but its label « 0 ». Long category names are
wrapped on several lines (the row is then taller). ``compact`` draws a narrower chart with
smaller type, to sit beside its table in the A4 PDF.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402 — after the backend is chosen

BAR_COLOUR = "#00467f"  # --brand of cadran.css (9.6:1 on white)
INK = "#1b1b1b"
MASKED = "< 3"
NBSP = "\u00a0"
# A masked bar: this share of the longest bar, hatched (never proportional to the value).
STUB = 0.06
HATCH = "////"
# (width in inches, font size in points, characters per label line, inches per label row)
SIZES = {False: (7.0, 10.0, 40, 0.36), True: (3.5, 7.0, 32, 0.185)}

_ID_RE = re.compile(r'\bid="([^"]+)"')
_XML_PROLOGUE_RE = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA_RE = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_STYLE_ELEMENT_RE = re.compile(r"\s*<defs>\s*<style[^>]*>.*?</style>\s*</defs>", re.S)
_STYLE_ATTR_RE = re.compile(r'\sstyle="([^"]*)"')


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str = "",
    texts: Sequence[str] | None = None,
    compact: bool = False,
) -> str:
    """An accessible SVG bar chart (markup to inline in HTML or in the PDF).

    ``values``: ``None`` for a masked value; ``texts``: what to write at the end of each bar
    (by default the value and ``unit``), so that the chart says exactly what the table says.
    """
    width, font, wrap, row = SIZES[compact]
    if texts is None:
        texts = [MASKED if v is None else f"{v}{(' ' + unit) if unit else ''}" for v in values]
    texts = [t.replace(" ", NBSP) for t in texts]  # « < 3 », « 9 h »: never cut
    wrapped = [textwrap.fill(str(label), wrap) or " " for label in labels]
    # Each row as tall as its label: one unit, plus 0.8 per extra line.
    heights = [1 + 0.8 * label.count("\n") for label in wrapped]
    centres, top_edge = [], 0.0
    for h in heights:
        centres.append(top_edge + h / 2)
        top_edge += h
    total = max(top_edge, 1)
    fig = Figure(figsize=(width, 0.55 + row * total), dpi=72, layout="constrained")
    ax = fig.add_subplot()
    top = max((v for v in values if v is not None), default=0) or 1
    lengths = [top * STUB if v is None else v for v in values]
    bars = ax.barh(centres, lengths, color=BAR_COLOUR, height=0.6)
    for i, bar in enumerate(bars):
        bar.set_gid(f"{chart_id}-bar-{i}")
        if values[i] is None:
            bar.set_facecolor("#ffffff")
            bar.set_edgecolor(BAR_COLOUR)
            bar.set_linewidth(1.0)
            bar.set_hatch(HATCH)
    for i, text in enumerate(texts):
        ax.text(
            lengths[i] + top * 0.015,
            centres[i],
            text,
            va="center",
            ha="left",
            color=INK,
            fontsize=font,
        )
    ax.set_yticks(centres, labels=wrapped, fontsize=font, color=INK)
    ax.set_ylim(total, 0)
    ax.set_xlim(0, top * 1.22)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    buffer = io.StringIO()
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": chart_id, "hatch.color": BAR_COLOUR}
    ):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None})
    desc = _describe(labels, [t.replace(NBSP, " ") for t in texts])
    return _accessible(buffer.getvalue(), chart_id, title, desc)


def _describe(labels: Sequence[str], texts: Sequence[str]) -> str:
    parts = [f"{label} : {text}" for label, text in zip(labels, texts, strict=True)]
    return "Diagramme en barres. " + " ; ".join(parts) + "." if parts else "Aucune donnée."


def _accessible(svg: str, chart_id: str, title: str, desc: str) -> str:
    svg = _XML_PROLOGUE_RE.sub("", svg, count=1)
    svg = _METADATA_RE.sub("", svg, count=1)
    # A strict CSP forbids inline styles, in SVG too: presentation attributes instead.
    svg = _STYLE_ELEMENT_RE.sub("", svg, count=1)
    svg = _STYLE_ATTR_RE.sub(_attributes, svg)

    def prefix(match: re.Match) -> str:
        value = match.group(1)
        return match.group(0) if value.startswith(chart_id) else f'id="{chart_id}-{value}"'

    ids = {m.group(1) for m in _ID_RE.finditer(svg) if not m.group(1).startswith(chart_id)}
    svg = _ID_RE.sub(prefix, svg)
    for old in sorted(ids, key=len, reverse=True):
        svg = svg.replace(f"#{old})", f"#{chart_id}-{old})").replace(
            f'href="#{old}"', f'href="#{chart_id}-{old}"'
        )
    head = (
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'stroke-linejoin="round" stroke-linecap="butt" '
    )
    svg = svg.replace("<svg ", head, 1)
    close = svg.index(">", svg.index("<svg")) + 1
    return (
        svg[:close]
        + f'<title id="{chart_id}-title">{_escape(title)}</title>'
        + f'<desc id="{chart_id}-desc">{_escape(desc)}</desc>'
        + svg[close:]
    )


def _attributes(match: re.Match) -> str:
    """``style="fill: #fff; font-size: 10px"`` → `` fill="#fff" font-size="10px"``."""
    pairs = []
    for declaration in match.group(1).split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() and value.strip():
            pairs.append(f'{name.strip()}="{value.strip().replace(chr(34), chr(39))}"')
    return (" " + " ".join(pairs)) if pairs else ""
