"""Post-paid services at checkout: their lines are booked and confirmed with nothing collected
(the month's invoice collects them, billing/), once the family's unpaid invoices are checked
against its commune's debt threshold, under the checkout's basket lock."""

from decimal import Decimal

from billing.debt import refusal_for
from wallet.ledger import Charge
from wallet.regies import post_paid_service_ids
from wallet.rules import ZERO

from .exceptions import CheckoutRefused


class DebtAboveThreshold(CheckoutRefused):
    """The family owes its commune more than the commune tolerates: pay the invoices first."""

    field = "basket"


def collect_now(charges: list[Charge], payer) -> tuple[list[Charge], Decimal]:
    """The charges to collect at checkout, and the amount left to the post-paid services'
    invoices. Raises DebtAboveThreshold when a post-paid service may not be booked."""
    post_paid = post_paid_service_ids({charge.service_id for charge in charges})
    if not post_paid:
        return charges, ZERO
    refusal = refusal_for(payer.pk, post_paid)
    if refusal:
        raise DebtAboveThreshold(refusal)
    now = [charge for charge in charges if charge.service_id not in post_paid]
    later = sum((c.amount for c in charges if c.service_id in post_paid), ZERO)
    return now, later
