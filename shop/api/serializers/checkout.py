"""oscar-api's checkout, paid with the porte-monnaie, a card, or both (see shop/FORKS.md).

The view (shop/api/views/checkout.py) runs `save()` in one transaction, with the basket row
locked: the wallet debit, the order and its payment records are written together or not at
all. The card itself is asked for after the commit."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from oscar.core.loading import get_model
from oscarapi.serializers import checkout
from rest_framework import serializers

from reservations.bookings import lock_calendars
from reservations.revalidation import revalidate_basket
from shop.order.creator import BulkOrderCreator, prefetch_line_relations
from shop.payment import processing
from shop.payment.constants import (
    CARD_MINIMUM_AMOUNT,
    ORDER_PAID,
    ORDER_PENDING,
    WALLET_DEBIT_EVENT,
    WALLET_SOURCE,
    PaymentMethod,
)
from shop.payment.exceptions import CardAmountTooSmall, WalletShortfall
from shop.payment.processing import PaymentOutcome
from wallet import gateways, ledger
from wallet.exceptions import InsufficientFundsError
from wallet.models import CardPayment, CardPaymentPurpose
from wallet.rules import ZERO, split_payment

__all__ = [
    "CheckoutSerializer",
    "CheckoutRefusedSerializer",
    "CheckoutUnavailableSerializer",
    "PlacedOrderSerializer",
]

Basket = get_model("basket", "Basket")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
Source = get_model("payment", "Source")
Transaction = get_model("payment", "Transaction")

CHOOSE_A_METHOD = gettext_lazy(
    "Choisissez le moyen de paiement : « wallet » (porte-monnaie), « card » (carte bancaire) "
    "ou « wallet+card » (le porte-monnaie, puis la carte pour le reste)."
)


def euros(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


class LockedBasketField(serializers.HyperlinkedRelatedField):
    """oscar-api's basket field, which takes the basket the view has just locked (the context's
    `basket`) as it is, rather than reading its row again."""

    def get_object(self, view_name, view_args, view_kwargs):
        basket = self.context.get("basket")
        if basket is not None and str(view_kwargs.get(self.lookup_url_kwarg)) == str(basket.pk):
            return basket
        return super().get_object(view_name, view_args, view_kwargs)


class CheckoutSerializer(checkout.CheckoutSerializer):
    """The server recomputes every amount from the basket; a client `total` that differs is
    refused. Services need no shipping: no address, Oscar's no-shipping-required method."""

    basket = LockedBasketField(view_name="basket-detail", queryset=Basket.objects)

    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        help_text=(
            "`wallet`: the porte-monnaie pays everything (each service's pot first, then the "
            "general pot), or nothing is paid. `card`: the whole order by card. `wallet+card`: "
            "the porte-monnaie pays what it can, the card the rest."
        ),
        error_messages={
            "invalid_choice": gettext_lazy("Moyen de paiement inconnu : « {input} ». ")
            + CHOOSE_A_METHOD,
            "required": CHOOSE_A_METHOD,
            "null": CHOOSE_A_METHOD,
        },
    )

    outcome: PaymentOutcome | None = None

    def get_initial_order_status(self, basket):
        return ORDER_PENDING

    def validate(self, attrs):
        # oscar-api compares the client's total too, but answers in English: compare here.
        posted_total = attrs.pop("total", None)
        attrs = super().validate(attrs)
        total = attrs["order_total"].incl_tax
        if posted_total is not None and posted_total != total:
            raise serializers.ValidationError(
                {
                    "total": [
                        _(
                            "Le total de votre panier est de %(total)s € et non de %(posted)s € :"
                            " il a changé depuis son affichage. Vérifiez-le avant de payer."
                        )
                        % {"total": euros(total), "posted": euros(posted_total)}
                    ]
                }
            )
        return attrs

    def _shipping_method(self, request, basket, shipping_method_code, shipping_address):
        # The first step of oscar-api's validate() after the offers are applied to the lines:
        # Oscar asks each line's product class whether it ships (a query per line) before the
        # order creator reads the lines' partners, parents and options. Load them all at once,
        # on the basket's own lines (a reload would drop the offers' discounts).
        prefetch_line_relations(basket.all_lines())
        return super()._shipping_method(request, basket, shipping_method_code, shipping_address)

    def create(self, validated_data):
        """Pay (wallet debit, card payment to confirm), then write the order with its payment
        records, as Oscar's checkout does: handle_payment, then place_order."""
        basket = validated_data["basket"]
        # The services' calendars before the wallet's pots, in the order a closure takes them
        # (it locks the calendar, then refunds into the pots): never the other way round.
        lock_calendars(
            line.product.parent_id for line in basket.all_lines() if line.product.parent_id
        )
        # Nothing the basket holds is trusted (quantities, products, beneficiaries, frozen
        # prices): each line is checked again before any money moves. BookingRefused aborts.
        revalidate_basket(basket)
        order_number = str(self.generate_order_number(basket))
        self.outcome = self.handle_payment(
            order_number,
            validated_data["order_total"],
            basket=basket,
            method=validated_data["payment_method"],
        )
        order = super().create(validated_data)
        if not self.outcome.card_amount:
            order.set_status(ORDER_PAID)
        basket.submit()
        return order

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
        """Oscar's OrderPlacementMixin.place_order, with our BulkOrderCreator: the order lines,
        their prices and attributes are written in bulk, and Oscar's analytics counters created,
        locked and bumped in a few statements (shop/order/)."""
        shipping_address = self.create_shipping_address(user, shipping_address)
        billing_address = self.create_billing_address(
            user, billing_address, shipping_address, **kwargs
        )
        if "status" in kwargs:
            status = kwargs.pop("status")
        else:
            status = self.get_initial_order_status(basket)
        request = kwargs.pop("request") if "request" in kwargs else self.request
        order = BulkOrderCreator().place_order(
            user=user,
            order_number=order_number,
            basket=basket,
            shipping_address=shipping_address,
            shipping_method=shipping_method,
            shipping_charge=shipping_charge,
            total=order_total,
            billing_address=billing_address,
            status=status,
            request=request,
            surcharges=surcharges,
            **kwargs,
        )
        self.save_payment_details(order)
        return order

    def handle_payment(self, order_number, total, **kwargs):
        basket, method = kwargs["basket"], kwargs["method"]
        charges = processing.basket_charges(basket)
        if sum((charge.amount for charge in charges), ZERO) != total.incl_tax:
            # A basket-level discount the lines do not carry: the wallet could not say which
            # service it pays. No such offer exists; refuse rather than guess.
            raise ValueError("The basket's lines do not add up to its total.")
        paid, transfer = ZERO, None
        if method != PaymentMethod.CARD:
            try:
                payment = ledger.pay_from_wallet(
                    self.request.user,
                    charges,
                    reference=order_number,
                    idempotency_key=f"basket:{basket.id}",
                    allow_partial=method == PaymentMethod.WALLET_AND_CARD,
                )
            except InsufficientFundsError as error:
                raise WalletShortfall(str(error), error.missing) from error
            paid, transfer = payment.paid, payment.transfer
        wallet_amount, card_amount = split_payment(total.incl_tax, paid)
        if wallet_amount:
            self._record_wallet_debit(transfer, wallet_amount, total.currency)
        outcome = PaymentOutcome(method, wallet_amount, card_amount)
        if card_amount:
            self._check_card_amount(card_amount, wallet_amount)
            outcome.commune = processing.single_commune(c.commune_id for c in charges)
            outcome.card_payment = CardPayment.objects.create(
                owner=self.request.user,
                purpose=CardPaymentPurpose.ORDER,
                amount=card_amount,
                currency=total.currency,
                # No network here: the gateway is only asked once the order is committed.
                gateway=gateways.gateway_for(outcome.commune).code,
                order_number=order_number,
                idempotency_key=f"order:{order_number}:card",
            )
        return outcome

    def _record_wallet_debit(self, transfer, amount, currency):
        source = Source(
            source_type=processing.source_type(WALLET_SOURCE),
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
        self.add_payment_event(WALLET_DEBIT_EVENT, amount, reference=str(transfer.pk))

    def _check_card_amount(self, card_amount, wallet_amount):
        if card_amount >= CARD_MINIMUM_AMOUNT:
            return
        minimum = euros(CARD_MINIMUM_AMOUNT)
        if wallet_amount:
            message = _(
                "Il resterait %(rest)s € à payer par carte, or un paiement par carte est d'au "
                "moins %(minimum)s €. Rechargez votre porte-monnaie ou payez toute la commande "
                "par carte."
            ) % {"rest": euros(card_amount), "minimum": minimum}
        else:
            message = _(
                "Un paiement par carte est d'au moins %(minimum)s € : payez cette commande avec "
                "le porte-monnaie."
            ) % {"minimum": minimum}
        raise CardAmountTooSmall(message)

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


# --- Response --------------------------------------------------------------------------------


class CardDetailsSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    status = serializers.CharField(help_text="pending, succeeded, failed or canceled.")
    gateway = serializers.CharField(help_text="stripe, or offline (a test payment).")
    gateway_label = serializers.CharField()
    is_test = serializers.BooleanField(help_text="A test payment moves no real money.")
    client_secret = serializers.CharField(
        allow_null=True, help_text="Confirms the card payment with Stripe.js (pending only)."
    )
    publishable_key = serializers.CharField(allow_null=True)


class OrderPaymentSerializer(serializers.Serializer):
    # A plain string: a second enum of the same choices would be a second schema component.
    method = serializers.CharField(help_text="The payment_method asked: wallet, card, wallet+card.")
    wallet_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Paid from the porte-monnaie."
    )
    card_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Left to pay by card (0.00: none)."
    )
    card = CardDetailsSerializer(allow_null=True)


