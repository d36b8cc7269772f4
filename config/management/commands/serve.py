import logging

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from config.scheduler import start_if_no_broker

logger = logging.getLogger(__name__)
# Where config/demo.py's PayFiP account (payfip_base_url) finds the fake PayFiP.
FAKE_PAYFIP_PORT = 8765


def start_fake_payfip():
    """The fake PayFiP of tests/fakes/ on 127.0.0.1:8765, for the demo's PayFiP régie; None when
    the port is taken (another `make run`, or a fake started by hand, already answers there)."""
    from tests.fakes.payfip_server import FakePayFiP

    try:
        return FakePayFiP(port=FAKE_PAYFIP_PORT).start()
    except OSError as error:
        logger.warning("Fake PayFiP not started on port %s: %s", FAKE_PAYFIP_PORT, error)
        return None


class Command(RunserverCommand):
    help = (
        "Lance le serveur de développement (runserver) et, sans broker Celery, les tâches "
        "périodiques de CELERY_BEAT_SCHEDULE dans le même processus (make run) ; avec "
        "DEMO_FAKE_PAYFIP, le faux PayFiP de la démo sur 127.0.0.1:8765."
    )

    scheduler = None
    fake_payfip = None

    def on_bind(self, server_port):
        super().on_bind(server_port)
        # Under the autoreloader only the child process that serves requests binds the port:
        # the tasks run once, and a reload starts them again with the new code.
        self.scheduler = start_if_no_broker(settings)
        if getattr(settings, "DEMO_FAKE_PAYFIP", False):
            self.fake_payfip = start_fake_payfip()

    def inner_run(self, *args, **options):
        try:
            super().inner_run(*args, **options)
        finally:
            if self.scheduler is not None:
                self.scheduler.stop()
            if self.fake_payfip is not None:
                self.fake_payfip.stop()
