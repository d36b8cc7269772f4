from decimal import Decimal

from django.utils.translation import gettext as _


class WalletError(Exception):
    """Base class of the errors raised by the wallet."""


class InsufficientFundsError(WalletError):
    def __init__(self, missing: Decimal):
        self.missing = missing
        super().__init__(
            _("Solde insuffisant dans le porte-monnaie : il manque %(missing)s €.")
            % {"missing": f"{missing:.2f}".replace(".", ",")}
        )


class UnbalancedTransferError(WalletError):
    """The legs of a transfer do not sum to zero: a programming error, never a user's."""


class ImmutableLedgerError(WalletError):
    """Ledger rows are written once and never changed or deleted."""