class PlacedOrderSerializer(checkout.OrderSerializer):
    """oscar-api's order, with how it is paid: `payment.card` tells the browser how to pay the
    card part; the order stays "En attente de paiement" until the card payment settles."""

    payment = serializers.SerializerMethodField()

    class Meta(checkout.OrderSerializer.Meta):
        fields = (*checkout.OrderSerializer.Meta.fields, "payment")

    @extend_schema_field(OrderPaymentSerializer)
    def get_payment(self, order):
        return OrderPaymentSerializer(self.context["payment"]).data

    # Typed here: drf-spectacular's extension for oscar-api's OrderSerializer (config/openapi.py)
    # matches that class only, not subclasses.
    @extend_schema_field(OpenApiTypes.STR)
    def get_payment_url(self, order):
        # Card payments are confirmed in the browser with `payment.card`: no payment page.
        return ""

    # oscar-api reads the order's basket discounts twice, once per list: read them once.
    @extend_schema_field(checkout.OrderOfferDiscountSerializer(many=True))
    def get_offer_discounts(self, order):
        discounts = [
            discount
            for discount in self._basket_discounts(order)
            if discount.offer_id is not None and discount.voucher_id is None
        ]
        return checkout.OrderOfferDiscountSerializer(discounts, many=True).data

    @extend_schema_field(checkout.OrderVoucherOfferSerializer(many=True))
    def get_voucher_discounts(self, order):
        discounts = [
            discount
            for discount in self._basket_discounts(order)
            if discount.voucher_id is not None
        ]
        return checkout.OrderVoucherOfferSerializer(discounts, many=True).data

    def _basket_discounts(self, order) -> list:
        """Oscar's `order.basket_discounts`, loaded once per order (BulkOrderCreator leaves
        an order placed without discounts with none loaded: no query then)."""
        loaded = self.__dict__.setdefault("_loaded_discounts", {})
        if order.pk not in loaded:
            loaded[order.pk] = [d for d in order.discounts.all() if d.is_basket_discount]
        return loaded[order.pk]


class CheckoutRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    missing = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="What the porte-monnaie lacks to pay the order (payment_method `wallet`).",
    )


class CheckoutUnavailableSerializer(serializers.Serializer):
    detail = serializers.CharField()
    number = serializers.CharField(help_text="The order placed, waiting for its card payment.")
