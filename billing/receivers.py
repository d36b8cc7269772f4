"""Billing's answers to the layers below: which services are post-paid (reservations asks),
a settled card payment of an invoice (wallet's signal), and the debt threshold when meals are
added to a basket (reservations' signal). Connected by apps.BillingConfig.ready()."""

from wallet.regies import post_paid_service_ids


def is_post_paid(service_id: int) -> bool:
    return bool(post_paid_service_ids([service_id]))


def apply_card_payment_to_invoice(sender, payment, **kwargs):
    """`wallet.signals.card_payment_settled`: a card (or PayFiP) payment of an invoice."""
    from . import payments

    payments.settle_card_payment(payment)


def refuse_meals_above_debt(sender, account, service, meals, **kwargs):
    """`reservations.signals.meals_adding`: refuse every meal of a post-paid service while the
    family's unpaid invoices exceed its commune's threshold."""
    from reservations.exceptions import MealsRefused

    from .debt import refusal_for

    refusal = refusal_for(account.pk, [service.pk])
    if refusal:
        raise MealsRefused(
            [{"beneficiary": pk, "date": day, "error": refusal} for pk, day in meals]
        )


def connect_booking_checks() -> None:
    from reservations.signals import meals_adding

    meals_adding.connect(refuse_meals_above_debt, dispatch_uid="billing.refuse_meals_above_debt")
