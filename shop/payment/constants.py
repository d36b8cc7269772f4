"""Names shared by the checkout and the settlement of card payments.

The order statuses are those of OSCAR_ORDER_STATUS_PIPELINE (config/settings/base.py); Oscar
stores statuses, source types and payment event types by name, so these strings are data."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

ORDER_PENDING = settings.OSCAR_INITIAL_ORDER_STATUS  # "En attente de paiement"
ORDER_PAID = gettext_noop("Payée")
ORDER_CANCELLED = gettext_noop("Annulée")
# Stored in French; marked so that pages show them in the reader's language (themes' `translated`
# filter looks each stored name up in the catalogue).
gettext_noop("En attente de paiement")


class PaymentMethod(models.TextChoices):
    WALLET = "wallet", _("Porte-monnaie")
    CARD = "card", _("Carte bancaire")
    WALLET_AND_CARD = "wallet+card", _("Porte-monnaie, puis carte bancaire pour le reste")


# Oscar payment SourceTypes, by code.
WALLET_SOURCE = ("wallet", gettext_noop("Porte-monnaie"))
CARD_SOURCE = ("card", gettext_noop("Carte bancaire"))

# Oscar PaymentEventTypes, by name.
WALLET_DEBIT_EVENT = gettext_noop("Débit porte-monnaie")
CARD_PAYMENT_EVENT = gettext_noop("Paiement carte")
WALLET_REFUND_EVENT = gettext_noop("Remboursement porte-monnaie")

# Stripe refuses a euro card payment under 0.50 €; no gateway we use takes less.
CARD_MINIMUM_AMOUNT = Decimal("0.50")
