from django.core.management.base import BaseCommand

from config.demo import build_demo_world, render_summary


class Command(BaseCommand):
    help = (
        "Crée ou met à jour le monde de démonstration : communes, services et tarifs, sites "
        "Wagtail, comptes de démonstration. Peut être relancée sans risque."
    )

    def handle(self, *args, **options):
        self.stdout.write(render_summary(build_demo_world()))
