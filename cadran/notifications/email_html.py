"""The HTML part of an e-mail: the same words as its text part, under the territory's
letterhead (its name, logo and colour).

The text part stays the message (``Message.body``, what the log shows and what a reader
without HTML gets); this only dresses it. Styles are written on the elements, as mail
programs ignore style sheets; colours keep AA contrast (``Identity.brand_color``: the charte's
colour, darkened for the pages by :func:`cadran.territory.identity.readable_on_pages`, or
the site's blue).
Links are the addresses written in the text, made clickable.
"""

from __future__ import annotations

import re

from django.utils.html import escape, urlize

from cadran.territory.identity import Identity

INK = "#1b1b1b"
MUTED = "#4a4a4a"

_BLANK_LINES = re.compile(r"\n\s*\n")


def _paragraphs(text: str) -> str:
    blocks = [block.strip("\n") for block in _BLANK_LINES.split(text.strip()) if block.strip()]
    out = []
    for block in blocks:
        lines = [
            urlize(escape(line), nofollow=False, autoescape=False) for line in block.split("\n")
        ]
        out.append(
            f'<p style="margin:0 0 1em 0;color:{INK};font-size:16px;line-height:1.5">'
            + "<br>\n".join(lines)
            + "</p>"
        )
    return "\n".join(out)


def html_body(text: str, *, subject: str, sender: Identity) -> str:
    """The whole HTML document of an e-mail whose text part is ``text``."""
    brand = sender.brand_color
    heading = escape(sender.heading)
    logo = ""
    if sender.has_logo and sender.slug:
        src = escape(sender.reverse("publicity:charter_logo", slug=sender.slug))
        alt = escape(sender.logo_text or sender.name)
        logo = (
            f'<img src="{src}?v={escape(sender.version)}" alt="{alt}" height="40" '
            'style="height:40px;width:auto;vertical-align:middle;margin-right:12px;'
            'background:#ffffff;border-radius:4px;padding:2px">'
        )
    footer = escape(sender.signature)
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(subject)}</title>\n</head>\n"
        f'<body style="margin:0;padding:0;background:#f3f5f8;font-family:Arial,Helvetica,'
        f'sans-serif">\n'
        '<div style="max-width:600px;margin:0 auto;background:#ffffff">\n'
        f'<div style="background:{brand};color:#ffffff;padding:16px 20px;font-size:20px;'
        f'font-weight:bold">{logo}<span>{heading}</span></div>\n'
        f'<div style="padding:20px">\n{_paragraphs(text)}\n</div>\n'
        f'<div style="padding:12px 20px;border-top:1px solid #8a8f98;color:{MUTED};'
        f'font-size:14px">{footer}</div>\n'
        "</div>\n</body>\n</html>\n"
    )
