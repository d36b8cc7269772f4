"""Celery tasks of search: take ids, idempotent (each rebuilds from what is committed)."""

from celery import shared_task
from django.db import IntegrityError, OperationalError

from . import indexing

# Two workers rebuilding the same new service at once: the loser's insert fails, and its retry
# finds the row and updates it.
RETRY = {
    "autoretry_for": (IntegrityError, OperationalError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def reindex_service(product_id: int) -> None:
    """Rebuild the search entry of a service, given its id or one of its tariff options' id."""
    indexing.sync_service(product_id)


@shared_task(**RETRY)
def reindex_commune(partner_id: int) -> None:
    """Rebuild the search entries of every service a commune (Oscar partner) prices."""
    for product_id in indexing.services_of_commune(partner_id):
        indexing.sync_service(product_id)
