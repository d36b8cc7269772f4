"""An invoice's payments: from the family's wallet, by card or PayFiP through the régie's
backend, at the régie's counter (cash, cheque, CESU, recorded by an agent). Each locks the
invoice row first, then moves the money through wallet/ledger.py (the invoice's régie on every
leg), records an `InvoicePayment` and the invoice's new status."""

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import ActorRole
from wallet import gateways, ledger
from wallet.exceptions import InsufficientFundsError
from wallet.gateways.base import GatewayError
from wallet.gateways.limits import AmountOutOfRangeError, check_amount
from wallet.ledger import Charge
from wallet.models import (
    AccountKind,
    CardPayment,
    CardPaymentPurpose,
    CardPaymentStatus,
    TransferKind,
)
from wallet.money import euros
from wallet.payments import GatewayUnavailableError, payment_reference

from . import rules
from .exceptions import BillingError
from .models import (
    COUNTER_METHODS,
    UNPAID_STATUSES,
    Invoice,
    InvoicePayment,
    PaymentMethod,
)

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")


def locked_invoice(invoice_id: int, owner=None) -> Invoice:
    """The issued invoice, its row locked; another family's (with `owner`) is DoesNotExist."""
    invoices = Invoice.objects.select_for_update(of=("self",)).select_related("regie")
    if owner is not None:
        invoices = invoices.filter(owner=owner)
    return invoices.exclude(status="draft").get(pk=invoice_id)


def charges_for(invoice: Invoice, amount: Decimal) -> list[Charge]:
    """What `amount` pays of each of the invoice's services (its part still owed first), as
    the ledger's charges, in the invoice's régie."""
    lines = invoice.lines.values("service_id", "commune_id").annotate(total=Sum("amount"))
    communes = {row["service_id"]: row["commune_id"] for row in lines}
    owed = rules.outstanding_by_service(
        {row["service_id"]: row["total"] for row in lines},
        list(
            invoice.payments.filter(rejected_at__isnull=True).values_list("by_service", flat=True)
        ),
    )
    try:
        shares = rules.allocate_payment(owed, amount)
    except ValueError:
        raise BillingError(
            _("Cette facture reste à payer de %(due)s : un paiement ne peut pas la dépasser.")
            % {"due": euros(invoice.balance_due)}
        ) from None
    return [Charge(sid, communes[sid], part, invoice.regie_id) for sid, part in shares.items()]


def record_payment(invoice: Invoice, *, method, charges, transfer, by=None, **fields):
    """The payment row and the invoice's new paid amount and status; `invoice` is locked."""
    amount = sum((c.amount for c in charges), ZERO)
    payment = InvoicePayment.objects.create(
        invoice=invoice,
        method=method,
        amount=amount,
        by_service={str(c.service_id): str(c.amount) for c in charges},
        transfer=transfer,
        recorded_by=by,
        **fields,
    )
    invoice.paid_amount += amount
    invoice.status = rules.invoice_status(invoice.total, invoice.paid_amount)
    invoice.save(update_fields=["paid_amount", "status"])
    return payment


def _check_unpaid(invoice: Invoice) -> None:
    if invoice.status not in UNPAID_STATUSES:
        raise BillingError(_("La facture %(number)s est déjà payée.") % {"number": invoice.number})


# --- Wallet --------------------------------------------------------------------------------


def pay_with_wallet(owner, invoice_id: int, *, actor=None, role=ActorRole.PARENT) -> InvoicePayment:
    """What the invoice still owes, paid from the family's pots (each service's pot first, then
    the general pot), all of it or refused (BillingError) with nothing written."""
    with transaction.atomic():
        invoice = locked_invoice(invoice_id, owner)
        _check_unpaid(invoice)
        charges = charges_for(invoice, invoice.balance_due)
        try:
            paid = ledger.pay_invoice_from_wallet(
                owner,
                charges,
                reference=invoice.number,
                # The invoice row is locked: one payment per invoice and amount already paid.
                idempotency_key=f"invoice:{invoice.pk}:wallet:{invoice.paid_amount}",
                actor=actor or owner,
                actor_role=role,
            )
        except InsufficientFundsError as error:
            raise BillingError(
                _(
                    "Votre porte-monnaie ne suffit pas : il manque %(missing)s. Rechargez-le ou "
                    "payez par carte."
                )
                % {"missing": euros(error.missing)}
            ) from error
        return record_payment(
            invoice, method=PaymentMethod.WALLET, charges=charges, transfer=paid.transfer, by=actor
        )


# --- Counter -------------------------------------------------------------------------------


