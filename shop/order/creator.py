"""Oscar's OrderCreator, writing the order's lines in bulk.

Stock Oscar creates each order line, then its prices and each of its attributes, one INSERT at
a time, and reads each line's partner, parent product, product class and options on the way:
about twelve queries per meal. `BulkOrderCreator` writes the same rows with one `bulk_create`
per table, after loading what the lines need in one query per relation. Stock is allocated only
for product classes that track it (ours do not: no query), and Oscar's analytics counters are
bumped once the checkout has committed, in one statement per table (shop/order/analytics.py)
instead of one per line inside it.

`order_placed` is still sent once, with the order, after the rows are written, and says who
acted (`actor`, `actor_role`: the parent, or the agent booking for the family). Oscar's
analytics receiver, which would bump the counters line by line inside the checkout, is
disconnected by shop.config.Shop: the counters are recorded here."""

from decimal import Decimal as D

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from oscar.apps.order import exceptions
from oscar.apps.order.signals import order_placed
from oscar.apps.order.utils import OrderCreator, OrderNumberGenerator
from oscar.core.loading import get_model

from . import analytics

__all__ = ["BulkOrderCreator", "checkout_lines", "prefetch_line_relations"]

Line = get_model("order", "Line")
LineAttribute = get_model("order", "LineAttribute")
LinePrice = get_model("order", "LinePrice")
Order = get_model("order", "Order")
OrderLineDiscount = get_model("order", "OrderLineDiscount")
Product = get_model("catalogue", "Product")
BasketLineAttribute = get_model("basket", "LineAttribute")


def prefetch_line_relations(basket_lines) -> None:
    """Load, once for all the basket's lines, what writing their order lines reads: the stock
    record's partner, the parent product (a child's title), the product class (does it track
    stock?) and each attribute's option. The lines are the basket's own objects, offers applied:
    they are completed in place, not reloaded (a reload would drop their discounts)."""
    basket_lines = list(basket_lines)
    lookups = [
        "stockrecord__partner",
        "product__product_class",
        # A child's class is its parent's: both in one query.
        Prefetch("product__parent", queryset=Product.objects.select_related("product_class")),
    ]
    prefetched = getattr(basket_lines[0], "_prefetched_objects_cache", {}) if basket_lines else {}
    if "attributes" in prefetched:
        # all_lines() prefetched the attributes already: only their options are missing.
        lookups.append("attributes__option")
    else:
        lookups.append(
            Prefetch("attributes", queryset=BasketLineAttribute.objects.select_related("option"))
        )
    prefetch_related_objects(basket_lines, *lookups)


def checkout_lines(basket):
    """The basket's lines, in id order, with what the checkout reads of them: product, product
    class, parent (a child's title and class), stock record and partner in one query, the
    attributes and their options in a second (Oscar's all_lines() reads the products' images
    too, which no checkout shows)."""
    return (
        basket.lines.select_related(
            "product__product_class",
            "product__parent__product_class",
            "stockrecord__partner",
        )
        .prefetch_related(
            Prefetch("attributes", queryset=BasketLineAttribute.objects.select_related("option"))
        )
        .order_by("pk")
    )


def keep_loaded(instance, relation: str, objects) -> None:
    """Leave `objects` as `instance.<relation>.all()`, where prefetch_related leaves what it
    loads: all() and count() then answer from memory; filter() and the like still query."""
    queryset = getattr(instance, relation).get_queryset()  # lazy: no query
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[relation] = queryset


def _vouchers_to_lock(basket):
    """The basket's vouchers, locked; none to read when the checkout has seen, under the
    basket's lock, that it holds none (shop.checkout: `holds_voucher`): then none was applied."""
    if getattr(basket, "holds_voucher", True) is False:
        return []
    return basket.vouchers.select_for_update()


