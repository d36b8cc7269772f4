"""Receivers connected by shop.config.Shop.ready()."""

from wallet.models import CardPaymentPurpose

from . import processing


def apply_card_payment_to_order(sender, payment, **kwargs):
    """`wallet.signals.card_payment_settled`: a card payment of an order succeeded or failed."""
    if payment.purpose == CardPaymentPurpose.ORDER:
        processing.settle_order(payment)
