"""Card payments: top-ups started at the gateway, then settled from what the gateway reports.

The gateway is always called outside any transaction or row lock. What it reports (a webhook,
or its answer to a confirm call) is applied under a lock on the CardPayment row, through the
transition table below: the same report twice, or reports out of order, move money once."""

import json
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import ledger
from .exceptions import WalletError
from .gateways import GatewayEvent, GatewayPayment, PaymentGateway, gateway_for
from .gateways.base import GatewayError
from .gateways.limits import AmountOutOfRangeError, check_amount
from .gateways.offline import OfflineGateway
from .gateways.stripe import StripeGateway, event_from_payload
from .models import CardPayment, CardPaymentPurpose, CardPaymentStatus, GatewayEventRecord
from .money import euros
from .regies import platform_regie_of_pot_owner
from .signals import card_payment_settled, top_up_credited

logger = logging.getLogger(__name__)

PENDING = CardPaymentStatus.PENDING
SUCCEEDED = CardPaymentStatus.SUCCEEDED
FAILED = CardPaymentStatus.FAILED
CANCELED = CardPaymentStatus.CANCELED

# Which status the gateway may still move a payment to, from each status. A declined card does
# not end a PaymentIntent: the parent may pay it with another card, and Stripe delivers events
# in no guaranteed order, so FAILED may still become SUCCEEDED (and must then credit) or
# CANCELED. SUCCEEDED and CANCELED are final: a late payment_failed after a success, or any
# event after a cancellation, changes nothing. PENDING is never applied: it is "no news".
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({SUCCEEDED, FAILED, CANCELED}),
    FAILED: frozenset({SUCCEEDED, CANCELED}),
    SUCCEEDED: frozenset(),
    CANCELED: frozenset(),
}
FINAL_STATUSES = frozenset(status for status, after in TRANSITIONS.items() if not after)

# How each gateway's stored webhook payload is read back into a GatewayEvent.
EVENT_READERS = {StripeGateway.code: event_from_payload}
GATEWAY_LABELS = {
    StripeGateway.code: StripeGateway.label,
    OfflineGateway.code: OfflineGateway.label,
}


class GatewayUnavailableError(WalletError):
    """The gateway could not be reached, or refused the request (keys, outage)."""


def next_status(current: str, reported: str) -> str | None:
    """The status a payment moves to on this report, or None when the report changes nothing."""
    return reported if reported in TRANSITIONS[current] else None


# --- Top-ups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopUp:
    """A top-up as the parent's client needs it: the payment, and how to pay it."""

    payment: CardPayment
    gateway_label: str
    is_test: bool  # a test payment moves no real money: the client says so
    client_secret: str | None = None  # only when it starts: Stripe.js confirms the card with it
    publishable_key: str | None = None
    # Only when it starts, for PayFiP and the bank gateways: where to send the parent to pay.
    redirect_url: str | None = None


def top_up_amounts() -> list[Decimal]:
    return [Decimal(amount) for amount in settings.WALLET_TOP_UP_AMOUNTS]


