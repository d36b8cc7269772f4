"""The booking path's cost in queries: a parent's meals added through the API, then paid by
wallet at POST /api/checkout/, the same number of queries for 1 meal and for 40."""

import pytest
import time_machine
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from reservations.models import Booking, BookingStatus
from tests.booking_factories import top_up
from tests.functional.test_checkout_payment import checkout
from tests.functional.test_planning_api import BASKET, school_days
from tests.planning_factories import NOW, make_canteen, make_family

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

# Add + checkout, as scripts/bench_booking_checkout.py measures them: each request's session
# and user read (the session is not written again within a minute: accounts/session_expiry.py);
# the add's checks and bulk writes; the checkout's basket lock, re-check under the day locks
# (shared with the bookings), wallet debit (the pots read and locked in one statement), order,
# lines, bookings, payment records, the régies' shares; then, after the commit, Oscar's
# analytics counters (1), the shares' receipt numbers (3, and here the 2 savepoints of the
# transaction they run in, nested in the test's) and the order's confirmation e-mail (7: the
# family's opt-outs, the order, its shares and régies, its meals). Meal options, payment types,
# school holidays, régies and revenue accounts come from the cache.
ADD_AND_CHECKOUT_QUERIES = 63


def add_and_pay(service, option, meals: int) -> int:
    """Queries of one family's add of `meals` meals and its wallet checkout."""
    family = make_family(option, children=1)
    top_up(family.parent, "500.00")
    client = Client()
    client.force_login(family.parent)
    payload = {
        "service": service.pk,
        "beneficiaries": [family.children[0].pk],
        "dates": [day.isoformat() for day in school_days(service, meals)],
    }
    # What runs after each commit is counted too (the shares' numbering, the caches).
    with (
        CaptureQueriesContext(connection) as queries,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        added = client.post(BASKET, payload, content_type="application/json")
        assert added.status_code == 201, added.content
        paid = checkout(client, Basket.objects.get(pk=added.json()["basket_id"]), "wallet")
        assert paid.status_code == 200, paid.content
    order = Order.objects.get(number=paid.json()["number"])
    assert order.status == "Payée"
    assert (
        Booking.objects.filter(order_number=order.number, status=BookingStatus.CONFIRMED).count()
        == meals
    )
    return len(queries)


def test_adding_and_paying_1_or_40_meals_costs_the_same_bounded_queries():
    with time_machine.travel(NOW, tick=False):
        service, option, _ = make_canteen()
        # The database's first checkout opens the service's revenue account and Oscar's
        # payment source and event types: not what every checkout costs.
        add_and_pay(service, option, 1)
        one, forty = add_and_pay(service, option, 1), add_and_pay(service, option, 40)
    assert one == forty, (one, forty)
    assert forty <= ADD_AND_CHECKOUT_QUERIES, forty
