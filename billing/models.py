"""Invoices of post-paid services and how they are paid.

An `Invoice` is what one family owes one régie for one month: its `InvoiceLine`s are the days
of attendance, each with the price it was booked at and how the amount was computed. A billing
run (`BillingRun`) makes them: a preview writes drafts, never numbered; the final run numbers
them from the régie's invoice sequence (wallet/numbering.py) and locks the month's attendance.
`InvoicePayment`s pay them (wallet, card or PayFiP, the counter, SEPA direct debit), each with
the ledger transfer that moved the money. A `SepaMandate` lets the régie debit a family's
account; a `DebitBatch` is one pain.008 file of `DirectDebit`s; a rejected debit puts its
invoice back to unpaid."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


class DebtThreshold(models.Model):
    """Above this much unpaid on its invoices, a family cannot book a commune's post-paid
    services until it pays (billing/rules.py debt_refusal)."""

    commune = models.OneToOneField(
        "partner.Partner",
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="debt_threshold",
    )
    amount = models.DecimalField(_("impayés tolérés"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("seuil d'impayés")
        verbose_name_plural = _("seuils d'impayés")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="billing_threshold_positive")
        ]

    def __str__(self):
        return f"{self.commune} : {self.amount} €"


class SepaCreditor(models.Model):
    """A régie as SEPA creditor: its creditor identifier (ICS) and the account debits go to."""

    regie = models.OneToOneField(
        "wallet.Regie", verbose_name=_("régie"), on_delete=models.CASCADE, related_name="sepa"
    )
    name = models.CharField(_("nom du créancier"), max_length=70)
    creditor_id = models.CharField(_("identifiant créancier SEPA (ICS)"), max_length=35)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)

    class Meta:
        verbose_name = _("créancier SEPA")
        verbose_name_plural = _("créanciers SEPA")

    def __str__(self):
        return f"{self.name} ({self.creditor_id})"


class RunStatus(models.TextChoices):
    PREVIEW = "preview", _("Aperçu")
    FINAL = "final", _("Définitive")


class BillingRun(models.Model):
    """One régie's billing of one month: previewed any number of times, final once."""

    regie = models.ForeignKey(
        "wallet.Regie", verbose_name=_("régie"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("mois"), help_text=_("Le premier jour du mois facturé."))
    status = models.CharField(_("état"), max_length=10, choices=RunStatus.choices)
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ran_at = models.DateTimeField(_("le"))

    class Meta:
        verbose_name = _("facturation")
        verbose_name_plural = _("facturations")
        ordering = ["-period", "regie_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["regie", "period"], name="billing_one_run_per_regie_and_month"
            ),
            models.CheckConstraint(
                condition=Q(period__day=1), name="billing_run_period_is_a_month"
            ),
        ]

    def __str__(self):
        return f"{self.regie} {self.period:%m/%Y} ({self.get_status_display()})"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    ISSUED = "issued", _("À payer")
    PARTLY_PAID = "partly_paid", _("Payée en partie")
    PAID = "paid", _("Payée")


UNPAID_STATUSES = [InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID]