def start_top_up(owner, amount) -> TopUp:
    """Ask the gateway for a card payment of one of the offered amounts, for the general pot.

    The platform régie holding the owner's general pot receives it, through its backend
    account. The CardPayment row is written first (so that what the gateway later reports has
    a row to settle), then the gateway is called, outside any transaction."""
    amount = _offered_amount(amount)
    regie = platform_regie_of_pot_owner(owner)
    try:
        check_amount(regie.backend, amount)
    except AmountOutOfRangeError as error:
        raise ValidationError({"amount": str(error)}) from error
    gateway = gateway_for(regie.backend)
    payment = CardPayment.objects.create(
        owner=owner,
        purpose=CardPaymentPurpose.TOP_UP,
        amount=amount,
        gateway=gateway.code,
        backend=regie.backend,
        regie=regie,
        # Also the gateway's idempotency key: a retried call gives back the same payment.
        idempotency_key=f"top-up:{uuid.uuid4().hex}",
    )
    try:
        reported = gateway.create_payment(
            amount=amount,
            reference=payment_reference(payment),
            description=_("Rechargement du porte-monnaie"),
            idempotency_key=payment.idempotency_key,
            # PayFiP e-mails the payer its receipt: its request must carry the address.
            **({"email": owner.email} if getattr(gateway, "needs_payer_email", False) else {}),
        )
    except GatewayError as error:
        logger.exception("Card gateway %s refused top-up %s", gateway.code, payment.pk)
        now = timezone.now()
        CardPayment.objects.filter(pk=payment.pk, status=PENDING).update(
            status=FAILED, settled_at=now, updated_at=now
        )
        raise GatewayUnavailableError(
            _(
                "Le paiement par carte est momentanément indisponible et rien n'a été débité. "
                "Réessayez dans quelques minutes."
            )
        ) from error
    payment.gateway_reference = reported.reference
    payment.save(update_fields=["gateway_reference", "updated_at"])
    return TopUp(
        payment=payment,
        gateway_label=str(gateway.label),
        is_test=gateway.is_test,
        client_secret=reported.client_secret,
        publishable_key=gateway.publishable_key,
        redirect_url=reported.redirect_url,
    )


def describe_top_up(payment: CardPayment) -> TopUp:
    """A top-up read back later: no client secret (it is handed out once, when it starts)."""
    current = gateway_of_payment(payment)
    if current.code == payment.gateway:
        return TopUp(payment, str(current.label), current.is_test)
    label = GATEWAY_LABELS.get(payment.gateway, payment.gateway)
    return TopUp(payment, str(label), payment.gateway == OfflineGateway.code)


def gateway_of_payment(payment: CardPayment) -> PaymentGateway:
    """The gateway of the backend account that takes `payment` (the platform's before régies)."""
    return gateway_for(payment.backend if payment.backend_id else None)


def payment_reference(payment: CardPayment) -> str:
    """Our reference for a payment, sent to the gateway (Stripe: metadata.reference)."""
    return f"card-payment:{payment.pk}"


def _offered_amount(amount) -> Decimal:
    offered = top_up_amounts()
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or value not in offered:
        raise ValidationError({"amount": _amount_not_offered_message(offered)})
    return value.quantize(Decimal("0.01"))


def _amount_not_offered_message(offered: list[Decimal]) -> str:
    amounts = [euros(amount) for amount in offered]
    listed = (
        amounts[0]
        if len(amounts) == 1
        else _("%(first)s ou %(last)s")
        % {
            "first": ", ".join(amounts[:-1]),
            "last": amounts[-1],
        }
    )
    return _("Montant non proposé : choisissez %(amounts)s.") % {"amounts": listed}


# --- Settling --------------------------------------------------------------------------------


def settle_card_payment(reported: GatewayPayment) -> CardPayment | None:
    """Apply what the gateway reports about a payment; None if no payment of ours matches.

    Idempotent and order-indifferent: the row is locked, the transition table decides, and a
    top-up is credited under a ledger idempotency key. For an order, `card_payment_settled`
    tells the commerce layer, inside this transaction."""
    with transaction.atomic():
        payment = _lock_payment(reported)
        if payment is None:
            logger.warning("No card payment for %s %s", reported.gateway, reported.reference)
            return None
        status = next_status(payment.status, reported.status)
        if status is None:
            return payment
        if not _same_amount(payment, reported):
            logger.error(
                "Card payment %s: the gateway reports %s %s, we asked %s %s; left as %s.",
                payment.pk,
                reported.amount,
                reported.currency,
                payment.amount,
                payment.currency,
                payment.status,
            )
            return payment
        payment.status = status
        payment.settled_at = timezone.now()
        if status == SUCCEEDED and payment.purpose == CardPaymentPurpose.TOP_UP:
            payment.transfer = ledger.credit_top_up(
                payment.owner,
                payment.amount,
                reference=f"top-up:{payment.pk}",
                idempotency_key=f"card-payment:{payment.pk}",
                regie_id=payment.regie_id,
            )
        payment.save(update_fields=["status", "settled_at", "transfer", "updated_at"])
        if status == SUCCEEDED and payment.purpose == CardPaymentPurpose.TOP_UP:
            top_up_credited.send(sender=CardPayment, payment=payment)
        if payment.purpose in (CardPaymentPurpose.ORDER, CardPaymentPurpose.INVOICE):
            # The order (shop/) or the invoice (billing/) it pays is theirs to update.
            card_payment_settled.send(sender=CardPayment, payment=payment)
    return payment


