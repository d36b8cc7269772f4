"""The porte-monnaie as a double-entry ledger.

Every movement is an immutable `Transfer` of at least two `Leg`s summing to zero. Each leg moves
money in or out of one `LedgerAccount`: a parent's pot (the general pot, usable for every service,
or a pot earmarked for one service), or a system account (card receipts, revenue per service,
refunds, agent adjustments). Only wallet/ledger.py writes these rows."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import ActorRole

from ..exceptions import ImmutableLedgerError


class AccountKind(models.TextChoices):
    GENERAL_POT = "general_pot", _("Porte-monnaie, tous services")
    SERVICE_POT = "service_pot", _("Porte-monnaie d'un service")
    CARD_RECEIPTS = "card_receipts", _("Encaissements par carte")
    SERVICE_REVENUE = "service_revenue", _("Recettes d'un service")
    REFUNDS = "refunds", _("Remboursements")
    ADJUSTMENTS = "adjustments", _("Ajustements des agents")
    # Invoices of post-paid services (billing/): paid at the régie's counter (cash, cheque,
    # CESU) or collected by SEPA direct debit.
    COUNTER_RECEIPTS = "counter_receipts", _("Encaissements au guichet")
    DIRECT_DEBIT_RECEIPTS = "debit_receipts", _("Prélèvements SEPA")


POT_KINDS = [AccountKind.GENERAL_POT, AccountKind.SERVICE_POT]
SYSTEM_KINDS = [
    AccountKind.CARD_RECEIPTS,
    AccountKind.SERVICE_REVENUE,
    AccountKind.REFUNDS,
    AccountKind.ADJUSTMENTS,
    AccountKind.COUNTER_RECEIPTS,
    AccountKind.DIRECT_DEBIT_RECEIPTS,
]


class LedgerAccount(models.Model):
    """A pot of a parent, or a system account. A pot's `balance` caches the sum of its legs
    (the integrity check, wallet.tasks, verifies it); a system account's stays 0, its balance
    being the sum of its legs (wallet.ledger.balance_of): no row every checkout updates."""

    kind = models.CharField(_("type"), max_length=20, choices=AccountKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("titulaire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wallet_accounts",
    )
    # The service (an Oscar parent product) a pot is earmarked for, or whose revenue it holds.
    service = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The commune (its régie collects the money): kept so amounts can be paid out per régie.
    commune = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The régie whose money it holds: a general pot's is its territory's platform régie, a
    # service pot's and a service's system accounts are the service's régie.
    regie = models.ForeignKey(
        "wallet.Regie",
        verbose_name=_("régie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # One system account per kind and scope ("service_revenue:42"): a plain unique key, because
    # a unique constraint over nullable (service, commune) would not stop duplicates.
    system_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    balance = models.DecimalField(_("solde"), max_digits=12, decimal_places=2, default=Decimal(0))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compte du porte-monnaie")
        verbose_name_plural = _("comptes du porte-monnaie")
        constraints = [
            # A parent's pot never goes below zero, whatever the code above it does.
            models.CheckConstraint(
                condition=~Q(kind__in=POT_KINDS) | Q(balance__gte=0),
                name="wallet_pot_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=AccountKind.GENERAL_POT, owner__isnull=False, service__isnull=True)
                    | Q(kind=AccountKind.SERVICE_POT, owner__isnull=False, service__isnull=False)
                    | Q(kind__in=SYSTEM_KINDS, owner__isnull=True)
                ),
                name="wallet_account_shape",
            ),
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(kind=AccountKind.GENERAL_POT),
                name="wallet_one_general_pot_per_owner",
            ),
            models.UniqueConstraint(
                fields=["owner", "service"],
                condition=Q(kind=AccountKind.SERVICE_POT),
                name="wallet_one_pot_per_owner_and_service",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=POT_KINDS) | Q(system_key__isnull=False),
                name="wallet_system_account_has_key",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=POT_KINDS) | Q(balance=0),
                name="wallet_system_account_caches_no_balance",
            ),
        ]

    def __str__(self):
        if self.kind == AccountKind.SERVICE_POT and self.service_id:
            return str(self.service)
        return self.get_kind_display()


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableLedgerError("Ledger rows cannot be updated.")

    def delete(self):
        raise ImmutableLedgerError("Ledger rows cannot be deleted.")


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableLedgerError("Ledger rows cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableLedgerError("Ledger rows cannot be deleted.")


class TransferKind(models.TextChoices):
    TOP_UP = "top_up", _("Rechargement par carte")
    PURCHASE = "purchase", _("Paiement de réservations")
    CARD_PURCHASE = "card_purchase", _("Paiement par carte")
    REFUND = "refund", _("Remboursement d'une annulation")
    ADJUSTMENT = "adjustment", _("Ajustement par un agent")
    INVOICE_PAYMENT = "invoice_payment", _("Paiement d'une facture")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement d'une facture")
    DIRECT_DEBIT_REJECT = "debit_reject", _("Rejet d'un prélèvement")


class Transfer(ImmutableModel):
    kind = models.CharField(_("type"), max_length=20, choices=TransferKind.choices)
    reason = models.CharField(_("motif"), max_length=255)
    # What the money moved for: an order number, a top-up, a booking.
    reference = models.CharField(_("référence"), max_length=100, blank=True, db_index=True)
    # The same request replayed (a double click, a webhook delivered twice) moves money once.
    idempotency_key = models.CharField(max_length=100, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("rôle"), max_length=10, choices=ActorRole.choices)
    # The order line a refund gives back (a cancelled meal): its refunds never exceed what it
    # was paid, which the ledger checks and wallet.integrity verifies.
    order_line = models.ForeignKey(
        "order.Line",
        verbose_name=_("ligne de commande remboursée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("mouvement")
        verbose_name_plural = _("mouvements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(order_line__isnull=True) | Q(kind=TransferKind.REFUND),
                name="wallet_only_refunds_name_an_order_line",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.reason}"


class Leg(ImmutableModel):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="legs")
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    commune = models.ForeignKey(
        "partner.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The régie the amount belongs to: the service's régie for what is paid, refunded or
    # received for a service, the platform régie for a top-up. A transfer's legs sum to zero
    # per régie, except a general pot's spending, which the platform régie owes the service's
    # régie (the inter-régie statement, wallet/journal.py).
    regie = models.ForeignKey(
        "wallet.Regie", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("écriture")
        verbose_name_plural = _("écritures")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="wallet_leg_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "transfer"])]

    def __str__(self):
        return f"{self.account}: {self.amount}"


class CardPaymentPurpose(models.TextChoices):
    TOP_UP = "top_up", _("Rechargement du porte-monnaie")
    ORDER = "order", _("Paiement d'une commande")
    INVOICE = "invoice", _("Paiement d'une facture")


class CardPaymentStatus(models.TextChoices):
    PENDING = "pending", _("En attente du paiement")
    SUCCEEDED = "succeeded", _("Payé")
    FAILED = "failed", _("Refusé")
    CANCELED = "canceled", _("Annulé")


class CardPayment(models.Model):
    """A card payment asked of a gateway, for a top-up or (part of) an order.

    It is settled only by what the gateway reports (webhook, or a confirm call that asks it),
    and settling it twice changes nothing. For an order, `wallet.signals.card_payment_settled`
    tells the commerce layer, which the wallet does not import."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="card_payments"
    )
    purpose = models.CharField(max_length=10, choices=CardPaymentPurpose.choices)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    gateway = models.CharField(max_length=20)
    # The backend account that takes it (None: the platform's configured gateway, from before
    # régies). An order paid across backends has one card payment, one step, per account.
    backend = models.ForeignKey(
        "wallet.PaymentBackendAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_payments",
    )
    regie = models.ForeignKey(
        "wallet.Regie", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.PositiveSmallIntegerField(_("étape"), default=1)
    # The gateway's id of the payment, unique at its gateway (two gateways may issue the same);
    # NULL until the gateway is asked: "" would collide.
    gateway_reference = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(
        max_length=10, choices=CardPaymentStatus.choices, default=CardPaymentStatus.PENDING
    )
    order_number = models.CharField(max_length=128, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    # The ledger transfer that credited a top-up (None until it succeeded).
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("paiement par carte")
        verbose_name_plural = _("paiements par carte")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="wallet_card_payment_positive"),
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"], name="wallet_card_payment_once_per_gateway"
            ),
            models.CheckConstraint(
                condition=~Q(purpose="order") | ~Q(order_number=""),
                name="wallet_card_payment_order_has_number",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.amount} € ({self.get_status_display()})"


class GatewayEventRecord(models.Model):
    """Each gateway event (webhook) processed once, whatever the number of deliveries."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="wallet_event_once")
        ]

    def __str__(self):
        return f"{self.gateway} {self.event_type} {self.event_id}"
