from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from config.scheduler import start_if_no_broker


class Command(RunserverCommand):
    help = (
        "Lance le serveur de développement (runserver) et, sans broker Celery, les tâches "
        "périodiques de CELERY_BEAT_SCHEDULE dans le même processus (make run)."
    )

    scheduler = None

    def on_bind(self, server_port):
        super().on_bind(server_port)
        # Under the autoreloader only the child process that serves requests binds the port:
        # the tasks run once, and a reload starts them again with the new code.
        self.scheduler = start_if_no_broker(settings)

    def inner_run(self, *args, **options):
        try:
            super().inner_run(*args, **options)
        finally:
            if self.scheduler is not None:
                self.scheduler.stop()
