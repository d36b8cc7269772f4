from decimal import Decimal

from oscar.apps.payment.exceptions import UnableToTakePayment


class WalletShortfall(UnableToTakePayment):
    """The porte-monnaie cannot pay the whole order: nothing was debited."""

    def __init__(self, message: str, missing: Decimal):
        self.missing = missing
        super().__init__(message)


class CardAmountTooSmall(UnableToTakePayment):
    """What is left for the card is under the smallest amount a card gateway accepts."""
