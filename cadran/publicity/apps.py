from django.apps import AppConfig


class PublicityConfig(AppConfig):
    """The territory's public face outside its own pages: calendar feeds, the widget
    communes embed, posters; the charte graphique they share (docs/visibilite.md)."""

    name = "cadran.publicity"
    label = "publicity"
    verbose_name = "Visibilité (agendas, widget, affiches)"

    def ready(self) -> None:
        from . import cache

        cache.connect_receivers()
