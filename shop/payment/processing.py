"""The order side of wallet and card payments, after Oscar's order.processing: the charges a
basket makes, the payment records Oscar keeps (sources, transactions, payment events), the card
payment the parent's browser confirms, and what a settled card payment does to its order.

The wallet never imports this: it announces settled card payments with
`wallet.signals.card_payment_settled`, and receivers.py answers here."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from hashlib import md5

from django.conf import settings
from django.core.cache import cache
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from wallet import gateways, ledger
from wallet.gateways.base import GatewayError
from wallet.ledger import Charge
from wallet.models import (
    CardPayment,
    CardPaymentPurpose,
    CardPaymentStatus,
    RegieShare,
    Transfer,
)
from wallet.payments import GatewayUnavailableError, payment_reference
from wallet.regies import regie_ids_of_services
from wallet.rules import CENT, ZERO

from .constants import (
    CARD_PAYMENT_EVENT,
    CARD_SOURCE,
    WALLET_REFUND_EVENT,
    WALLET_SOURCE,
    PaymentMethod,
)

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")


# --- Checkout --------------------------------------------------------------------------------


def basket_charges(basket) -> list[Charge]:
    """What the basket owes each service (a line's parent product) of each commune (the line's
    stock record partner), at the prices the basket's strategy gave its lines."""
    lines = list(basket.all_lines())
    service_ids = [line.product.parent_id or line.product.pk for line in lines]
    regies = regie_ids_of_services(set(service_ids))
    return [
        Charge(
            service_id=service_id,
            commune_id=line.stockrecord.partner_id,
            amount=line.line_price_incl_tax_incl_discounts.quantize(CENT),
            regie_id=regies[service_id],
        )
        for line, service_id in zip(lines, service_ids, strict=True)
    ]


def source_type(code_and_name: tuple[str, str]):
    code, name = code_and_name
    return SourceType.objects.get_or_create(code=code, defaults={"name": name})[0]


def event_type(name: str):
    return PaymentEventType.objects.get_or_create(name=name)[0]


# Payment source and event types are a handful of rows, created once and never deleted: cached,
# a checkout need not read them.
PAYMENT_TYPES_CACHE_SECONDS = 60 * 60


def source_and_event_types(code_and_name: tuple[str, str], event_name: str):
    """The payment source type and the payment event type a payment records, from the cache or
    read in one statement (each created the first time it is needed)."""
    # The event's name is French text: its digest keeps the key ASCII, as cache backends want.
    key = f"shop:payment-types:{code_and_name[0]}:{md5(event_name.encode()).hexdigest()}"
    types = cache.get(key)
    if types is None:
        types = _read_source_and_event_types(code_and_name, event_name)
        cache.set(key, types, PAYMENT_TYPES_CACHE_SECONDS)
    return types


def _read_source_and_event_types(code_and_name: tuple[str, str], event_name: str):
    code, _name = code_and_name
    found = (
        SourceType.objects.filter(code=code)
        .annotate(
            event_type_id=Subquery(
                PaymentEventType.objects.filter(name=event_name).values("pk")[:1]
            )
        )
        .first()
    )
    if found is None or found.event_type_id is None:
        return source_type(code_and_name), event_type(event_name)
    # The event type's row, as read: only its id is written on the event.
    return found, PaymentEventType(pk=found.event_type_id, name=event_name)


def record_payment_event(order, name: str, amount: Decimal, reference: str):
    """A payment event over every line of the order, its quantities written in one statement."""
    event = PaymentEvent.objects.create(
        order=order, event_type=event_type(name), amount=amount, reference=reference
    )
    PaymentEventQuantity.objects.bulk_create(
        PaymentEventQuantity(event=event, line_id=line_id, quantity=quantity)
        for line_id, quantity in order.lines.values_list("pk", "quantity")
    )
    return event


@dataclass
class PaymentOutcome:
    """How an order is paid: the wallet's part is debited, the card's waits for the gateway,
    in one step per backend account (shop/payment/shares.py)."""

    method: str
    wallet_amount: Decimal
    card_amount: Decimal
    steps: list = field(default_factory=list)  # shares.PaymentStep, in order

    @property
    def card_payment(self) -> CardPayment | None:
        """The step to pay now: the first whose card payment is not settled; None when every
        step is (or there is none)."""
        for step in self.steps:
            if step.card_payment.status not in FINAL_CARD_STATUSES:
                return step.card_payment
        return None

    @property
    def current_step(self):
        payment = self.card_payment
        return next((s for s in self.steps if s.card_payment is payment), None)


FINAL_CARD_STATUSES = (CardPaymentStatus.SUCCEEDED, CardPaymentStatus.CANCELED)


