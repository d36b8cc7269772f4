"""Paying a basket, for every front end: POST /api/checkout/ (shop/api/views/checkout.py) and
the parent's checkout page (themes/views/checkout.py) run this same sequence.

The caller opens the transaction and locks the basket row (`locked_basket`), so the same
checkout sent twice (a double click) places one order and debits once: the second request
waits, then gets the order the first placed. The card gateway is asked only after the commit."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from oscar.core.loading import get_model
from rest_framework import serializers

from shop.api.serializers.checkout import CheckoutSerializer
from shop.payment import processing

__all__ = ["CheckoutResult", "checkout_basket", "locked_basket"]

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")


@dataclass(frozen=True)
class CheckoutResult:
    order: object
    outcome: processing.PaymentOutcome
    placed_now: bool  # False: the order placed earlier for this basket, answered again


def locked_basket(owner, basket_id):
    """`owner`'s basket, row-locked until the transaction ends; None when there is no such
    basket of theirs (another parent's basket is as missing as an unknown one)."""
    return Basket.objects.select_for_update().filter(owner=owner, pk=basket_id).first()


def checkout_basket(request, basket, data: dict) -> CheckoutResult:
    """Place and pay the order of `basket` (locked by the caller, inside its transaction) with
    the checkout serializer's `data` (`basket` URL, `payment_method`, optional `total`).

    Raises serializers.ValidationError ({field: [messages]}), UnableToTakePayment (with
    WalletShortfall's `missing`) or BookingRefused; nothing is written then."""
    order = Order.objects.filter(basket=basket).first()
    if order is not None:
        return CheckoutResult(order, processing.outcome_of(order), placed_now=False)
    if not basket.can_be_edited:
        raise serializers.ValidationError(
            {"basket": [_("Ce panier ne peut plus être payé : rechargez votre panier.")]}
        )
    serializer = CheckoutSerializer(data=data, context={"request": request, "basket": basket})
    serializer.is_valid(raise_exception=True)
    order = serializer.save()
    return CheckoutResult(order, serializer.outcome, placed_now=True)
