"""Oscar's analytics counters for a placed order (oscar.apps.analytics.receivers), written in a
fixed number of statements instead of one UPDATE per order line.

Oscar's receiver bumps `ProductRecord.num_purchases` line by line and creates a missing row on
the fly. Inside our checkout transaction, two first purchases of a product would collide on that
insert (an IntegrityError that aborts the transaction), and two baskets holding the same products
in another order could deadlock. So `lock_counters` creates the missing rows without conflict and
locks them in id order before the order is written; `record_order` then adds the order to them:
one UPDATE for every product, one for the user."""

from collections import Counter

from django.db.models import Case, F, IntegerField, Value, When
from oscar.core.loading import get_model

ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")


def lock_counters(product_ids, user) -> None:
    """Create the missing counter rows (products, and the user when signed in), then lock the
    product rows in id order. Three statements whatever the number of products."""
    product_ids = sorted(set(product_ids))
    ProductRecord.objects.bulk_create(
        [ProductRecord(product_id=product_id) for product_id in product_ids],
        ignore_conflicts=True,
    )
    if user is not None and user.is_authenticated:
        UserRecord.objects.bulk_create([UserRecord(user=user)], ignore_conflicts=True)
    list(
        ProductRecord.objects.select_for_update()
        .filter(product_id__in=product_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def record_order(order, user, lines) -> None:
    """What Oscar's `receive_order_placed` records, from the order's lines already in memory:
    each product's purchases (its lines' quantities), and the user's orders, lines, items, total
    spent and last order date. The rows exist: `lock_counters` ran before the order was
    written."""
    purchases = Counter()
    for line in lines:
        purchases[line.product_id] += line.quantity
    purchases.pop(None, None)
    if purchases:
        ProductRecord.objects.filter(product_id__in=list(purchases)).update(
            num_purchases=F("num_purchases")
            + Case(
                *(
                    When(product_id=product_id, then=Value(quantity))
                    for product_id, quantity in purchases.items()
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    if user is None or not user.is_authenticated:
        return
    num_lines = len(lines)
    num_items = sum(line.quantity for line in lines)
    updated = UserRecord.objects.filter(user=user).update(
        num_orders=F("num_orders") + 1,
        num_order_lines=F("num_order_lines") + num_lines,
        num_order_items=F("num_order_items") + num_items,
        total_spent=F("total_spent") + order.total_incl_tax,
        date_last_order=order.date_placed,
    )
    if not updated:
        UserRecord.objects.create(
            user=user,
            num_orders=1,
            num_order_lines=num_lines,
            num_order_items=num_items,
            total_spent=order.total_incl_tax,
            date_last_order=order.date_placed,
        )
