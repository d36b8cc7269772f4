from django.apps import AppConfig


class PortalSearchConfig(AppConfig):
    """Labelled `portal_search`: Oscar's own search app already holds the label `search`."""

    name = "search"
    label = "portal_search"
    verbose_name = "Recherche"

    def ready(self):
        from . import signals

        signals.connect()
