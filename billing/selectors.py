"""Billing's read queries: a family's invoices (owner-scoped: another family's is missing),
an agent's invoices and mandates (scoped to the régies they may read)."""

from django.db.models import Prefetch, QuerySet

from .models import Invoice, InvoiceLine, InvoicePayment, InvoiceStatus, SepaMandate


def invoices_of(owner) -> QuerySet:
    """The family's issued invoices, newest month first; drafts are never shown to families."""
    return (
        Invoice.objects.filter(owner=owner)
        .exclude(status=InvoiceStatus.DRAFT)
        .select_related("regie")
        .order_by("-period", "-pk")
    )


def invoice_detail(invoices: QuerySet, pk: int) -> Invoice:
    """One invoice of `invoices` with its lines and payments loaded (DoesNotExist if not in)."""
    return invoices.prefetch_related(
        Prefetch(
            "lines",
            queryset=InvoiceLine.objects.select_related("beneficiary", "service").order_by(
                "date", "beneficiary_id", "pk"
            ),
        ),
        Prefetch("payments", queryset=InvoicePayment.objects.order_by("created_at", "pk")),
    ).get(pk=pk)


def invoices_of_regies(regies) -> QuerySet:
    return Invoice.objects.filter(regie__in=regies).select_related("regie", "owner")


def active_mandate(owner, regie) -> SepaMandate | None:
    return SepaMandate.objects.filter(owner=owner, regie=regie, revoked_at__isnull=True).first()
