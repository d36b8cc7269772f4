"""Billing's invariants against what is written, as wallet/integrity.py checks the ledger's:
an invoice's total is the sum of its lines, its paid amount the sum of its standing payments
(a rejected debit stands no more), and each payment's ledger transfer credited its régie's
revenue with exactly its amount (a reject reverses it in a transfer of its own). Three
aggregate queries whatever the number of invoices; changes nothing."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from wallet.models import AccountKind, Leg

from .models import Invoice, InvoiceLine, InvoicePayment

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class Problem:
    invoice_id: int
    what: str
    expected: Decimal
    found: Decimal


@dataclass(frozen=True)
class BillingReport:
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        if self.ok:
            return "Billing integrity: no problem found."
        return "\n".join(
            f"- invoice {p.invoice_id}: {p.what} is {p.found}, expected {p.expected}"
            for p in self.problems
        )


def check_billing() -> BillingReport:
    return BillingReport(_totals() + _paid_amounts() + _transfers())


def _sum_of(queryset, column: str):
    return Coalesce(
        Subquery(queryset.values("invoice").annotate(total=Sum(column)).values("total")),
        Value(ZERO),
        output_field=_MONEY,
    )


def _totals() -> list[Problem]:
    lines = InvoiceLine.objects.filter(invoice=OuterRef("pk"))
    rows = (
        Invoice.objects.annotate(lines_total=_sum_of(lines, "amount"))
        .exclude(total=F("lines_total"))
        .values_list("pk", "lines_total", "total")
    )
    return [Problem(pk, "total", expected, found) for pk, expected, found in rows]


def _paid_amounts() -> list[Problem]:
    standing = InvoicePayment.objects.filter(invoice=OuterRef("pk"), rejected_at__isnull=True)
    rows = (
        Invoice.objects.annotate(paid=_sum_of(standing, "amount"))
        .exclude(paid_amount=F("paid"))
        .values_list("pk", "paid", "paid_amount")
    )
    return [Problem(pk, "paid amount", expected, found) for pk, expected, found in rows]


def _transfers() -> list[Problem]:
    """Each payment's transfer credited revenue with exactly its amount (a reject reverses it
    in a transfer of its own)."""
    revenue = (
        Leg.objects.filter(transfer=OuterRef("transfer"), account__kind=AccountKind.SERVICE_REVENUE)
        .values("transfer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = (
        InvoicePayment.objects.annotate(
            moved=Coalesce(Subquery(revenue), Value(ZERO), output_field=_MONEY)
        )
        .exclude(moved=F("amount"))
        .values_list("invoice_id", "amount", "moved")
    )
    return [Problem(pk, "revenue of a payment", expected, found) for pk, expected, found in rows]