def outcome_of(order) -> PaymentOutcome:
    """The payment of an order already placed, read back (the same checkout sent again, the
    payment page): its wallet part and its steps, with their shares and régies."""
    from .shares import PaymentStep, ShareAmounts

    wallet_sources = Source.objects.filter(order=order, source_type__code=WALLET_SOURCE[0])
    wallet_amount = sum((s.amount_debited for s in wallet_sources), ZERO)
    payments = list(
        CardPayment.objects.filter(
            purpose=CardPaymentPurpose.ORDER, order_number=order.number
        ).order_by("step", "pk")
    )
    if not payments:
        return PaymentOutcome(PaymentMethod.WALLET, wallet_amount, ZERO)
    shares_of = defaultdict(list)
    for share in RegieShare.objects.filter(order_number=order.number).select_related(
        "regie__backend"
    ):
        if share.card_payment_id:
            shares_of[share.card_payment_id].append(
                ShareAmounts(share.regie, share.amount, share.wallet_amount)
            )
    steps = [
        PaymentStep(number=n, of=len(payments), shares=shares_of[p.pk], card_payment=p)
        for n, p in enumerate(payments, start=1)
    ]
    method = PaymentMethod.WALLET_AND_CARD if wallet_amount else PaymentMethod.CARD
    card_amount = sum((p.amount for p in payments), ZERO)
    return PaymentOutcome(method, wallet_amount, card_amount, steps)


# --- Card details for the browser ------------------------------------------------------------


@dataclass(frozen=True)
class CardDetails:
    """What the parent's browser needs to pay the card part (Stripe.js: client_secret and
    publishable_key), and whether it is a test payment that moves no real money."""

    amount: Decimal
    status: str
    gateway: str
    gateway_label: str
    is_test: bool
    client_secret: str | None = None
    publishable_key: str | None = None
    redirect_url: str | None = None  # a redirecting gateway's page (PayFiP, bank gateways)
    # A bank gateway's (Paybox, Systempay) signed form, POSTed by the browser: method, fields.
    form: dict | None = None


def card_details(payment: CardPayment) -> CardDetails:
    """Ask the gateway for the payment of `payment`, creating it the first time.

    Called once the checkout transaction has committed, never under a lock. The gateway gets
    the CardPayment's idempotency key, so asking again (a double click, a retry after the gateway
    failed) gives back the same payment."""
    gateway = gateways.gateway_of_payment(payment)
    reported = None
    # Declined (FAILED) is not final: the same payment takes another card until it expires, so
    # the browser gets its card form (client secret) again, as for a payment not tried yet.
    if payment.status in (CardPaymentStatus.PENDING, CardPaymentStatus.FAILED):
        try:
            reported = _gateway_payment(gateway, payment)
        except GatewayError as error:
            logger.exception(
                "Card gateway %s: no payment for order %s", gateway.code, payment.order_number
            )
            raise GatewayUnavailableError(
                _(
                    "Le paiement par carte est momentanément indisponible. Votre commande "
                    "%(number)s attend son paiement : renvoyez la même demande dans quelques "
                    "instants. Sans paiement, elle sera annulée dans %(minutes)s minutes et le "
                    "porte-monnaie recrédité."
                )
                % {"number": payment.order_number, "minutes": _timeout_minutes()}
            ) from error
    return CardDetails(
        amount=payment.amount,
        status=payment.status,
        gateway=gateway.code,
        gateway_label=str(gateway.label),
        is_test=bool(gateway.is_test),
        client_secret=reported.client_secret if reported else None,
        publishable_key=gateway.publishable_key,
        redirect_url=getattr(reported, "redirect_url", None) if reported else None,
        form=(reported.metadata or {}).get("form") if reported else None,
    )


def _gateway_payment(gateway, payment: CardPayment):
    if payment.gateway_reference:
        if hasattr(gateway, "payer_url") and (
            payment.status == CardPaymentStatus.FAILED
            or gateway.payer_url(payment.gateway_reference) is None
        ):
            # PayFiP's refusal is final for its idOp: another card is another payment. A bank
            # gateway's signed form is given only when a payment is asked: ask again.
            return _ask_again(gateway, payment)
        reported = gateway.retrieve_payment(payment.gateway_reference)
        if hasattr(gateway, "payer_url"):
            # A redirecting gateway (PayFiP): its page, for the payment asked earlier.
            reported = replace(reported, redirect_url=gateway.payer_url(reported.reference))
        return reported
    reported = gateway.create_payment(**_payment_request(gateway, payment))
    stored = CardPayment.objects.filter(pk=payment.pk, gateway_reference__isnull=True).update(
        gateway_reference=reported.reference, updated_at=timezone.now()
    )
    if stored:
        payment.gateway_reference = reported.reference
        return reported
    # A concurrent request (the same checkout sent twice) stored its answer first: use that one.
    payment.refresh_from_db()
    if payment.gateway_reference == reported.reference:
        return reported
    return gateway.retrieve_payment(payment.gateway_reference)


