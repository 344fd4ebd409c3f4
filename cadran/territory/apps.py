from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "cadran.territory"
    label = "territory"
    verbose_name = "Territoire"

    def ready(self) -> None:
        from . import identity, routing  # noqa: F401 — routing's receivers: on every process

        identity.connect_charter_signals()
