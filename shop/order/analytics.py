"""Oscar's analytics counters for a placed order (oscar.apps.analytics.receivers), bumped once
the checkout has committed, in a fixed number of statements instead of one UPDATE per line.

Oscar's receiver bumps `ProductRecord.num_purchases` line by line inside the checkout. A
product's counter row is shared by every family buying it: updated inside the checkout, it
would be held until the checkout commits, and all the checkouts of a service would run one at a
time behind it. Bumped after the commit, in a short transaction of its own, the row is held for
one statement. The dashboard's reports read these counters (Oscar's product and user analytics);
nothing else does, so a counter failing after a paid checkout is logged, not raised."""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from django.db import DatabaseError, transaction
from django.db.models import Case, F, IntegerField, Value, When
from oscar.core.loading import get_model

logger = logging.getLogger(__name__)

ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")


@dataclass(frozen=True)
class PlacedOrder:
    """What the counters add for one order, read from its lines while they are in memory."""

    user_id: int | None
    purchases: dict[int, int]  # product id → quantity bought
    num_lines: int
    num_items: int
    total: Decimal
    date_placed: datetime


def record_order_after_commit(order, user, lines) -> None:
    """What Oscar's `receive_order_placed` records (each product's purchases; the user's
    orders, lines, items, total spent and last order date), once the transaction commits."""
    purchases = Counter()
    for line in lines:
        purchases[line.product_id] += line.quantity
    purchases.pop(None, None)
    signed_in = user is not None and user.is_authenticated
    placed = PlacedOrder(
        user_id=user.pk if signed_in else None,
        purchases=dict(purchases),
        num_lines=len(lines),
        num_items=sum(line.quantity for line in lines),
        total=order.total_incl_tax,
        date_placed=order.date_placed,
    )
    transaction.on_commit(partial(_count, placed))


def _count(placed: PlacedOrder) -> None:
    try:
        with transaction.atomic():
            _count_purchases(placed.purchases)
            if placed.user_id is not None:
                _count_user_order(placed)
    except DatabaseError:
        logger.exception("Analytics counters not bumped for an order of user %s", placed.user_id)


def _count_purchases(purchases: dict[int, int]) -> None:
    """Create the missing rows without conflict, lock them in id order (two orders bumping the
    same products never deadlock), then add every product's purchases in one UPDATE."""
    if not purchases:
        return
    product_ids = sorted(purchases)
    ProductRecord.objects.bulk_create(
        [ProductRecord(product_id=product_id) for product_id in product_ids],
        ignore_conflicts=True,
    )
    records = ProductRecord.objects.select_for_update().filter(product_id__in=product_ids)
    list(records.order_by("pk").values_list("pk", flat=True))
    records.update(
        num_purchases=F("num_purchases")
        + Case(
            *(When(product_id=pk, then=Value(quantity)) for pk, quantity in purchases.items()),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def _count_user_order(placed: PlacedOrder) -> None:
    UserRecord.objects.bulk_create([UserRecord(user_id=placed.user_id)], ignore_conflicts=True)
    UserRecord.objects.filter(user_id=placed.user_id).update(
        num_orders=F("num_orders") + 1,
        num_order_lines=F("num_order_lines") + placed.num_lines,
        num_order_items=F("num_order_items") + placed.num_items,
        total_spent=F("total_spent") + placed.total,
        date_last_order=placed.date_placed,
    )
