from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project itself as an app, for commands that span every layer (seed_demo)."""

    name = "config"
    verbose_name = "Portail Famille"

    def ready(self):
        # drf-spectacular registers an extension when its class is defined: import them once.
        from . import openapi  # noqa: F401
