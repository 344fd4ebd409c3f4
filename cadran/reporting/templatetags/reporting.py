from django import template

from cadran.reporting.exports import human

register = template.Library()


@register.filter
def cell(value):
    """A figure as French readers write it: 12,5 rather than 12.5, « 153 h », « < 3 »
    (non-breaking spaces: never cut between two lines)."""
    return human(value)
