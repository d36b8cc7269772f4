from django.core.management.base import BaseCommand

from search.indexing import sync_all_services


class Command(BaseCommand):
    help = (
        "Rebuild the search entries of every catalogue service (first deployment, bulk import); "
        "then `manage.py update_index` rebuilds the whole search index if needed."
    )

    def handle(self, *args, **options):
        count = sync_all_services()
        self.stdout.write(f"{count} service(s) réservable(s) indexé(s).")
