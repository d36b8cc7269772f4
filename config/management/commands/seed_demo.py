import os

from django.core.management.base import BaseCommand

from config.demo import PORT, build_demo_world, render_summary


class Command(BaseCommand):
    help = (
        "Crée ou met à jour le monde de démonstration : communes, services et tarifs, sites "
        "Wagtail, comptes de démonstration. Peut être relancée sans risque."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or PORT),
            help="Le port du serveur, pour les adresses affichées (par défaut : $PORT, ou 8000).",
        )

    def handle(self, *args, **options):
        self.stdout.write(render_summary(build_demo_world(), port=options["port"]))
