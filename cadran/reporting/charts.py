"""Bar charts drawn by matplotlib as SVG, to sit next to the table that holds their data.

One series per chart, horizontal bars, the category written on the axis and the value
written at the end of each bar: nothing is told by colour alone. Each chart carries a
``<title>`` and a ``<desc>`` (role ``img``), its element ids are prefixed so several charts
can live in one page, and each bar is a ``<g id="<chart>-bar-<n>">`` so tests can find it.

A masked value (``None``: fewer than 3 people) is drawn as an empty bar labelled « < 3 »:
its length would tell what the table hides.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402 — after the backend is chosen

BAR_COLOUR = "#00467f"  # --brand of cadran.css (9.6:1 on white)
INK = "#1b1b1b"
MASKED = "< 3"

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
    values: Sequence[int | None],
    unit: str = "",
) -> str:
    """An accessible SVG bar chart (markup to inline in HTML or in the PDF)."""
    count = max(len(labels), 1)
    fig = Figure(figsize=(7.0, 0.9 + 0.36 * count), dpi=72, layout="constrained")
    ax = fig.add_subplot()
    lengths = [v if v is not None else 0 for v in values]
    positions = list(range(len(labels)))
    bars = ax.barh(positions, lengths, color=BAR_COLOUR, height=0.6)
    for i, bar in enumerate(bars):
        bar.set_gid(f"{chart_id}-bar-{i}")
    top = max(lengths, default=0) or 1
    for i, value in enumerate(values):
        text = MASKED if value is None else f"{value}{(' ' + unit) if unit else ''}"
        ax.text(lengths[i] + top * 0.01, i, text, va="center", ha="left", color=INK, fontsize=10)
    ax.set_yticks(positions, labels=list(labels), fontsize=10, color=INK)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.18)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None})
    return _accessible(buffer.getvalue(), chart_id, title, _describe(labels, values, unit))


def _describe(labels: Sequence[str], values: Sequence[int | None], unit: str) -> str:
    parts = [
        f"{label} : {MASKED if value is None else value}{(' ' + unit) if unit and value is not None else ''}"
        for label, value in zip(labels, values, strict=True)
    ]
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
