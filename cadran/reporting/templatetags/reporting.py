from django import template

register = template.Library()


@register.filter
def cell(value):
    """A figure as French readers write it: 12,5 rather than 12.5."""
    if isinstance(value, float):
        text = f"{value:.1f}".replace(".", ",")
        return text[:-2] if text.endswith(",0") else text
    return value
