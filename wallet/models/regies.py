"""Régies de recettes: the public cash offices that alone may collect a service's money.

Every service belongs to exactly one régie (`ServiceRegie`); a commune may have several (cantine,
périscolaire); each territory has a platform régie that holds the wallet's general pot (top-ups
land there). A régie takes card money through one payment backend account, which several
régies may share, and numbers its receipts per year without gaps (`RegieCounter`, allocated
under a row lock by wallet/numbering.py). `RegieShare` is what one order owes one régie: it is
paid from the wallet and/or by one card payment of the régie's backend, and once paid it gets
its receipt number."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


class BackendKind(models.TextChoices):
    OFFLINE = "offline", _("Passerelle de test (aucun argent réel)")
    STRIPE = "stripe", _("Stripe")
    # Through eopayment (wallet/gateways/eopayment.py): the field's own library.
    PAYFIP = "payfip_ws", _("PayFiP (DGFiP)")
    PAYBOX = "paybox", _("Paybox / Verifone")
    SYSTEMPAY = "systempayv2", _("Systempay / PayZen")


class PaymentBackendAccount(models.Model):
    """An account at a payment backend (a PayFiP client number, a Stripe account …). Several
    régies may share one; a card payment belongs to exactly one."""

    name = models.CharField(_("nom"), max_length=120)
    kind = models.CharField(_("type"), max_length=20, choices=BackendKind.choices)
    # The backend's settings as eopayment names them (PayFiP: numcli, saisie …). Secrets are
    # not stored here: `secret_setting` names the setting (environment) that holds them.
    options = models.JSONField(_("paramètres"), default=dict, blank=True)
    secret_setting = models.CharField(
        _("réglage des secrets"),
        max_length=80,
        blank=True,
        help_text=_("Nom du réglage (variable d'environnement) qui contient les secrets."),
    )
    minimum_amount = models.DecimalField(
        _("montant minimum"), max_digits=10, decimal_places=2, default=Decimal("0.50")
    )
    maximum_amount = models.DecimalField(
        _("montant maximum"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("compte de paiement")
        verbose_name_plural = _("comptes de paiement")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_amount__gt=0), name="wallet_backend_minimum_positive"
            ),
            models.CheckConstraint(
                condition=Q(maximum_amount__isnull=True)
                | Q(maximum_amount__gte=models.F("minimum_amount")),
                name="wallet_backend_maximum_above_minimum",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class RegieKind(models.TextChoices):
    PLATFORM = "platform", _("Régie de la plateforme (porte-monnaie)")
    SERVICES = "services", _("Régie de recettes de services")


DEFAULT_NUMBERING = "{code}-{yyyy}-{n:06d}"


class Regie(models.Model):
    name = models.CharField(_("nom"), max_length=150)
    # Short and stable: the prefix of its receipt numbers, the key of its exports.
    code = models.SlugField(_("code"), max_length=30, unique=True)
    kind = models.CharField(
        _("type"), max_length=10, choices=RegieKind.choices, default=RegieKind.SERVICES
    )
    # The territory (a Wagtail site) it belongs to; a service régie also names its commune.
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="regies",
    )
    commune = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="regies",
    )
    regisseurs = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("régisseurs"), blank=True, related_name="regies"
    )
    numbering_format = models.CharField(
        _("format des numéros"),
        max_length=60,
        default=DEFAULT_NUMBERING,
        help_text=_(
            "Par exemple CAN-{yyyy}-{n:06d} : {yyyy} l'année, {n} le rang dans l'année, "
            "{code} le code de la régie."
        ),
    )
    backend = models.ForeignKey(
        PaymentBackendAccount,
        verbose_name=_("compte de paiement"),
        on_delete=models.PROTECT,
        related_name="regies",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("régie")
        verbose_name_plural = _("régies")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RegieKind.values), name="wallet_regie_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind=RegieKind.PLATFORM) | Q(commune__isnull=True),
                name="wallet_platform_regie_has_no_commune",
            ),
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(kind=RegieKind.PLATFORM),
                name="wallet_one_platform_regie_per_territory",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.kind == RegieKind.PLATFORM

    def format_number(self, year: int, n: int) -> str:
        return format_number(self.numbering_format, code=self.code, year=year, n=n)

    def clean(self):
        try:
            sample = self.format_number(2026, 1)
        except (KeyError, IndexError, ValueError):
            raise ValidationError(
                {"numbering_format": _("Format inconnu : utilisez {yyyy}, {n} et {code}.")}
            ) from None
        if sample == self.format_number(2026, 2) or sample == self.format_number(2027, 1):
            raise ValidationError(
                {"numbering_format": _("Le format doit contenir l'année {yyyy} et le rang {n}.")}
            )
        if self.kind == RegieKind.PLATFORM and self.commune_id:
            raise ValidationError({"commune": _("La régie de la plateforme n'a pas de commune.")})


def format_number(pattern: str, *, code: str, year: int, n: int) -> str:
    return pattern.format(code=code.upper(), yyyy=f"{year:04d}", yy=f"{year % 100:02d}", n=n)


class ServiceRegie(models.Model):
    """The régie that collects a service's money: exactly one per service."""

    service = models.OneToOneField(
        "catalogue.Product",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="regie_link",
        limit_choices_to={"structure": "parent"},
    )
    regie = models.ForeignKey(
        Regie, verbose_name=_("régie"), on_delete=models.PROTECT, related_name="service_links"
    )
    # Post-paid: booked with nothing paid, the month's attendance invoiced by the régie
    # (billing/). Here, at money's bottom layer, because the checkout (what to collect now) and
    # a cancellation (nothing to refund) must both know it.
    post_paid = models.BooleanField(
        _("facturé après service"),
        default=False,
        help_text=_("Réservé sans paiement ; la présence du mois est facturée par la régie."),
    )

    class Meta:
        verbose_name = _("régie d'un service")
        verbose_name_plural = _("régies des services")

    def __str__(self):
        return f"{self.service} → {self.regie}"