def _payment_request(gateway, payment: CardPayment, attempt: int = 0) -> dict:
    request = {
        "amount": payment.amount,
        # wallet.payments finds a payment by this reference when its gateway id was never stored.
        "reference": payment_reference(payment),
        "description": _("Commande %(number)s — Portail Famille")
        % {"number": payment.order_number},
        "idempotency_key": payment.idempotency_key + (f":{attempt}" if attempt else ""),
    }
    if getattr(gateway, "needs_payer_email", False):
        # PayFiP and Paybox e-mail the payer their receipt.
        request["email"] = payment.owner.email
    return request


def _ask_again(gateway, payment: CardPayment):
    """A new payment at the gateway for one it will not take again (declined at PayFiP; a bank
    gateway's form, given once); the CardPayment keeps its row (its order's step) and now
    follows the new reference."""
    attempt = int(timezone.now().timestamp())
    reported = gateway.create_payment(**_payment_request(gateway, payment, attempt))
    CardPayment.objects.filter(pk=payment.pk, status=payment.status).update(
        gateway_reference=reported.reference, updated_at=timezone.now()
    )
    payment.gateway_reference = reported.reference
    return reported


def _timeout_minutes() -> int:
    return settings.CARD_PAYMENT_TIMEOUT_MINUTES


# --- Settlement ------------------------------------------------------------------------------


def settle_order(payment: CardPayment) -> None:
    """Apply a settled card payment (one step) to its order, inside the transaction that settled
    it (shop/payment/settlement.py). The order row is locked and each share's status decides,
    so the same settlement twice changes nothing."""
    from . import settlement

    order = Order.objects.select_for_update().filter(number=payment.order_number).first()
    if order is None:
        logger.error(
            "Card payment %s settled for an unknown order %s", payment.pk, payment.order_number
        )
        return
    if payment.status == CardPaymentStatus.SUCCEEDED:
        settlement.step_paid(order, payment)
    elif payment.status == CardPaymentStatus.CANCELED:
        settlement.step_cancelled(order, payment)
    # A declined card (FAILED) leaves its step payable with another card until it expires.


def record_card_source(order, payment: CardPayment) -> None:
    """Oscar's record of a card payment on the order: a source, its transaction, an event."""
    reference = payment.gateway_reference or ""
    source = Source.objects.create(
        order=order,
        source_type=source_type(CARD_SOURCE),
        currency=payment.currency,
        amount_allocated=payment.amount,
        amount_debited=payment.amount,
        reference=reference,
        label=_("Carte bancaire (%(gateway)s)") % {"gateway": payment.gateway},
    )
    source.transactions.create(
        txn_type=Transaction.DEBIT, amount=payment.amount, reference=reference, status="succeeded"
    )
    record_payment_event(order, CARD_PAYMENT_EVENT, payment.amount, reference)


def credit_late_card_payment(order, payment: CardPayment, regie_id: int | None) -> None:
    """The card was charged after its share was given up (paid with another card after a
    decline, or just as it expired). The money is the parent's: it goes to the general pot,
    received by the régie whose backend took it."""
    ledger.credit_top_up(
        order.user,
        payment.amount,
        reference=order.number,
        idempotency_key=f"card-payment:{payment.pk}",
        regie_id=regie_id,
    )
    logger.warning(
        "Card payment %s succeeded for cancelled order %s: credited to the wallet.",
        payment.pk,
        order.number,
    )


def wallet_source(order):
    """The order's wallet payment source, locked (None: the wallet paid nothing)."""
    return (
        Source.objects.select_for_update()
        .filter(order=order, source_type__code=WALLET_SOURCE[0])
        .order_by("pk")
        .first()
    )


def refund_wallet_share(order, source, regie_id: int, amount: Decimal) -> None:
    """Return what the wallet paid of one régie's share to the very pots that paid it: the
    purchase's legs of that régie, mirrored."""
    original = Transfer.objects.get(pk=int(source.reference))
    reversal = ledger.reverse_transfer(
        original,
        reason=_("Commande %(number)s : paiement par carte non abouti, part remboursée")
        % {"number": order.number},
        idempotency_key=f"reversal:{original.idempotency_key}:r{regie_id}",
        actor_role=ActorRole.SYSTEM,
        regie_ids={regie_id},
    )
    if reversal is None:
        return
    source.refund(amount, reference=str(reversal.pk), status="refunded")
    record_payment_event(order, WALLET_REFUND_EVENT, amount, str(reversal.pk))
