"""The debt threshold: a family whose unpaid invoices with a commune exceed what the commune
tolerates cannot book its post-paid services. Checked when meals are added to the basket
(reservations' adding signal) and again at checkout, under the basket's lock."""

from decimal import Decimal

from django.db.models import DecimalField, Exists, F, OuterRef, Sum
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from wallet.regies import post_paid_service_ids

from . import rules
from .exceptions import DebtThresholdExceeded
from .models import UNPAID_STATUSES, DebtThreshold, Invoice, InvoiceLine

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
ZERO = Decimal("0.00")


def unpaid_with_commune(owner_id: int, commune_id: int) -> Decimal:
    """What the family still owes on its issued invoices for services of the commune."""
    total = (
        Invoice.objects.filter(owner_id=owner_id, status__in=UNPAID_STATUSES)
        .filter(Exists(InvoiceLine.objects.filter(invoice=OuterRef("pk"), commune_id=commune_id)))
        .aggregate(
            due=Coalesce(
                Sum(F("total") - F("paid_amount")),
                ZERO,
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )["due"]
    )
    return total


def refusal_for(owner_id: int, service_ids) -> str | None:
    """The French refusal of booking these services (None: allowed). Only post-paid services
    are concerned, and only communes that set a threshold."""
    post_paid = post_paid_service_ids(service_ids)
    if not post_paid:
        return None
    communes = set(
        StockRecord.objects.filter(product__parent_id__in=post_paid).values_list(
            "partner_id", flat=True
        )
    )
    thresholds = DebtThreshold.objects.filter(commune_id__in=communes).select_related("commune")
    for threshold in thresholds.order_by("commune_id"):
        refusal = rules.debt_refusal(
            unpaid_with_commune(owner_id, threshold.commune_id),
            threshold.amount,
            threshold.commune.name,
        )
        if refusal:
            return refusal
    return None


def check_debt(owner_id: int, service_ids) -> None:
    refusal = refusal_for(owner_id, service_ids)
    if refusal:
        raise DebtThresholdExceeded(refusal)