class CounterKind(models.TextChoices):
    RECEIPT = "receipt", _("Quittances")
    INVOICE = "invoice", _("Factures")


class RegieCounter(models.Model):
    """The last number a régie gave in a year for one kind of document (receipts, invoices:
    one sequence each); locked to give the next one."""

    regie = models.ForeignKey(Regie, on_delete=models.PROTECT, related_name="counters")
    kind = models.CharField(max_length=10, choices=CounterKind.choices, default=CounterKind.RECEIPT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["regie", "kind", "year"], name="wallet_one_counter_per_kind_and_year"
            )
        ]

    def __str__(self):
        return f"{self.regie} {self.kind} {self.year}: {self.last}"


class ShareStatus(models.TextChoices):
    PENDING = "pending", _("En attente du paiement")
    PAID = "paid", _("Payée")
    CANCELLED = "cancelled", _("Annulée")


class RegieShare(models.Model):
    """What one order owes one régie, and how it is paid: `wallet_amount` from the pots at
    checkout, `card_amount` by `card_payment` (one backend account's payment step). Numbered
    from the régie's sequence once paid (just after, wallet/numbering.py): that number is its
    receipt's."""

    order_number = models.CharField(_("commande"), max_length=128, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="regie_shares"
    )
    regie = models.ForeignKey(
        Regie, verbose_name=_("régie"), on_delete=models.PROTECT, related_name="shares"
    )
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    wallet_amount = models.DecimalField(
        _("payé par le porte-monnaie"), max_digits=12, decimal_places=2, default=ZERO
    )
    card_amount = models.DecimalField(
        _("payé par carte"), max_digits=12, decimal_places=2, default=ZERO
    )
    card_payment = models.ForeignKey(
        "wallet.CardPayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shares",
    )
    # The order lines this share pays, frozen at checkout: moving a service to another régie
    # later changes neither what a share's settlement confirms nor what its receipt lists.
    order_line_ids = models.JSONField(_("lignes de la commande"), default=list, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=ShareStatus.choices, default=ShareStatus.PENDING
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    # NULL until paid (unique per régie once given): "" would collide between unpaid shares.
    number = models.CharField(  # noqa: DJ001
        _("numéro de quittance"), max_length=60, null=True, blank=True
    )
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("part d'une commande pour une régie")
        verbose_name_plural = _("parts des commandes par régie")
        ordering = ["order_number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_number", "regie"], name="wallet_one_share_per_order_and_regie"
            ),
            models.UniqueConstraint(fields=["regie", "number"], name="wallet_share_number_unique"),
            models.CheckConstraint(
                condition=Q(amount=models.F("wallet_amount") + models.F("card_amount")),
                name="wallet_share_parts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(wallet_amount__gte=0) & Q(card_amount__gte=0) & Q(amount__gt=0),
                name="wallet_share_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(card_amount=0) | Q(card_payment__isnull=False),
                name="wallet_share_card_part_has_payment",
            ),
            # A paid share is numbered just after the transaction that paid it (numbering.py).
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(status=ShareStatus.PAID),
                name="wallet_numbered_share_is_paid",
            ),
            models.CheckConstraint(
                condition=~Q(status=ShareStatus.PAID) | Q(paid_at__isnull=False),
                name="wallet_paid_share_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.order_number} — {self.regie} — {self.amount} €"
