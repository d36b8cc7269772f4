from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project itself as an app, for commands that span every layer (seed_demo)."""

    name = "config"
    verbose_name = "Portail Famille"
