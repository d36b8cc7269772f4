"""Celery tasks of billing (CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task
from django.core.mail import mail_admins

from . import integrity

logger = logging.getLogger(__name__)


@shared_task
def check_billing_integrity() -> int:
    """Scheduled beside the ledger's check: an invoice whose total, paid amount or revenue
    disagrees with what is written is logged at ERROR level and e-mailed to the
    administrators. Returns the number of problems."""
    report = integrity.check_billing()
    if not report.ok:
        details = report.describe()
        logger.error(details, extra={"billing_integrity": len(report.problems)})
        mail_admins("Facturation : incohérence dans les factures", details)
    return len(report.problems)
