class BillingError(Exception):
    """A billing action refused, with a French message for the agent or the parent."""


class DebtThresholdExceeded(BillingError):
    """A post-paid booking refused: the family's unpaid invoices are above the threshold."""