def record_counter_payment(
    invoice_id: int, *, method: str, amount: Decimal, agent, reference: str = ""
) -> InvoicePayment:
    """Cash, a cheque or CESU handed to the régie's counter, recorded by an agent."""
    if method not in COUNTER_METHODS:
        raise BillingError(_("Moyen de paiement inconnu au guichet."))
    with transaction.atomic():
        invoice = locked_invoice(invoice_id)
        _check_unpaid(invoice)
        charges = charges_for(invoice, amount)
        transfer = ledger.record_receipt(
            charges,
            receipts_kind=AccountKind.COUNTER_RECEIPTS,
            kind=TransferKind.INVOICE_PAYMENT,
            reason=f"Paiement au guichet de la facture {invoice.number}",
            regie_id=invoice.regie_id,
            reference=invoice.number,
            idempotency_key=f"invoice:{invoice.pk}:counter:{uuid.uuid4().hex}",
            actor=agent,
            actor_role=ActorRole.AGENT,
        )
        return record_payment(
            invoice,
            method=method,
            charges=charges,
            transfer=transfer,
            by=agent,
            reference=reference[:100],
        )


# --- Card and PayFiP -----------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceCardPayment:
    payment: CardPayment
    client_secret: str | None = None
    publishable_key: str | None = None
    redirect_url: str | None = None
    is_test: bool = False


def start_card_payment(owner, invoice_id: int) -> InvoiceCardPayment:
    """Ask the régie's backend (card, PayFiP) for a payment of what the invoice still owes.
    The CardPayment row is written first, then the gateway is asked, outside any transaction;
    what it reports settles the invoice (`settle_card_payment`, from wallet's signal)."""
    with transaction.atomic():
        invoice = locked_invoice(invoice_id, owner)
        _check_unpaid(invoice)
        backend = invoice.regie.backend
        try:
            check_amount(backend, invoice.balance_due)
        except AmountOutOfRangeError as error:
            raise BillingError(str(error)) from error
        gateway = gateways.gateway_for(backend)
        payment = CardPayment.objects.create(
            owner=owner,
            purpose=CardPaymentPurpose.INVOICE,
            amount=invoice.balance_due,
            gateway=gateway.code,
            backend=backend,
            regie=invoice.regie,
            order_number=invoice.number,
            idempotency_key=f"invoice:{invoice.pk}:card:{uuid.uuid4().hex}",
        )
    try:
        reported = gateway.create_payment(
            amount=payment.amount,
            reference=payment_reference(payment),
            description=_("Facture %(number)s") % {"number": invoice.number},
            idempotency_key=payment.idempotency_key,
            **({"email": owner.email} if getattr(gateway, "needs_payer_email", False) else {}),
        )
    except GatewayError as error:
        logger.exception("Gateway %s refused invoice payment %s", gateway.code, payment.pk)
        CardPayment.objects.filter(pk=payment.pk).update(
            status=CardPaymentStatus.FAILED, settled_at=timezone.now()
        )
        raise GatewayUnavailableError(
            _("Le paiement en ligne est momentanément indisponible : réessayez plus tard.")
        ) from error
    payment.gateway_reference = reported.reference
    payment.save(update_fields=["gateway_reference", "updated_at"])
    return InvoiceCardPayment(
        payment,
        client_secret=reported.client_secret,
        publishable_key=gateway.publishable_key,
        redirect_url=reported.redirect_url,
        is_test=gateway.is_test,
    )


def settle_card_payment(payment: CardPayment) -> InvoicePayment | None:
    """A card payment of an invoice succeeded (inside wallet's settling transaction): the
    régie's card receipts pay the invoice; what exceeds what it still owes (paid meanwhile at
    the counter) goes to the family's general pot. Idempotent: once per card payment."""
    if payment.purpose != CardPaymentPurpose.INVOICE:
        return None
    if payment.status != CardPaymentStatus.SUCCEEDED:
        return None
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .filter(regie_id=payment.regie_id, number=payment.order_number)
        .first()
    )
    if invoice is None or InvoicePayment.objects.filter(card_payment=payment).exists():
        return None
    amount = min(payment.amount, invoice.balance_due)
    excess = payment.amount - amount
    if excess > 0:
        ledger.credit_top_up(
            payment.owner,
            excess,
            reference=f"facture:{invoice.number}",
            idempotency_key=f"card-payment:{payment.pk}:excess",
            regie_id=payment.regie_id,
        )
    if amount <= 0:
        return None
    charges = charges_for(invoice, amount)
    transfer = ledger.record_receipt(
        charges,
        receipts_kind=AccountKind.CARD_RECEIPTS,
        kind=TransferKind.INVOICE_PAYMENT,
        reason=f"Paiement en ligne de la facture {invoice.number}",
        regie_id=invoice.regie_id,
        reference=invoice.number,
        idempotency_key=f"card-payment:{payment.pk}",
        actor=payment.owner,
        actor_role=ActorRole.PARENT,
    )
    return record_payment(
        invoice,
        method=PaymentMethod.CARD,
        charges=charges,
        transfer=transfer,
        by=payment.owner,
        card_payment=payment,
        reference=payment.gateway_reference or "",
    )