def confirm_card_payment(owner, payment_id: int) -> CardPayment:
    """Ask the gateway where a payment stands and settle it: for when the webhook is late.

    Another owner's payment raises CardPayment.DoesNotExist, as a missing one does."""
    payment = CardPayment.objects.get(pk=payment_id, owner=owner)
    if payment.status in FINAL_STATUSES or not payment.gateway_reference:
        return payment
    gateway = gateway_of_payment(payment)
    if gateway.code != payment.gateway:
        # Started with a gateway no longer configured: only its own reports can settle it.
        return payment
    try:
        reported = gateway.retrieve_payment(payment.gateway_reference)
    except GatewayError as error:
        logger.exception("Card gateway %s: cannot read payment %s", gateway.code, payment.pk)
        raise GatewayUnavailableError(
            _(
                "Impossible de vérifier le paiement pour le moment. S'il a abouti, votre "
                "porte-monnaie sera crédité automatiquement ; sinon réessayez plus tard."
            )
        ) from error
    return settle_card_payment(reported) or payment


def _lock_payment(reported: GatewayPayment) -> CardPayment | None:
    locked = CardPayment.objects.select_for_update()
    payment = locked.filter(gateway=reported.gateway, gateway_reference=reported.reference).first()
    if payment is not None:
        return payment
    # The gateway answered start_top_up but its reference was never stored (the process died
    # in between): our own reference, sent as metadata, still finds the payment.
    ours = (reported.metadata or {}).get("reference", "")
    prefix, _sep, pk = ours.partition(":")
    if prefix != "card-payment" or not pk.isdigit():
        return None
    payment = locked.filter(
        pk=int(pk), gateway=reported.gateway, gateway_reference__isnull=True
    ).first()
    if payment is not None:
        payment.gateway_reference = reported.reference
        payment.save(update_fields=["gateway_reference", "updated_at"])
    return payment


def _same_amount(payment: CardPayment, reported: GatewayPayment) -> bool:
    if reported.amount is None:  # the offline gateway keeps nothing, so it cannot say
        return True
    return reported.amount == payment.amount and reported.currency == payment.currency


# --- Gateway events (webhooks) ---------------------------------------------------------------


def receive_webhook(gateway: PaymentGateway, payload: bytes, signature_header: str):
    """Verify a webhook and record its event once; returns (record, created).

    Raises InvalidWebhookSignature before anything is stored. Processing is queued after
    commit (wallet.tasks.process_gateway_event); a redelivered event that was recorded but never
    processed (the queue was down) is queued again, which is harmless: processing is idempotent."""
    from .tasks import process_gateway_event

    event: GatewayEvent = gateway.parse_webhook(payload, signature_header)
    with transaction.atomic():
        record, created = GatewayEventRecord.objects.get_or_create(
            gateway=gateway.code,
            event_id=event.id,
            defaults={"event_type": event.type, "payload": json.loads(payload)},
        )
        if created or record.processed_at is None:
            transaction.on_commit(partial(process_gateway_event.delay, record.pk))
    return record, created


def apply_gateway_event(record_id: int) -> None:
    """Process a recorded event once: settle the payment it reports on, if any."""
    with transaction.atomic():
        record = GatewayEventRecord.objects.select_for_update().get(pk=record_id)
        if record.processed_at is not None:
            return
        event = EVENT_READERS[record.gateway](record.payload)
        # Events about anything but a payment (charge.*, payout.*) are acknowledged and kept.
        if event.payment is not None:
            settle_card_payment(event.payment)
        record.processed_at = timezone.now()
        record.save(update_fields=["processed_at"])
