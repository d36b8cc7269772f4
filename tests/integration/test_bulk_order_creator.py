"""shop/order/creator.py: the bulk order creator writes, field by field, the rows Oscar's
OrderCreator writes for the same basket, and a checkout costs the same number of queries
whatever the number of meals."""

import datetime

import pytest
from django.forms.models import model_to_dict
from oscar.apps.analytics.receivers import receive_order_placed
from oscar.apps.order.signals import order_placed
from oscar.apps.order.utils import OrderCreator
from oscar.core.loading import get_class, get_model

from reservations.bookings import meal_lines
from reservations.calendars import open_days_for
from reservations.models import Booking
from shop.order.creator import BulkOrderCreator
from tests.booking_factories import MEAL_DAY, add_meals, make_canteen, top_up
from tests.factories import ParentFactory
from tests.functional.test_checkout_payment import checkout
from tests.reservations_factories import BeneficiaryFactory
from tests.shop_data import make_service

Basket = get_model("basket", "Basket")
LineAttribute = get_model("order", "LineAttribute")
LinePrice = get_model("order", "LinePrice")
Order = get_model("order", "Order")
ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")
Selector = get_class("partner.strategy", "Selector")

pytestmark = pytest.mark.django_db

# The whole POST /api/checkout/ paid by wallet: session, basket lock, pricing, the re-check of
# every line under the day locks (its reads shared with the bookings), wallet debit, order,
# lines, bookings, payment records and the response (Oscar's analytics counters are bumped
# after the commit, which this test's transaction never reaches). The same for 10 and 100
# meals. This first checkout of the database also opens the service's revenue account and
# Oscar's payment source and event types; later ones cost 37 with the counters
# (scripts/bench_booking_checkout.py).
CHECKOUT_QUERY_BOUND = 50


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def children(parent):
    return BeneficiaryFactory(account=parent), BeneficiaryFactory(account=parent)


