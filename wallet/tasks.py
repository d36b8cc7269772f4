"""The wallet's Celery tasks: each takes ids or nothing, is idempotent, and calls the wallet's
own modules."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import mail_admins
from django.db import OperationalError, transaction
from django.utils import timezone

from . import gateways, integrity, numbering, payments
from .gateways.base import GatewayError, PaymentStatus
from .models import CardPayment, CardPaymentPurpose, CardPaymentStatus
from .signals import card_payment_settled

logger = logging.getLogger(__name__)


# --- Ledger integrity ------------------------------------------------------------------------


@shared_task
def check_ledger_integrity() -> dict[str, int]:
    """Scheduled (CELERY_BEAT_SCHEDULE): check the ledger's invariants and, when one is broken,
    log it at ERROR level and e-mail the administrators. Returns the number of each problem."""
    report = integrity.check_ledger()
    if not report.ok:
        details = report.describe()
        logger.error(details, extra={"ledger_integrity": report.counts})
        mail_admins("Porte-monnaie : incohérence dans le grand livre", details)
    return report.counts


# --- Gateway events (webhooks) ---------------------------------------------------------------


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def process_gateway_event(self, record_id: int) -> None:
    """Settle what one recorded webhook event reports (queued by the webhook view after commit).
    Idempotent: an event already processed is left alone, however many times it is queued."""
    payments.apply_gateway_event(record_id)


# --- Card payments of orders (the checkout, shop/payment/) -----------------------------------


@shared_task
def expire_card_payments() -> int:
    """Scheduled (CELERY_BEAT_SCHEDULE): cancel the card payments of orders and of invoices
    still unpaid after CARD_PAYMENT_TIMEOUT_MINUTES, at the gateway first. `card_payment_settled`
    then cancels each order and returns its wallet part to the pots; an invoice simply stays
    to pay (a new payment may be started). Returns how many were cancelled."""
    cutoff = timezone.now() - timedelta(minutes=settings.CARD_PAYMENT_TIMEOUT_MINUTES)
    # A declined card (FAILED) leaves the payment open for another card until it expires too.
    stale = CardPayment.objects.filter(
        purpose__in=[CardPaymentPurpose.ORDER, CardPaymentPurpose.INVOICE],
        status__in=[CardPaymentStatus.PENDING, CardPaymentStatus.FAILED],
        created_at__lt=cutoff,
    ).order_by("pk")
    return sum(1 for payment_id in list(stale.values_list("pk", flat=True)) if _expire(payment_id))


def _expire(payment_id: int) -> bool:
    payment = CardPayment.objects.get(pk=payment_id)
    if payment.gateway_reference:
        # Outside any transaction: the gateway may be slow, and nothing is locked meanwhile.
        reported = _cancel_at_gateway(payment)
        if reported is None:
            return False
        if reported.status != PaymentStatus.CANCELED:
            # Paid (or still paying) at the last minute: the gateway's word settles it.
            payments.settle_card_payment(reported)
            return False
    with transaction.atomic():
        payment = CardPayment.objects.select_for_update().get(pk=payment_id)
        if payment.status not in (CardPaymentStatus.PENDING, CardPaymentStatus.FAILED):
            return False
        payment.status = CardPaymentStatus.CANCELED
        payment.settled_at = timezone.now()
        payment.save(update_fields=["status", "settled_at", "updated_at"])
        card_payment_settled.send(sender=CardPayment, payment=payment)
    return True


def _cancel_at_gateway(payment: CardPayment):
    """What the gateway says of the payment once asked to cancel it; None when it cannot say
    (unreachable, or another gateway than the configured one): the next run asks again."""
    gateway = gateways.gateway_of_payment(payment)
    if gateway.code != payment.gateway:
        logger.warning("Card payment %s belongs to gateway %s", payment.pk, payment.gateway)
        return None
    try:
        if hasattr(gateway, "payer_url"):
            # PayFiP cannot cancel; given when the idOp started, it tells an expired one.
            return gateway.cancel_payment(payment.gateway_reference, started_at=payment.created_at)
        return gateway.cancel_payment(payment.gateway_reference)
    except GatewayError:
        # A payment that succeeded meanwhile cannot be cancelled: ask where it stands.
        logger.info("Card payment %s not cancelled at %s", payment.pk, gateway.code, exc_info=True)
    try:
        return gateway.retrieve_payment(payment.gateway_reference)
    except GatewayError:
        logger.exception("Card gateway %s unreachable for payment %s", gateway.code, payment.pk)
        return None


# --- Unfinished PayFiP payments (no webhook to rely on) --------------------------------------

# Left alone for the payer's first minutes (the return or the notification usually comes then),
# and given up after a day: PayFiP forgets an unpaid idOp overnight, and by then eopayment has
# long read "no result yet" as expired, which cancels it.
POLL_AFTER = timedelta(minutes=2)
POLL_FOR = timedelta(days=1)


@shared_task
def poll_unfinished_payments() -> int:
    """Scheduled (CELERY_BEAT_SCHEDULE): ask the backend where each unfinished card payment of
    a backend that can be asked (PayFiP) stands, and settle what it says. Each is asked outside
    any transaction; settling is idempotent. Returns how many changed status."""
    from .gateways.eopayment import pollable_kinds

    now = timezone.now()
    unfinished = (
        CardPayment.objects.filter(
            status__in=[CardPaymentStatus.PENDING, CardPaymentStatus.FAILED],
            backend__kind__in=pollable_kinds(),
            gateway_reference__isnull=False,
            created_at__lt=now - POLL_AFTER,
            created_at__gte=now - POLL_FOR,
        )
        .exclude(gateway_reference="")
        .order_by("pk")
    )
    return sum(
        1 for payment_id in list(unfinished.values_list("pk", flat=True)) if _poll(payment_id)
    )


def _poll(payment_id: int) -> bool:
    payment = CardPayment.objects.select_related("backend").get(pk=payment_id)
    gateway = gateways.gateway_of_payment(payment)
    if gateway.code != payment.gateway:
        logger.warning("Card payment %s belongs to gateway %s", payment.pk, payment.gateway)
        return False
    try:
        # Its start tells eopayment a payment still being paid from one that never will be.
        reported = gateway.retrieve_payment(
            payment.gateway_reference, started_at=payment.created_at
        )
    except GatewayError:
        logger.warning("Card gateway %s: cannot ask about payment %s", gateway.code, payment.pk)
        return False
    settled = payments.settle_card_payment(reported)
    return settled is not None and settled.status != payment.status


# --- Receipt numbers (wallet/numbering.py) ---------------------------------------------------


@shared_task
def number_order_shares(order_number: str) -> int:
    """After a checkout or a settlement committed: number the order's paid shares."""
    return numbering.number_paid_shares(order_number)


@shared_task
def number_paid_shares() -> int:
    """Scheduled (CELERY_BEAT_SCHEDULE): number the paid shares that were not numbered after
    their checkout committed (the process stopped in between). Returns how many."""
    return numbering.number_paid_shares()
