"""The smallest and largest card payment a backend account takes (PayFiP: 1 € to 100 000 €).

Checked before a payment is asked of the gateway, so that the parent is told what to do
instead of meeting the backend's refusal on its own page."""

from decimal import Decimal

from django.utils.translation import gettext as _

from ..exceptions import WalletError
from ..money import euros


class AmountOutOfRangeError(WalletError):
    """A card payment below the backend account's minimum or above its maximum."""

    def __init__(self, amount: Decimal, minimum: Decimal, maximum: Decimal | None):
        self.amount = amount
        self.minimum = minimum
        self.maximum = maximum
        if maximum is None:
            message = _(
                "Le paiement par carte est d'au moins %(minimum)s : ajoutez des réservations "
                "ou payez avec votre porte-monnaie."
            ) % {"minimum": euros(minimum)}
        else:
            message = _(
                "Le paiement par carte est d'au moins %(minimum)s et d'au plus %(maximum)s : "
                "ce paiement de %(amount)s n'est pas possible. Ajustez votre panier ou payez "
                "une partie avec votre porte-monnaie."
            ) % {"minimum": euros(minimum), "maximum": euros(maximum), "amount": euros(amount)}
        super().__init__(message)


def check_amount(backend, amount: Decimal) -> None:
    """Raise AmountOutOfRangeError unless `backend` (a PaymentBackendAccount) takes `amount`."""
    minimum = backend.minimum_amount
    maximum = backend.maximum_amount
    if amount < minimum or (maximum is not None and amount > maximum):
        raise AmountOutOfRangeError(amount, minimum, maximum)
