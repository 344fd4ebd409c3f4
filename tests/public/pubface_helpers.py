"""Helpers for the tests of the public face: feeds, widget, posters (issue 7)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import caches


def clear_public_cache() -> None:
    caches[settings.CADRAN_PUBLIC_CACHE_ALIAS].clear()


_NAME = re.compile(r"^[A-Za-z0-9-]+$")


def rfc5545_problems(body: bytes) -> list[str]:
    """A second, independent check of an iCalendar stream, line by line (RFC 5545):
    CRLF line endings, content lines folded at 75 octets, every BEGIN closed by the
    matching END in order, and in each VEVENT exactly one UID, DTSTAMP and DTSTART;
    every TZID used defined by a VTIMEZONE. Returns the problems found (empty: valid)."""
    problems: list[str] = []
    if not body.endswith(b"\r\n"):
        problems.append("the stream does not end with CRLF")
    raw_lines = body.split(b"\r\n")[:-1]
    for number, raw in enumerate(raw_lines, 1):
        if b"\n" in raw or b"\r" in raw:
            problems.append(f"line {number}: bare LF or CR")
        if len(raw) > 75:
            problems.append(f"line {number}: {len(raw)} octets (more than 75)")
    # Unfold: a line starting with a space or a tab continues the previous one.
    lines: list[str] = []
    for raw in raw_lines:
        text = raw.decode("utf-8")
        if text[:1] in (" ", "\t") and lines:
            lines[-1] += text[1:]
        else:
            lines.append(text)
    stack: list[str] = []
    defined_tzids: set[str] = set()
    used_tzids: set[str] = set()
    event_props: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        name_and_params, sep, value = line.partition(":")
        if not sep:
            problems.append(f"content line {number} has no colon: {line!r}")
            continue
        name, *params = name_and_params.split(";")
        if not _NAME.match(name):
            problems.append(f"content line {number}: bad property name {name!r}")
        for param in params:
            if param.upper().startswith("TZID="):
                used_tzids.add(param[5:])
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                event_props = {}
        elif name == "END":
            if not stack or stack[-1] != value:
                problems.append(f"content line {number}: END:{value} without its BEGIN")
            else:
                stack.pop()
            if value == "VEVENT":
                for required in ("UID", "DTSTAMP", "DTSTART"):
                    if event_props.get(required) != 1:
                        problems.append(f"a VEVENT has {event_props.get(required, 0)} {required}")
        else:
            if stack and stack[-1] == "VEVENT":
                event_props[name] = event_props.get(name, 0) + 1
            if name == "TZID" and stack and stack[-1] == "VTIMEZONE":
                defined_tzids.add(value)
    if stack:
        problems.append(f"not closed: {stack}")
    if not lines or lines[0] != "BEGIN:VCALENDAR":
        problems.append("does not start with BEGIN:VCALENDAR")
    for tzid in used_tzids - defined_tzids:
        problems.append(f"TZID {tzid} used without its VTIMEZONE")
    return problems
