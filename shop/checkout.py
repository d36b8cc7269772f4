"""The checkout: a family's basket placed as an Oscar order and paid with the porte-monnaie, a
card, or both. One use case for every front end: POST /api/checkout/, the parent's checkout
page and the agent's booking screen call `checkout()` with plain arguments; none of them holds a
request or a serializer here.

The sequence is Oscar's `OrderPlacementMixin` (handle_payment, then place_order, with payment
sources and events), in one transaction that starts by locking the basket row: the same checkout
sent twice (a double click) places one order and debits once, the second call waiting, then
answering with the order the first placed. The card gateway is asked only after the commit
(shop.payment.processing.card_details), never under a row lock."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from oscar.apps.checkout.mixins import OrderPlacementMixin
from oscar.core.loading import get_class, get_model

from accounts.roles import ActorRole
from reservations.revalidation import revalidate_basket
from shop.order.creator import BulkOrderCreator, checkout_lines
from shop.payment import post_paid, processing, shares
from shop.payment.constants import (
    ORDER_PAID,
    ORDER_PENDING,
    WALLET_DEBIT_EVENT,
    WALLET_SOURCE,
    PaymentMethod,
)
from shop.payment.exceptions import (
    BasketNotFound,
    BasketNotPayable,
    TotalChanged,
    WalletShortfall,
)
from wallet import gateways, ledger
from wallet.exceptions import InsufficientFundsError
from wallet.models import CardPayment, CardPaymentPurpose
from wallet.money import euros
from wallet.regies import ServiceWithoutRegie
from wallet.rules import ZERO, split_payment

__all__ = ["CheckoutResult", "checkout"]

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Order = get_model("order", "Order")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
Repository = get_class("shipping.repository", "Repository")
Selector = get_class("partner.strategy", "Selector")
Source = get_model("payment", "Source")
Transaction = get_model("payment", "Transaction")


@dataclass(frozen=True)
class CheckoutResult:
    order: object
    outcome: processing.PaymentOutcome
    placed_now: bool  # False: the order placed earlier for this basket, answered again


def checkout(
    basket_id: int,
    *,
    payer,
    payment_method: str,
    actor=None,
    actor_role: str = ActorRole.PARENT,
    expected_total: Decimal | None = None,
) -> CheckoutResult:
    """Place and pay `payer`'s basket `basket_id`; `actor` (the payer by default) is who acts:
    the parent, or an agent booking for the family (`actor_role` "agent"), recorded on the
    wallet debit and on the bookings. A total other than `expected_total` (what the payer
    saw) is refused.

    Raises CheckoutRefused (BasketNotFound, BasketNotPayable, TotalChanged), UnableToTakePayment
    (WalletShortfall with `missing`, CardAmountTooSmall, CardAmountTooLarge) or BookingRefused;
    nothing is written then."""
    if payment_method not in PaymentMethod.values:
        raise ValueError(f"Unknown payment method {payment_method!r}")
    with transaction.atomic():
        basket = _locked_basket(payer, basket_id)
        if basket is None:
            raise BasketNotFound(_("Aucun panier de ce numéro à votre nom."))
        # Read after the lock, in a statement of its own: one waiting for the lock (the same
        # checkout sent twice) sees the order the first one committed.
        order = Order.objects.filter(basket=basket).first()
        if order is not None:
            return CheckoutResult(order, processing.outcome_of(order), placed_now=False)
        placement = OrderPlacement(payer, actor or payer, actor_role)
        order = placement.place(basket, payment_method, expected_total)
    return CheckoutResult(order, placement.outcome, placed_now=True)


def _locked_basket(payer, basket_id: int):
    """`payer`'s basket `basket_id`, its row locked, or None. The same statement says whether
    the basket holds a voucher and whether a site offer is running (else Oscar's offers are
    not applied at all: nothing could apply). Both as of the statement's start: a voucher
    added while it waited is not applied, nor its use recorded (shop.order.creator)."""
    return (
        Basket.objects.select_for_update(of=("self",))
        .filter(owner=payer, pk=basket_id)
        .annotate(
            holds_voucher=Exists(Basket.vouchers.through.objects.filter(basket=OuterRef("pk"))),
            site_offer_running=Exists(
                ConditionalOffer.active.filter(offer_type=ConditionalOffer.SITE)
            ),
        )
        .first()
    )


class OrderPlacement(OrderPlacementMixin):
    """Oscar's order placement, without a view: the payer's strategy prices the basket (the
    prices frozen on its lines), nothing ships, and our BulkOrderCreator writes the order."""

    outcome: processing.PaymentOutcome | None = None
    _shares: dict = {}

    def __init__(self, payer, actor, actor_role: str):
        self.payer = payer
        self.actor = actor
        self.actor_role = actor_role

    def place(self, basket, payment_method: str, expected_total: Decimal | None):
        """Check, pay and write the order of the locked `basket`; returns the order."""
        total, shipping_method, shipping_charge = self._priced(basket)
        if expected_total is not None and expected_total != total.incl_tax:
            raise TotalChanged(
                _(
                    "Le total de votre panier est de %(total)s et non de %(posted)s : il a "
                    "changé depuis son affichage. Vérifiez-le avant de payer."
                )
                % {"total": euros(total.incl_tax), "posted": euros(expected_total)},
                total=total.incl_tax,
                expected=expected_total,
            )
        # Nothing the basket holds is trusted (quantities, products, beneficiaries, frozen
        # prices): each line is checked again before any money moves. BookingRefused aborts.
        # The re-check locks the meals' days first: before the wallet's pots, in the order a
        # closure takes them (it locks its day, then refunds into the pots).
        revalidate_basket(basket)
        order_number = str(self.generate_order_number(basket))
        self.outcome = self.handle_payment(
            order_number, total, basket=basket, method=payment_method
        )
        paid = not self.outcome.steps
        order = self.place_order(
            order_number=order_number,
            user=self.payer,
            basket=basket,
            shipping_address=None,
            shipping_method=shipping_method,
            shipping_charge=shipping_charge,
            order_total=total,
            status=ORDER_PAID if paid else ORDER_PENDING,
        )
        if paid:
            # Paid before it is written: placed "Payée", its bookings created confirmed
            # (book_order reads the order's status), rather than written pending then saved
            # again and confirmed by order_status_changed. The history keeps the change
            # set_status would have recorded.
            order.status_changes.create(old_status=ORDER_PENDING, new_status=ORDER_PAID)
        basket.submit()
        # Last: numbering locks the régies' counters until the transaction commits.
        shares.record_shares(order, self.payer, self._shares, self.outcome.steps)
        return order

    def _priced(self, basket):
        """The basket's total as Oscar computes it (offers applied, no shipping), after
        checking that it can be paid at all."""
        if not basket.can_be_edited:
            raise BasketNotPayable(_("Ce panier ne peut plus être payé : rechargez votre panier."))
        basket.strategy = Selector().strategy(user=self.payer)
        # The lines read once, with what pricing, the re-check and the order creator read of
        # them (Oscar's all_lines() would read the products' images, and each relation in a
        # query of its own). Oscar keeps them as the basket's cache, where offers are applied.
        basket._lines = checkout_lines(basket)
        if not list(basket.all_lines()):  # is_empty would count them in another query
            raise BasketNotPayable(_("Votre panier est vide : rien à payer."))
        if basket.holds_voucher or basket.site_offer_running:
            Applicator().apply(basket, self.payer)
        # Else no offer can apply (no voucher, no site offer running: what Oscar's Applicator
        # would read); the basket keeps the empty offer applications it was created with.
        shipping_method = Repository().get_default_shipping_method(basket=basket, user=self.payer)
        shipping_charge = shipping_method.calculate(basket)
        total = OrderTotalCalculator().calculate(basket, shipping_charge)
        return total, shipping_method, shipping_charge

    def place_order(
        self,
        order_number,
        user,
        basket,
        shipping_address,
        shipping_method,
        shipping_charge,
        order_total,
        billing_address=None,
        surcharges=None,
        **kwargs,
    ):
        """Oscar's OrderPlacementMixin.place_order, with our BulkOrderCreator (shop/order/),
        which tells `order_placed`'s receivers who acted."""
        order = BulkOrderCreator().place_order(
            user=user,
            order_number=order_number,
            basket=basket,
            shipping_address=shipping_address,
            shipping_method=shipping_method,
            shipping_charge=shipping_charge,
            total=order_total,
            billing_address=billing_address,
            surcharges=surcharges,
            actor=self.actor,
            actor_role=self.actor_role,
            **kwargs,
        )
        self.save_payment_details(order)
        return order

    # --- Payment ---------------------------------------------------------------------------

    def handle_payment(self, order_number, total, **kwargs):
        """The wallet pays what it can (all of it, or refused, with the wallet alone); what is
        left is split per régie, and each backend account needing card money gets one card
        payment, one step (shop/payment/shares.py)."""
        basket, method = kwargs["basket"], kwargs["method"]
        try:
            charges = processing.basket_charges(basket)
        except ServiceWithoutRegie as error:
            raise BasketNotPayable(str(error)) from error
        if sum((charge.amount for charge in charges), ZERO) != total.incl_tax:
            # A basket-level discount the lines do not carry: the wallet could not say which
            # service it pays. No such offer exists; refuse rather than guess.
            raise ValueError("The basket's lines do not add up to its total.")
        # Post-paid services are booked now and invoiced with the month's attendance.
        charges, owed_later = post_paid.collect_now(charges, self.payer)
        wallet = None
        if method != PaymentMethod.CARD:
            wallet = self._pay_from_wallet(basket, charges, order_number, method)
        self._shares = shares.split_by_regie(charges, wallet.by_service if wallet else {})
        wallet_amount, card_amount = split_payment(
            total.incl_tax - owed_later, wallet.paid if wallet else ZERO
        )
        if wallet_amount:
            self._record_wallet_debit(wallet.transfer, wallet_amount, total.currency)
        steps = shares.plan_steps(self._shares)
        shares.check_step_amounts(steps, wallet_amount)
        for step in steps:
            step.card_payment = self._card_payment(step, order_number, total.currency)
        return processing.PaymentOutcome(method, wallet_amount, card_amount, steps=steps)

    def _card_payment(self, step, order_number: str, currency: str) -> CardPayment:
        """The card payment of one step; no network here: its gateway is only asked once the
        order is committed."""
        backend = step.backend
        return CardPayment.objects.create(
            owner=self.payer,
            purpose=CardPaymentPurpose.ORDER,
            amount=step.amount,
            currency=currency,
            gateway=gateways.gateway_for(backend).code,
            backend=backend,
            # One régie's step names it; a backend shared by several régies of the basket
            # pays their shares at once (each share names its step).
            regie=step.shares[0].regie if len(step.shares) == 1 else None,
            step=step.number,
            order_number=order_number,
            idempotency_key=f"order:{order_number}:card:{step.number}",
        )

    def _pay_from_wallet(self, basket, charges, order_number, method):
        try:
            payment = ledger.pay_from_wallet(
                self.payer,
                charges,
                reference=order_number,
                idempotency_key=f"basket:{basket.id}",
                actor=self.actor,
                actor_role=self.actor_role,
                allow_partial=method == PaymentMethod.WALLET_AND_CARD,
                # The basket's row is locked and no order was placed for it (checkout()): no
                # payment was made under its key.
                key_is_new=True,
            )
        except InsufficientFundsError as error:
            raise WalletShortfall(str(error), error.missing) from error
        return payment

    def _record_wallet_debit(self, transfer, amount, currency):
        source_type, event_type = processing.source_and_event_types(
            WALLET_SOURCE, WALLET_DEBIT_EVENT
        )
        source = Source(
            source_type=source_type,
            currency=currency,
            amount_allocated=amount,
            amount_debited=amount,
            # The ledger transfer that paid: cancelling the order reverses exactly that one.
            reference=str(transfer.pk),
            label=_("Porte-monnaie"),
        )
        source.create_deferred_transaction(
            Transaction.DEBIT, amount, reference=str(transfer.pk), status="debited"
        )
        self.add_payment_source(source)
        # Oscar's add_payment_event, with the type read above (Oscar reads it again).
        self._payment_events = [
            *(self._payment_events or []),
            PaymentEvent(event_type=event_type, amount=amount, reference=str(transfer.pk)),
        ]

    def save_payment_events(self, order):
        """Oscar's, with each event's line quantities written in one statement, not per line."""
        if not self._payment_events:
            return
        # BulkOrderCreator leaves the lines it wrote loaded on the order: no query.
        lines = [(line.pk, line.quantity) for line in order.lines.all()]
        for event in self._payment_events:
            event.order = order
            event.save()
        PaymentEventQuantity.objects.bulk_create(
            PaymentEventQuantity(event=event, line_id=line_id, quantity=quantity)
            for event in self._payment_events
            for line_id, quantity in lines
        )