class BulkOrderCreator(OrderCreator):
    """Writes what Oscar's OrderCreator writes for a basket, lines in bulk (see the module)."""

    def place_order(
        self,
        basket,
        total,
        shipping_method,
        shipping_charge,
        user=None,
        shipping_address=None,
        billing_address=None,
        order_number=None,
        status=None,
        request=None,
        surcharges=None,
        actor=None,
        actor_role=None,
        **kwargs,
    ):
        """Oscar's `place_order`; `actor` and `actor_role` (None: the user, as a parent) go to
        `order_placed`'s receivers, which record them on the bookings."""
        # Oscar's place_order (oscar/apps/order/utils.py), but for the lines, the stock and the
        # analytics: keep the rest in step with it when upgrading Oscar.
        if basket.is_empty:
            raise ValueError(_("Empty baskets cannot be submitted"))
        if not order_number:
            order_number = OrderNumberGenerator().order_number(basket)
        if not status and hasattr(settings, "OSCAR_INITIAL_ORDER_STATUS"):
            status = settings.OSCAR_INITIAL_ORDER_STATUS
        # Oscar asks here whether an order has this number already: the number's unique index
        # refuses a second one anyway (the checkout has checked, under the basket's lock, that
        # none was placed for this basket, whose id the number is made of).

        basket_lines = list(basket.all_lines())
        prefetch_line_relations(basket_lines)
        # Oscar's atomic block, without a savepoint inside the checkout's transaction: every
        # caller (the checkout view, shop/on_behalf.py) lets an error here abort that whole
        # transaction, wallet debit included, so a savepoint would never be rolled back to.
        with transaction.atomic(savepoint=False):
            kwargs["surcharges"] = surcharges
            order = self.create_order_model(
                user,
                basket,
                shipping_address,
                shipping_method,
                shipping_charge,
                billing_address,
                total,
                order_number,
                status,
                request,
                **kwargs,
            )
            # Oscar reads the basket's vouchers twice (locked, then all() again to record
            # their usage): the locked rows, less the inactive ones removed, are those.
            vouchers = []
            for voucher in _vouchers_to_lock(basket):
                if not voucher.is_active():  # basket ignores inactive vouchers
                    basket.vouchers.remove(voucher)
                else:
                    available_to_user, msg = voucher.is_available_to_user(user=user)
                    if not available_to_user:
                        raise ValueError(msg)
                    vouchers.append(voucher)

            discounted = False
            for application in basket.offer_applications:
                application["message"] = application["offer"].apply_deferred_benefit(
                    basket, order, application
                )
                if application["result"].affects_shipping:
                    shipping_discount = shipping_method.discount(basket)
                    if shipping_discount <= D("0.00"):
                        continue
                    application["discount"] = shipping_discount
                self.create_discount_model(order, application)
                self.record_discount(application)
                discounted = True
            if not discounted:
                # The answer lists the order's discounts: none were written.
                keep_loaded(order, "discounts", [])

            for voucher in vouchers:
                self.record_voucher_usage(order, voucher, user)

            order_lines = self.create_lines_in_bulk(order, basket_lines)
            self.allocate_stock(basket_lines)
            analytics.record_order_after_commit(order, user, order_lines)

        order_placed.send(sender=self, order=order, user=user, actor=actor, actor_role=actor_role)
        return order

    def create_order_model(self, user, basket, *args, **kwargs):
        order = super().create_order_model(user, basket, *args, **kwargs)
        if user is not None and user.is_authenticated and order.user_id == user.pk:
            # The answer reads order.user (Order.email): the user placing it, no query.
            order.user = user
        if not kwargs.get("surcharges"):
            # Nor does it need to ask for the surcharges of an order placed without any.
            keep_loaded(order, "surcharges", [])
        return order

    def create_lines_in_bulk(self, order, basket_lines):
        """The order lines, in basket order (their ids keep the order the parent saw), then
        their prices, attributes and discounts: one INSERT per table.

        The lines and their attributes are left loaded on the order, as
        `prefetch_related("lines__attributes")` would leave them: `order_placed`'s receivers
        (the bookings) and the payment events read them without a query."""
        order_lines = Line._default_manager.bulk_create(
            [Line(**self.line_fields(order, basket_line)) for basket_line in basket_lines]
        )
        pairs = list(zip(order_lines, basket_lines, strict=True))
        LinePrice._default_manager.bulk_create(
            LinePrice(
                order=order,
                line=order_line,
                quantity=quantity,
                price_incl_tax=price_incl_tax,
                price_excl_tax=price_excl_tax,
                tax_code=basket_line.tax_code,
            )
            for order_line, basket_line in pairs
            for price_incl_tax, price_excl_tax, quantity in basket_line.get_price_breakdown()
        )
        attributes = {order_line.pk: [] for order_line in order_lines}
        for attribute in LineAttribute._default_manager.bulk_create(
            LineAttribute(
                line=order_line, option=attr.option, type=attr.option.code, value=attr.value
            )
            for order_line, basket_line in pairs
            for attr in basket_line.attributes.all()
        ):
            attributes[attribute.line_id].append(attribute)
        self.create_line_discounts_in_bulk(order, pairs)
        for order_line, basket_line in pairs:
            self.create_additional_line_models(order, order_line, basket_line)
        for order_line in order_lines:
            keep_loaded(order_line, "attributes", attributes[order_line.pk])
        keep_loaded(order, "lines", order_lines)
        return order_lines

    def line_fields(self, order, basket_line, extra_line_fields=None) -> dict:
        """The fields Oscar's create_line_models gives an order line."""
        product = basket_line.product
        stockrecord = basket_line.stockrecord
        if not stockrecord:
            raise exceptions.UnableToPlaceOrder(f"Basket line #{basket_line.id} has no stockrecord")
        partner = stockrecord.partner
        fields = {
            "order": order,
            "partner": partner,
            "partner_name": partner.name,
            "partner_sku": stockrecord.partner_sku,
            "stockrecord": stockrecord,
            "product": product,
            "title": product.get_title(),
            "upc": product.upc,
            "quantity": basket_line.quantity,
            "line_price_excl_tax": basket_line.line_price_excl_tax_incl_discounts,
            "line_price_incl_tax": basket_line.line_price_incl_tax_incl_discounts,
            "line_price_before_discounts_excl_tax": basket_line.line_price_excl_tax,
            "line_price_before_discounts_incl_tax": basket_line.line_price_incl_tax,
            "unit_price_incl_tax": basket_line.unit_price_incl_tax,
            "unit_price_excl_tax": basket_line.unit_price_excl_tax,
            "tax_code": basket_line.tax_code,
            "num_allocated": basket_line.quantity,
        }
        extra_line_fields = dict(extra_line_fields or {})
        if hasattr(settings, "OSCAR_INITIAL_LINE_STATUS") and "status" not in extra_line_fields:
            extra_line_fields["status"] = settings.OSCAR_INITIAL_LINE_STATUS
        fields.update(extra_line_fields)
        return fields

    def create_line_discounts_in_bulk(self, order, pairs):
        """Oscar's create_line_discount_models for every line: the order's discounts are read
        once, not once per discounted line."""
        wanted = [
            (order_line, discount)
            for order_line, basket_line in pairs
            for discount in basket_line.discounts
            if discount.offer
        ]
        if not wanted:
            return
        order_discounts = {}
        for order_discount in order.discounts.order_by("pk"):
            order_discounts.setdefault(order_discount.offer_id, order_discount)
        OrderLineDiscount._default_manager.bulk_create(
            OrderLineDiscount(
                line=order_line,
                order_discount=order_discounts[discount.offer.id],
                is_incl_tax=discount.incl_tax,
                amount=discount.amount,
            )
            for order_line, discount in wanted
            if discount.offer.id in order_discounts
        )

    def allocate_stock(self, basket_lines):
        """Oscar's update_stock_records, for the lines whose product class tracks stock, in
        stock-record order (concurrent checkouts lock the rows in the same order)."""
        tracked = [line for line in basket_lines if line.product.get_product_class().track_stock]
        for line in sorted(tracked, key=lambda line: line.stockrecord_id):
            line.stockrecord.allocate(line.quantity)
