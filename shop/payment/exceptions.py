"""Why a checkout is refused (shop/checkout.py). Nothing was written when one is raised: the
checkout's transaction rolled back. Each carries a French, translated message for the payer.

The payment refusals are Oscar's `UnableToTakePayment`, as Oscar's own checkout raises them;
the others say which input the payer should look at again (`field`: "basket", "total")."""

from decimal import Decimal

from oscar.apps.payment.exceptions import UnableToTakePayment


class CheckoutRefused(Exception):
    """The basket cannot be paid as asked; `field` names the input concerned (None: the
    basket as a whole)."""

    field: str | None = None


class BasketNotFound(CheckoutRefused):
    """No basket of the payer's with this number: another family's basket is as missing."""

    field = "basket"


class BasketNotPayable(CheckoutRefused):
    """The basket is empty, or no longer open (submitted, frozen)."""

    field = "basket"


class TotalChanged(CheckoutRefused):
    """The total the payer saw is not the basket's total any more."""

    field = "total"

    def __init__(self, message: str, total: Decimal, expected: Decimal):
        self.total = total
        self.expected = expected
        super().__init__(message)


class WalletShortfall(UnableToTakePayment):
    """The porte-monnaie cannot pay the whole order: nothing was debited."""

    def __init__(self, message: str, missing: Decimal):
        self.missing = missing
        super().__init__(message)


class CardAmountTooSmall(UnableToTakePayment):
    """What is left for the card is under the smallest amount a card gateway accepts."""


class CardAmountTooLarge(UnableToTakePayment):
    """A payment step is over the most its régie's backend account accepts in one payment."""
