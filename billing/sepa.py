"""SEPA direct debit: the families' mandates (IBAN and BIC checked by schwifty), one pain.008
file per régie and collection date (made and validated against its XSD by sepaxml), and the
rejects the bank reports (the invoice back to unpaid, the collection reversed in the ledger).

A debit is recorded as collected when its file is made (the money is the bank's to move on the
collection date); a reject undoes it. Invoices are locked before their mandates, in id order."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sepaxml import SepaDD

from accounts.roles import ActorRole
from wallet import ledger
from wallet.models import AccountKind, Regie, TransferKind

from . import rules
from .exceptions import BillingError
from .models import (
    UNPAID_STATUSES,
    DebitBatch,
    DebitStatus,
    DirectDebit,
    Invoice,
    PaymentMethod,
    SepaCreditor,
    SepaMandate,
    SequenceType,
)
from .payments import charges_for, record_payment

SCHEMA = "pain.008.001.02"


# --- Mandates ------------------------------------------------------------------------------


def sign_mandate(
    owner, regie: Regie, *, holder: str, iban: str, bic: str = "", signed_on: date
) -> SepaMandate:
    """A new mandate of the family for the régie (replacing the one it had: revoked), its IBAN
    and BIC checked (rules.BankDetailsError with the field and a French message)."""
    iban, bic = rules.checked_bank_details(iban, bic)
    holder = holder.strip()
    if not holder:
        raise rules.BankDetailsError("holder", _("Indiquez le titulaire du compte."))
    with transaction.atomic():
        SepaMandate.objects.filter(owner=owner, regie=regie, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        return SepaMandate.objects.create(
            owner=owner,
            regie=regie,
            holder=holder[:70],
            iban=iban,
            bic=bic,
            rum=rules.mandate_reference(regie.code, signed_on, uuid.uuid4().int % 10**8),
            signed_on=signed_on,
        )


def revoke_mandate(owner, mandate_id: int) -> None:
    SepaMandate.objects.filter(owner=owner, pk=mandate_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- Debit files ---------------------------------------------------------------------------


def make_debit_batch(
    regie: Regie, *, collection_date: date, by=None, now: datetime | None = None
) -> DebitBatch:
    """One pain.008 file debiting every unpaid invoice of the régie whose family has an active
    mandate and no debit in flight; each recorded as paid by direct debit. Refused when the
    régie has no creditor identifier or nothing is to be debited (BillingError)."""
    now = now or timezone.now()
    creditor = SepaCreditor.objects.filter(regie=regie).first()
    if creditor is None:
        raise BillingError(
            _("La régie n'a pas d'identifiant créancier SEPA : renseignez-le d'abord.")
        )
    if collection_date <= timezone.localdate(now):
        raise BillingError(_("La date d'échéance d'un prélèvement est dans le futur."))
    with transaction.atomic():
        invoices = list(
            Invoice.objects.select_for_update(of=("self",))
            .filter(regie=regie, status__in=UNPAID_STATUSES)
            .order_by("pk")
        )
        owners = [invoice.owner_id for invoice in invoices]
        mandates = {
            m.owner_id: m
            for m in SepaMandate.objects.select_for_update()
            .filter(regie=regie, revoked_at__isnull=True, owner_id__in=owners)
            .order_by("pk")
        }
        invoices = [i for i in invoices if i.owner_id in mandates and i.balance_due > 0]
        if not invoices:
            raise BillingError(_("Aucune facture à prélever pour cette régie."))
        document = SepaDD(_config(creditor), schema=SCHEMA, clean=True)
        batch = DebitBatch.objects.create(
            regie=regie,
            message_id=document.msg_id[:35],
            collection_date=collection_date,
            total=sum((i.balance_due for i in invoices), Decimal("0.00")),
            count=len(invoices),
            xml="",
            created_by=by,
        )
        for invoice in invoices:
            _debit(document, batch, invoice, mandates[invoice.owner_id], by)
        # Collected from now on: the mandate's next file debits it as recurring. Within this
        # file, each mandate keeps one sequence for all its debits (one FRST per mandate).
        SepaMandate.objects.filter(
            pk__in=[m.pk for m in mandates.values()], sequence_type=SequenceType.FIRST
        ).update(sequence_type=SequenceType.RECURRING)
        batch.xml = document.export(validate=True).decode("utf-8")
        batch.save(update_fields=["xml"])
    return batch


def _config(creditor: SepaCreditor) -> dict:
    return {
        "name": creditor.name,
        "IBAN": creditor.iban,
        "BIC": creditor.bic,
        "batch": True,
        "creditor_id": creditor.creditor_id,
        "currency": "EUR",
    }


def _debit(document, batch, invoice, mandate, by) -> DirectDebit:
    amount = invoice.balance_due
    sequence = rules.debit_sequence(mandate.sequence_type)
    end_to_end = f"{batch.pk:06d}-{invoice.pk:010d}"
    charges = charges_for(invoice, amount)
    transfer = ledger.record_receipt(
        charges,
        receipts_kind=AccountKind.DIRECT_DEBIT_RECEIPTS,
        kind=TransferKind.DIRECT_DEBIT,
        reason=f"Prélèvement de la facture {invoice.number}",
        regie_id=invoice.regie_id,
        reference=invoice.number,
        idempotency_key=f"debit:{end_to_end}",
        actor=by,
        actor_role=ActorRole.AGENT if by else ActorRole.SYSTEM,
    )
    payment = record_payment(
        invoice,
        method=PaymentMethod.DIRECT_DEBIT,
        charges=charges,
        transfer=transfer,
        by=by,
        reference=end_to_end,
    )
    document.add_payment(
        {
            "name": mandate.holder,
            "IBAN": mandate.iban,
            "BIC": mandate.bic,
            "amount": rules.to_cents(amount),
            "type": sequence,
            "collection_date": batch.collection_date,
            "mandate_id": mandate.rum,
            "mandate_date": mandate.signed_on,
            "description": f"Facture {invoice.number}",
            "endtoend_id": end_to_end,
        }
    )
    return DirectDebit.objects.create(
        batch=batch,
        invoice=invoice,
        mandate=mandate,
        amount=amount,
        sequence_type=sequence,
        end_to_end_id=end_to_end,
        payment=payment,
    )


# --- Rejects -------------------------------------------------------------------------------


def record_reject(debit_id: int, *, reason: str, by=None, now: datetime | None = None):
    """The bank could not collect a debit: its collection reversed in the ledger, the invoice
    owes it again, and a mandate none of whose debits stands is debited first (FRST) again."""
    now = now or timezone.now()
    with transaction.atomic():
        debit = DirectDebit.objects.select_related("payment__transfer").get(pk=debit_id)
        invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=debit.invoice_id)
        debit = DirectDebit.objects.select_for_update(of=("self",)).get(pk=debit_id)
        if debit.status == DebitStatus.REJECTED:
            return debit
        payment = debit.payment
        ledger.reverse_transfer(
            payment.transfer,
            reason=f"Rejet du prélèvement de la facture {invoice.number}",
            idempotency_key=f"debit-reject:{debit.pk}",
            actor=by,
            actor_role=ActorRole.AGENT if by else ActorRole.SYSTEM,
            kind=TransferKind.DIRECT_DEBIT_REJECT,
        )
        payment.rejected_at = now
        payment.save(update_fields=["rejected_at"])
        invoice.paid_amount -= payment.amount
        invoice.status = rules.invoice_status(invoice.total, invoice.paid_amount)
        invoice.save(update_fields=["paid_amount", "status"])
        debit.status, debit.rejected_at, debit.reject_reason = (
            DebitStatus.REJECTED,
            now,
            reason[:100],
        )
        debit.save(update_fields=["status", "rejected_at", "reject_reason"])
        collected = DirectDebit.objects.filter(mandate_id=debit.mandate_id, status=DebitStatus.SENT)
        if debit.sequence_type == SequenceType.FIRST and not collected.exists():
            # The mandate was never collected: its next debit is a first one again.
            SepaMandate.objects.filter(pk=debit.mandate_id).update(sequence_type=SequenceType.FIRST)
    return debit