def meals_for(children, count, service=None):
    """`count` meals, alternating between the children, two per day from MEAL_DAY on (the
    service's open days when given: no public holiday)."""
    days = [MEAL_DAY + datetime.timedelta(days=n) for n in range(count)]
    if service is not None:
        days = open_days_for(service, MEAL_DAY, MEAL_DAY + datetime.timedelta(days=2 * count))
    return [(children[i % 2], days[i // 2]) for i in range(count)]


def place(creator, basket_id, user, number):
    """Place the basket with `creator` as the checkout does: strategy, offers, no shipping."""
    basket = Basket.objects.get(pk=basket_id)
    basket.strategy = Selector().strategy(user=user)
    shipping_method = Repository().get_default_shipping_method(basket=basket, user=user)
    shipping_charge = shipping_method.calculate(basket)
    return creator.place_order(
        basket=basket,
        total=OrderTotalCalculator().calculate(basket, shipping_charge),
        shipping_method=shipping_method,
        shipping_charge=shipping_charge,
        user=user,
        order_number=number,
        status="En attente de paiement",
    )


IGNORED = {"id", "order", "line", "date_created", "date_updated"}


def rows(order):
    """The order's lines, line prices and line attributes, as dicts without ids or dates, the
    attributes and prices keyed by their line's position in the order."""
    lines = list(order.lines.order_by("pk"))
    position = {line.pk: index for index, line in enumerate(lines)}

    def plain(instance):
        return {k: v for k, v in model_to_dict(instance).items() if k not in IGNORED}

    return {
        "lines": [plain(line) for line in lines],
        "prices": sorted(
            (position[price.line_id], sorted(plain(price).items()))
            for price in LinePrice.objects.filter(order=order)
        ),
        "attributes": sorted(
            (position[attr.line_id], attr.type, str(attr.value), attr.option_id)
            for attr in LineAttribute.objects.filter(line__order=order)
        ),
    }


def counters(user, products):
    purchases = dict(
        ProductRecord.objects.filter(product__in=products).values_list(
            "product_id", "num_purchases"
        )
    )
    record = UserRecord.objects.filter(user=user).values(
        "num_orders", "num_order_lines", "num_order_items", "total_spent"
    )
    return purchases, record.first()


def delta(before, after):
    purchases = {k: after[0].get(k, 0) - before[0].get(k, 0) for k in after[0]}
    if before[1] is None:
        return purchases, after[1]
    return purchases, {k: after[1][k] - before[1][k] for k in after[1]}


def test_the_bulk_creator_writes_the_rows_of_oscars_creator(
    parent, children, django_capture_on_commit_callbacks
):
    service, meal, _ = make_canteen()
    _, (adult_meal,) = make_service(
        meal.stockrecords.first().partner, "Garderie", {"Goûter": "1.10"}
    )
    basket = add_meals(parent, meal, meals_for(children, 6))
    add_meals(parent, adult_meal, meals_for(children, 3), price="1.10")
    basket.add_product(adult_meal, 2)  # a line with a quantity of 2 and no options
    products = [meal, adult_meal]

    placed = []

    def record(sender, order, **kwargs):
        placed.append(order)

    order_placed.connect(record)
    try:
        before = counters(parent, products)
        # What stock Oscar counts: its own analytics receiver (shop.config disconnects it).
        order_placed.connect(receive_order_placed)
        try:
            stock = place(OrderCreator(), basket.pk, parent, "STOCK-1")
        finally:
            order_placed.disconnect(receive_order_placed)
        after_stock = counters(parent, products)
        # The same meals are placed twice: free them for the second order.
        Booking.objects.filter(order_number="STOCK-1").delete()
        # The bulk creator bumps the counters once the checkout commits.
        with django_capture_on_commit_callbacks(execute=True):
            bulk = place(BulkOrderCreator(), basket.pk, parent, "BULK-1")
        after_bulk = counters(parent, products)
    finally:
        order_placed.disconnect(record)

    assert placed == [stock, bulk]  # order_placed sent once per order, with the order
    expected = rows(stock)
    assert len(expected["lines"]) == 10
    assert len(expected["attributes"]) == 27
    assert rows(bulk) == expected
    # Oscar's analytics receiver counted the stock order; the bulk creator counts the same.
    assert delta(after_stock, after_bulk) == delta(before, after_stock)
    assert delta(before, after_stock)[0] == {meal.pk: 6, adult_meal.pk: 5}


def test_the_bulk_creator_allocates_stock_only_when_tracked(parent, children):
    service, meal, _ = make_canteen()
    stockrecord = meal.stockrecords.first()
    basket = add_meals(parent, meal, meals_for(children, 2))
    place(BulkOrderCreator(), basket.pk, parent, "BULK-2")
    Booking.objects.filter(order_number="BULK-2").delete()  # the same meals are placed again
    stockrecord.refresh_from_db()
    assert stockrecord.num_allocated in (None, 0)

    product_class = service.product_class
    product_class.track_stock = True
    product_class.save()
    stockrecord.num_in_stock = 10
    stockrecord.save()
    place(BulkOrderCreator(), basket.pk, parent, "BULK-3")
    stockrecord.refresh_from_db()
    assert stockrecord.num_allocated == 2


def test_the_bulk_creator_leaves_the_lines_it_wrote_loaded_on_the_order(
    parent, children, django_assert_num_queries
):
    service, meal, _ = make_canteen()
    basket = add_meals(parent, meal, meals_for(children, 4, service))
    order = place(BulkOrderCreator(), basket.pk, parent, "BULK-4")

    # What the bookings, the payment events and the answer read next: no query.
    with django_assert_num_queries(0):
        loaded = meal_lines(order)
        assert order.lines.count() == 4
        assert [attribute.type for attribute in order.lines.all()[0].attributes.all()] == [
            "beneficiary",
            "date",
            "price_explanation",
        ]
        assert order.user == parent
        assert list(order.discounts.all()) == []
        assert list(order.surcharges.all()) == []
    # The same as read from the database.
    assert loaded == meal_lines(Order.objects.get(pk=order.pk))
    assert [meal.line_id for meal in loaded] == list(
        order.lines.order_by("pk").values_list("pk", flat=True)
    )


@pytest.mark.parametrize("count", [10, 100])
def test_a_checkout_costs_the_same_queries_for_10_and_100_meals(
    client, parent, children, django_assert_max_num_queries, count
):
    service, meal, _ = make_canteen()
    top_up(parent, "500.00")
    basket = add_meals(parent, meal, meals_for(children, count, service))
    client.force_login(parent)

    with django_assert_max_num_queries(CHECKOUT_QUERY_BOUND):
        response = checkout(client, basket, "wallet")

    assert response.status_code == 200, response.content
    order = Order.objects.get(user=parent)
    assert order.status == "Payée"
    assert order.lines.count() == count
    assert Booking.objects.filter(order_number=order.number).count() == count
