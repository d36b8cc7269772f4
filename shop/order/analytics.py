"""Oscar's analytics counters for a placed order (oscar.apps.analytics.receivers), bumped once
the checkout has committed, in a fixed number of statements instead of one UPDATE per line.

Oscar's receiver bumps `ProductRecord.num_purchases` line by line inside the checkout. A
product's counter row is shared by every family buying it: updated inside the checkout, it
would be held until the checkout commits, and all the checkouts of a service would run one at a
time behind it. Bumped after the commit, in one upsert per table, the row is held for one
statement. The dashboard's reports read these counters (Oscar's product and user analytics);
nothing else does, so a counter failing after a paid checkout is logged, not raised."""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from django.db import DatabaseError, connection, transaction
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
    statements = [_purchases_upsert(placed.purchases), _user_order_upsert(placed)]
    statements = [statement for statement in statements if statement is not None]
    if len(statements) == 2 and connection.vendor == "postgresql":
        # One round trip: the products' upsert as a data-modifying CTE of the user's.
        (purchases_sql, purchases_params), (user_sql, user_params) = statements
        statements = [
            (f"WITH purchases AS ({purchases_sql}) {user_sql}", purchases_params + user_params)
        ]
    # Each statement is atomic on its own (autocommit): no transaction around them, which
    # would cost two more round trips. On SQLite, a failure of the second leaves the first
    # counted.
    try:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
    except DatabaseError:
        logger.exception("Analytics counters not bumped for an order of user %s", placed.user_id)


def _purchases_upsert(purchases: dict[int, int]) -> tuple[str, list] | None:
    """Every product's purchases added in one statement, creating the missing rows: an upsert
    (PostgreSQL and SQLite) on the product's unique row, in product order (two orders bumping
    the same products lock their rows in the same order, and never deadlock)."""
    if not purchases:
        return None
    table = connection.ops.quote_name(ProductRecord._meta.db_table)
    rows = ", ".join(["(%s, 0, 0, %s, 0.0)"] * len(purchases))
    params = [
        value for product_id in sorted(purchases) for value in (product_id, purchases[product_id])
    ]
    sql = (
        f"INSERT INTO {table} (product_id, num_views, num_basket_additions, num_purchases, "
        f"score) VALUES {rows} ON CONFLICT (product_id) DO UPDATE "
        f"SET num_purchases = {table}.num_purchases + excluded.num_purchases"
    )
    return sql, params


def _user_order_upsert(placed: PlacedOrder) -> tuple[str, list] | None:
    """The user's orders, lines, items, total spent and last order, in one upsert."""
    if placed.user_id is None:
        return None
    table = connection.ops.quote_name(UserRecord._meta.db_table)
    sql = (
        f"INSERT INTO {table} (user_id, num_product_views, num_basket_additions, "
        "num_orders, num_order_lines, num_order_items, total_spent, date_last_order) "
        "VALUES (%s, 0, 0, 1, %s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE SET "
        f"num_orders = {table}.num_orders + 1, "
        f"num_order_lines = {table}.num_order_lines + excluded.num_order_lines, "
        f"num_order_items = {table}.num_order_items + excluded.num_order_items, "
        f"total_spent = {table}.total_spent + excluded.total_spent, "
        "date_last_order = excluded.date_last_order"
    )
    params = [
        placed.user_id,
        placed.num_lines,
        placed.num_items,
        placed.total,
        connection.ops.adapt_datetimefield_value(placed.date_placed),
    ]
    return sql, params