class Invoice(models.Model):
    regie = models.ForeignKey(
        "wallet.Regie", verbose_name=_("régie"), on_delete=models.PROTECT, related_name="invoices"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("famille"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    run = models.ForeignKey(
        BillingRun, verbose_name=_("facturation"), on_delete=models.PROTECT, related_name="invoices"
    )
    period = models.DateField(_("mois"))
    status = models.CharField(
        _("état"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    # NULL while a draft: a preview never takes a number (unique per régie once given).
    number = models.CharField(_("numéro"), max_length=60, null=True, blank=True)  # noqa: DJ001
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(_("payé"), max_digits=12, decimal_places=2, default=ZERO)
    issued_at = models.DateTimeField(_("émise le"), null=True, blank=True)
    due_date = models.DateField(_("à payer avant le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-period", "regie_id", "number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["regie", "number"], name="billing_invoice_number"),
            models.UniqueConstraint(
                fields=["regie", "owner", "period"], name="billing_one_invoice_per_family_month"
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT, number__isnull=True)
                | (~Q(status=InvoiceStatus.DRAFT) & Q(number__isnull=False)),
                name="billing_numbered_iff_issued",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(paid_amount__gte=0) & Q(paid_amount__lte=F("total")),
                name="billing_invoice_paid_within_total",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self):
        return self.number or str(_("Brouillon de facture"))

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.paid_amount

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT


class InvoiceLine(models.Model):
    """One day of attendance on the invoice, with the booked price and how its amount was
    computed (the state's percentage of that price)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    beneficiary = models.ForeignKey(
        "reservations.Beneficiary",
        verbose_name=_("bénéficiaire"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    service = models.ForeignKey(
        "catalogue.Product", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "partner.Partner", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    attendance = models.ForeignKey(
        "reservations.Attendance",
        verbose_name=_("pointage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    booking = models.ForeignKey(
        "reservations.Booking",
        verbose_name=_("réservation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("pointage"), max_length=20)
    base_price = models.DecimalField(_("prix du jour"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("montant"), max_digits=8, decimal_places=2)
    explanation = models.CharField(_("calcul"), max_length=255)
    # The day's price as pricing explained it (the grid's row, the quotient …).
    price_explanation = models.JSONField(_("détail du prix"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
        ordering = ["date", "beneficiary_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="billing_line_not_negative"),
        ]

    def __str__(self):
        return f"{self.beneficiary} {self.date:%d/%m/%Y} {self.amount} €"


class PaymentMethod(models.TextChoices):
    WALLET = "wallet", _("Porte-monnaie")
    CARD = "card", _("Carte bancaire en ligne")
    CASH = "cash", _("Espèces au guichet")
    CHEQUE = "cheque", _("Chèque")
    CESU = "cesu", _("CESU")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement SEPA")


COUNTER_METHODS = [PaymentMethod.CASH, PaymentMethod.CHEQUE, PaymentMethod.CESU]


class InvoicePayment(models.Model):
    """Money received for an invoice, with the ledger transfer that moved it. A rejected direct
    debit keeps its row, `rejected_at` set and its transfer reversed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("moyen"), max_length=12, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    # What it paid of each service (service id → amount, as strings): the revenue it credited.
    by_service = models.JSONField(default=dict)
    transfer = models.OneToOneField(
        "wallet.Transfer", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    card_payment = models.OneToOneField(
        "wallet.CardPayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_payment",
    )
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistré par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)
    rejected_at = models.DateTimeField(_("rejeté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("paiement de facture")
        verbose_name_plural = _("paiements de factures")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_positive"),
        ]

    def __str__(self):
        return f"{self.invoice} — {self.get_method_display()} {self.amount} €"


class SequenceType(models.TextChoices):
    FIRST = "FRST", _("Premier prélèvement")
    RECURRING = "RCUR", _("Prélèvement récurrent")


class SepaMandate(models.Model):
    """A family's authorisation for a régie to debit its account; the RUM (référence unique du
    mandat) names it in every debit. FRST until its first debit is collected, then RCUR."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("famille"),
        on_delete=models.PROTECT,
        related_name="sepa_mandates",
    )
    regie = models.ForeignKey(
        "wallet.Regie", verbose_name=_("régie"), on_delete=models.PROTECT, related_name="+"
    )
    holder = models.CharField(_("titulaire du compte"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    rum = models.CharField(_("référence unique du mandat"), max_length=35, unique=True)
    signed_on = models.DateField(_("signé le"))
    sequence_type = models.CharField(
        _("séquence"), max_length=4, choices=SequenceType.choices, default=SequenceType.FIRST
    )
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mandat de prélèvement SEPA")
        verbose_name_plural = _("mandats de prélèvement SEPA")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "regie"],
                condition=Q(revoked_at__isnull=True),
                name="billing_one_active_mandate_per_regie",
            ),
        ]

    def __str__(self):
        return self.rum

    @property
    def masked_iban(self) -> str:
        return f"{self.iban[:4]} **** **** {self.iban[-4:]}"


class DebitBatch(models.Model):
    """One pain.008 file of a régie: the invoices it asks the bank to collect on a date."""

    regie = models.ForeignKey(
        "wallet.Regie", verbose_name=_("régie"), on_delete=models.PROTECT, related_name="+"
    )
    message_id = models.CharField(_("identifiant du message"), max_length=35, unique=True)
    collection_date = models.DateField(_("date d'échéance"))
    total = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    count = models.PositiveIntegerField(_("prélèvements"))
    xml = models.TextField(_("fichier pain.008"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("lot de prélèvements")
        verbose_name_plural = _("lots de prélèvements")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.message_id


class DebitStatus(models.TextChoices):
    SENT = "sent", _("Transmis")
    REJECTED = "rejected", _("Rejeté")


class DirectDebit(models.Model):
    batch = models.ForeignKey(DebitBatch, on_delete=models.PROTECT, related_name="debits")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="debits")
    mandate = models.ForeignKey(SepaMandate, on_delete=models.PROTECT, related_name="debits")
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    sequence_type = models.CharField(_("séquence"), max_length=4, choices=SequenceType.choices)
    end_to_end_id = models.CharField(max_length=35, unique=True)
    status = models.CharField(
        _("état"), max_length=10, choices=DebitStatus.choices, default=DebitStatus.SENT
    )
    payment = models.OneToOneField(
        InvoicePayment, on_delete=models.PROTECT, related_name="direct_debit"
    )
    reject_reason = models.CharField(_("motif du rejet"), max_length=100, blank=True)
    rejected_at = models.DateTimeField(_("rejeté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("prélèvement")
        verbose_name_plural = _("prélèvements")
        ordering = ["batch_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_debit_positive"),
            models.CheckConstraint(
                condition=~Q(status=DebitStatus.REJECTED) | Q(rejected_at__isnull=False),
                name="billing_rejected_debit_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.end_to_end_id} {self.amount} €"
