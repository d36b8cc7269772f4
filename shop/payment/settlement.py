"""What a settled card payment step does to its order's shares (shop/payment/shares.py).

Paid: each of the step's shares gets its card part into the ledger (card receipts of its
régie to its services' revenue), its receipt number, and its meals confirmed. Cancelled (by
the gateway, or unpaid at the 30-minute expiry): each of its shares gives its wallet part back
to the pots that paid it and releases its meals. Once no share waits any more, the order is
"Payée" if any share was paid (a paid share stands whatever happened to the others), else
"Annulée". Called under the lock of the order row, with the shares locked too: settling the
same step twice changes nothing."""

import logging
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from reservations import bookings
from wallet import ledger
from wallet.models import AccountKind, Leg, RegieShare, ShareStatus
from wallet.rules import CENT, ZERO

from . import processing, shares
from .constants import ORDER_CANCELLED, ORDER_PAID

logger = logging.getLogger(__name__)

Line = get_model("order", "Line")


def step_paid(order, payment) -> None:
    order_shares = _locked_shares(order)
    mine = [share for share in order_shares if share.card_payment_id == payment.pk]
    pending = [share for share in mine if share.status == ShareStatus.PENDING]
    if not pending:
        if mine and all(share.status == ShareStatus.CANCELLED for share in mine):
            processing.credit_late_card_payment(order, payment, mine[0].regie_id)
        return
    lines = _lines_by_regie(order, order_shares)
    card_parts = _card_parts_by_service(order, lines)
    now = timezone.now()
    for share in pending:
        charges = [
            ledger.Charge(service_id, commune_id, amount, share.regie_id)
            for (service_id, commune_id), amount in card_parts[share.regie_id].items()
            if amount
        ]
        ledger.record_card_receipt(
            charges,
            regie_id=share.regie_id,
            reference=order.number,
            idempotency_key=f"card-share:{share.pk}",
            actor=order.user,
            actor_role=ActorRole.PARENT,
        )
        shares.mark_paid(share, now)
        bookings.confirm_line_bookings([line.pk for line in lines[share.regie_id]], now=now)
    processing.record_card_source(order, payment)
    _close_when_settled(order, order_shares)


def step_cancelled(order, payment) -> None:
    order_shares = _locked_shares(order)
    pending = [
        share
        for share in order_shares
        if share.card_payment_id == payment.pk and share.status == ShareStatus.PENDING
    ]
    if not pending:
        return
    lines = _lines_by_regie(order, order_shares)
    source = processing.wallet_source(order)
    now = timezone.now()
    for share in pending:
        if share.wallet_amount and source is not None:
            processing.refund_wallet_share(order, source, share.regie_id, share.wallet_amount)
        bookings.cancel_line_bookings(
            [line.pk for line in lines[share.regie_id]],
            now=now,
            reason=_("Commande %(number)s : la part de la %(regie)s n'a pas été payée")
            % {"number": order.number, "regie": share.regie.name},
        )
        shares.mark_cancelled(share, now)
    _close_when_settled(order, order_shares)


def _locked_shares(order) -> list[RegieShare]:
    return list(
        RegieShare.objects.select_for_update(of=("self",))
        .filter(order_number=order.number)
        .select_related("regie")
        .order_by("regie_id")
    )


def _close_when_settled(order, order_shares: list[RegieShare]) -> None:
    if any(share.status == ShareStatus.PENDING for share in order_shares):
        return
    paid = any(share.status == ShareStatus.PAID for share in order_shares)
    status = ORDER_PAID if paid else ORDER_CANCELLED
    if order.status != status:
        order.set_status(status)


def _lines_by_regie(order, order_shares: list[RegieShare]) -> dict[int, list]:
    """The order's lines of each share, as the checkout froze them on the share."""
    lines = order.lines.select_related("product").in_bulk(
        [pk for share in order_shares for pk in share.order_line_ids]
    )
    return {
        share.regie_id: [lines[pk] for pk in share.order_line_ids if pk in lines]
        for share in order_shares
    }


def _card_parts_by_service(order, lines_by_regie) -> dict[int, dict]:
    """What the card pays of each (service, commune), per régie: the lines' prices less what
    the wallet's purchase credited that service's revenue."""
    wallet_paid = _wallet_paid_by_service(order)
    parts: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for regie_id, lines in lines_by_regie.items():
        for line in lines:
            service_id = line.product.parent_id or line.product_id
            parts[regie_id][service_id, line.partner_id] += line.line_price_incl_tax
    for regie_parts in parts.values():
        for key in regie_parts:
            regie_parts[key] = (regie_parts[key] - wallet_paid.get(key, ZERO)).quantize(CENT)
            if regie_parts[key] < 0:
                raise ValueError(f"Order {order.number}: the wallet paid more than {key} cost.")
    return parts


def _wallet_paid_by_service(order) -> dict[tuple, Decimal]:
    source = processing.wallet_source(order)
    if source is None:
        return {}
    rows = (
        Leg.objects.filter(
            transfer_id=int(source.reference), account__kind=AccountKind.SERVICE_REVENUE
        )
        .values_list("account__service_id", "commune_id")
        .annotate(total=Sum("amount"))
    )
    return {(service_id, commune_id): total for service_id, commune_id, total in rows}
