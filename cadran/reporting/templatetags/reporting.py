from django import template

from cadran.reporting.exports import human

register = template.Library()


@register.filter
def cell(value):
    """A figure as French readers write it: 12,5 rather than 12.5, « 153 h », « < 3 »
    (non-breaking spaces: never cut between two lines)."""
    return human(value)


@register.filter
def with_headers(row, headers):
    """The row's cells, each with its column's header: ``(cell, header)`` pairs, for the
    ``data-label`` of a table that stacks on a phone (``.table-stack``)."""
    return list(zip(row, headers, strict=False))
