"""The caterer's automatic headcount as a periodic Celery task (CELERY_BEAT_SCHEDULE, every
few minutes): idempotent, each service day is frozen and e-mailed once (reservations/caterer.py).
Imported by ReservationsConfig.ready(): Celery's autodiscovery reads `tasks` modules only."""

from celery import shared_task

from .caterer import freeze_due_headcounts


@shared_task(name="reservations.caterer_tasks.send_caterer_headcounts")
def send_caterer_headcounts() -> int:
    """Freeze and send every service day whose booking deadline has passed; the number sent."""
    return freeze_due_headcounts()
