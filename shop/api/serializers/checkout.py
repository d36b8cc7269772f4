"""POST /api/checkout/'s input and answers. The input serializer only reads what the payer
chooses (which basket, how to pay, the total they saw); shop.checkout places and pays the
order, and the server derives every amount itself."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from oscar.core.loading import get_model
from oscarapi.serializers import checkout
from rest_framework import serializers

from shop.payment.constants import PaymentMethod

__all__ = [
    "CheckoutSerializer",
    "CheckoutRefusedSerializer",
    "CheckoutUnavailableSerializer",
    "PlacedOrderSerializer",
]

Basket = get_model("basket", "Basket")

CHOOSE_A_METHOD = gettext_lazy(
    "Choisissez le moyen de paiement : « wallet » (porte-monnaie), « card » (carte bancaire) "
    "ou « wallet+card » (le porte-monnaie, puis la carte pour le reste)."
)


class BasketNumberField(serializers.HyperlinkedRelatedField):
    """oscar-api's basket URL, read as the basket's number without a query: the checkout looks
    the basket up itself, row-locked and among the payer's own."""

    def __init__(self, **kwargs):
        super().__init__(view_name="basket-detail", queryset=Basket.objects, **kwargs)

    def get_object(self, view_name, view_args, view_kwargs):
        return int(view_kwargs[self.lookup_url_kwarg])


class CheckoutSerializer(serializers.Serializer):
    """What the payer chooses. Services need no shipping: no address is asked."""

    basket = BasketNumberField()
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
    total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="The total the payer saw: refused if the basket's total differs.",
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
    redirect_url = serializers.CharField(
        allow_null=True,
        help_text="A redirecting gateway's page (PayFiP, bank gateways): send the payer there.",
    )


class PaymentStepSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="This step's rank, from 1.")
    of = serializers.IntegerField(help_text="How many card payment steps the order has.")
    label = serializers.CharField(
        help_text="« Paiement 1/2 — Régie cantine de Rosières — 12,00 € »"
    )
    regies = serializers.ListField(
        child=serializers.CharField(), help_text="The régies this card payment pays."
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    card = CardDetailsSerializer(help_text="How to pay this step.")


class OrderPaymentSerializer(serializers.Serializer):
    # A plain string: a second enum of the same choices would be a second schema component.
    method = serializers.CharField(help_text="The payment_method asked: wallet, card, wallet+card.")
    wallet_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Paid from the porte-monnaie."
    )
    card_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Left to pay by card (0.00: none)."
    )
    card = CardDetailsSerializer(
        allow_null=True, help_text="The first card payment step's details (steps[0].card)."
    )
    steps = PaymentStepSerializer(
        many=True,
        help_text=(
            "One card payment per payment backend account needing card money: a basket over "
            "régies on different backends is paid in as many steps. Empty: nothing by card."
        ),
    )


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
