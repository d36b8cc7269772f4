from decimal import Decimal

from django.utils.translation import gettext as _

from .money import euros


class WalletError(Exception):
    """Base class of the errors raised by the wallet."""


class InsufficientFundsError(WalletError):
    def __init__(self, missing: Decimal):
        self.missing = missing
        super().__init__(
            _("Solde insuffisant dans le porte-monnaie : il manque %(missing)s.")
            % {"missing": euros(missing)}
        )


class UnbalancedTransferError(WalletError):
    """The legs of a transfer do not sum to zero: a programming error, never a user's."""


class ImmutableLedgerError(WalletError):
    """Ledger rows are written once and never changed or deleted."""


class RefundExceedsPaymentError(WalletError):
    """A refund would take the refunds of an order line above what that line was paid."""

    def __init__(self, *, paid: Decimal, already_refunded: Decimal, amount: Decimal):
        self.paid = paid
        self.already_refunded = already_refunded
        self.amount = amount
        super().__init__(
            _(
                "Ce remboursement de %(amount)s dépasserait ce qui a été payé pour ce repas "
                "(%(paid)s, dont %(refunded)s déjà remboursés) : rien n'a été remboursé. "
                "Contactez votre mairie si vous pensez qu'il s'agit d'une erreur."
            )
            % {
                "amount": euros(amount),
                "paid": euros(paid),
                "refunded": euros(already_refunded),
            }
        )
