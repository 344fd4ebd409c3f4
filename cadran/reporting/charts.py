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

Sizes: on screen a chart is drawn 317 px wide with 12 px type and the page never shows it
narrower (``min-width`` in cadran.css), so its labels are never under 12 px, on a 360 px
phone included; in the PDF type is 8 pt (the tables: 8.5 pt).

``grouped_bar_chart`` draws several series (a table's columns) per category, each series
with its own fill and hatching and named in a legend, every bar with its value written.
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
# (width in inches, font size in points, characters per label line, inches per label row);
# drawn at 72 dpi, a point is a pixel of the SVG.
SIZES = {False: (4.4, 12.0, 20, 0.43), True: (3.5, 8.0, 30, 0.18)}
# The grouped chart of the PDF spans the page's width.
WIDE_COMPACT = (7.0, 8.0, 40, 0.18)
# One style per series: (fill, hatch), the first the plain brand colour; a white fill has
# the brand colour as edge. Each contrasts 3:1 or more with white (WCAG 1.4.11).
SERIES_STYLES = [
    ("#00467f", ""),
    ("#ffffff", "...."),
    ("#5c5c5c", ""),
    ("#ffffff", "xxx"),
    ("#00467f", "\\\\"),
]

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


def grouped_bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
    compact: bool = False,
) -> str:
    """An accessible SVG chart of several series per category (``series``: name, values,
    texts written at the end of the bars). Bar ``i`` of series ``j`` is the group
    ``<chart>-bar-<i>-<j>``."""
    width, font, wrap, row = WIDE_COMPACT if compact else SIZES[False]
    n = max(len(series), 1)
    wrapped = [textwrap.fill(str(label), wrap) or " " for label in labels]
    # A category is as tall as its bars (0.6 each) or its label, whichever is taller.
    heights = [max(0.6 * n + 0.4, 1 + 0.8 * label.count("\n")) for label in wrapped]
    centres, top_edge = [], 0.0
    for h in heights:
        centres.append(top_edge + h / 2)
        top_edge += h
    total = max(top_edge, 1)
    legend_rows = 1 + (n - 1) // 2
    fig = Figure(
        figsize=(width, 0.55 + row * total + 0.3 * legend_rows),
        dpi=72,
        layout="constrained",
    )
    ax = fig.add_subplot()
    everything = [v for _, values, _ in series for v in values if v is not None]
    top = max(everything, default=0) or 1
    bar_height = 0.6
    handles = []
    for j, (name, values, texts) in enumerate(series):
        fill, hatch = SERIES_STYLES[j % len(SERIES_STYLES)]
        offsets = [c - (n * bar_height) / 2 + bar_height * (j + 0.5) for c in centres]
        lengths = [top * STUB if v is None else v for v in values]
        bars = ax.barh(
            offsets,
            lengths,
            height=bar_height * 0.9,
            color=fill,
            edgecolor=BAR_COLOUR,
            linewidth=0.8,
            hatch=hatch or None,
            label=name,
        )
        handles.append(bars)
        for i, bar in enumerate(bars):
            bar.set_gid(f"{chart_id}-bar-{i}-{j}")
            if values[i] is None:
                bar.set_facecolor("#ffffff")
                bar.set_hatch(HATCH)
            ax.text(
                lengths[i] + top * 0.015,
                offsets[i],
                str(texts[i]).replace(" ", NBSP),
                va="center",
                ha="left",
                color=INK,
                fontsize=font,
            )
    ax.set_yticks(centres, labels=wrapped, fontsize=font, color=INK)
    ax.set_ylim(total, 0)
    ax.set_xlim(0, top * 1.25)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    fig.legend(
        handles=handles,
        loc="outside upper left",
        ncols=min(n, 2 if not compact else 4),
        fontsize=font,
        frameon=False,
        labelcolor=INK,
    )
    buffer = io.StringIO()
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": chart_id, "hatch.color": BAR_COLOUR}
    ):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None})
    parts = []
    for i, label in enumerate(labels):
        values_text = ", ".join(f"{name} {texts[i]}" for name, _, texts in series)
        parts.append(f"{label} : {values_text}")
    desc = (
        ("Diagramme en barres groupées. " + " ; ".join(parts) + ".") if parts else "Aucune donnée."
    )
    return _accessible(buffer.getvalue(), chart_id, title, desc.replace(NBSP, " "))


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
