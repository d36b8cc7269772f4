"""Benchmark: add N meals to a basket and check out paying by wallet, our bulk path versus the
stock oscar-api path, through the real HTTP API, in the same run.

    DJANGO_SETTINGS_MODULE=config.settings.dev \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portail_bench_booking \\
    .venv/bin/python scripts/bench_booking_checkout.py [--sizes 1,10,40,100] [--rounds 1]

It creates the database if needed (its name must contain "bench": the script writes parents,
baskets, orders and bookings into it) and migrates it. For each N:
- ours: one POST /api/reservations/basket/ with the N meals (beneficiaries × dates), then
  POST /api/checkout/ paid by wallet;
- stock: N × POST /api/basket/add-product/ (oscar-api's AddProductSerializer: the tariff
  option's product URL, quantity 1, and the options beneficiary, date and price_explanation as
  OptionValueSerializer takes them: {"option": <option URL>, "value": "…"}), then
  POST /api/checkout/ paid by wallet, with stock Oscar swapped in for that path only (see
  `stock_oscar`): Oscar's default strategy (it re-prices every line of the basket, reading
  each line's stock record and product class, on every add), oscar-api's checkout as Oscar
  writes orders (Oscar's OrderCreator, line by line; Oscar's payment events, line by line;
  Oscar's analytics receiver, one UPDATE per line) and no prefetching of the lines'
  relations. Our checkout view (basket lock, one order per basket), the wallet payment (our
  handle_payment) and the booking receiver stay: without them the order would be neither paid
  nor booked.
Each measurement uses a fresh parent (two children with an accepted access, 500 € in the
wallet) and a fresh basket. SQL queries are counted with CaptureQueriesContext on the default
connection; milliseconds are wall time of the request in the test Client (one process). With
--rounds > 1 the table shows the median time and the queries of the last round.

The clock is pinned (time-machine, ticking) to a Monday of November 2026, inside the school year
of the canteen's calendar, so the run gives the same dates whatever the day."""

import argparse
import contextlib
import datetime
import json
import os
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_wallet_checkout import ensure_database, setup_django  # noqa: E402

PINNED_NOW = datetime.datetime(2026, 11, 2, 9, 0)  # Europe/Paris, set with its tz in main()
FIRST_DAY = datetime.date(2026, 11, 16)  # past every booking deadline from PINNED_NOW
LAST_DAY = datetime.date(2027, 7, 3)
WALLET = Decimal("500.00")


class World:
    """One canteen with its calendar and tariff grid; a fresh family per measurement."""

    def __init__(self):
        from oscar.core.loading import get_model

        from reservations.calendars import open_days_for
        from tests.factories import PartnerFactory
        from tests.planning_factories import make_canteen

        option_model = get_model("catalogue", "Option")
        # Names of their own: a rerun on the same database adds a new commune and canteen.
        run = uuid.uuid4().hex[:6]
        commune = PartnerFactory(name=f"Bench {run}")
        self.service, self.children_option, _ = make_canteen(commune, title=f"Cantine bench {run}")
        self.days = open_days_for(self.service, FIRST_DAY, LAST_DAY)
        self.options = {
            option.code: option
            for option in option_model.objects.filter(
                code__in=["beneficiary", "date", "price_explanation"]
            )
        }
        # The tariff options carry the meal options (seed_demo adds them to the service class).
        self.service.product_class.options.add(*self.options.values())

    def family(self):
        from tests.factories import ParentFactory
        from tests.planning_factories import make_family
        from wallet import ledger

        parent = ParentFactory(email=f"bench-{uuid.uuid4().hex}@example.org")
        family = make_family(self.children_option, parent=parent)
        ledger.credit_top_up(
            family.parent,
            WALLET,
            reference="bench",
            idempotency_key=f"bench-booking-top-up:{family.parent.pk}",
        )
        return family

    def meals(self, family, count: int):
        """(beneficiaries, dates) whose product is `count` meals: one child for one meal, both
        children otherwise (count must then be even)."""
        if count == 1:
            return family.children[:1], self.days[:1]
        assert count % 2 == 0, count
        if count // 2 > len(self.days):
            sys.exit(f"Only {len(self.days)} open days: {count} meals need {count // 2}.")
        return family.children, self.days[: count // 2]


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def measured(call):
    """(response, queries, milliseconds) of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The connection keeps at most 9,000 queries (a deque): empty it, or a long run wraps it
    # and CaptureQueriesContext counts wrong.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - start) * 1000
    return response, len(captured), elapsed


def checkout(client, basket_id):
    return client.post(
        "/api/checkout/",
        {"basket": f"http://testserver/api/baskets/{basket_id}/", "payment_method": "wallet"},
        content_type="application/json",
    )


def expect(response, status, what):
    if response.status_code != status:
        sys.exit(f"{what}: HTTP {response.status_code} {response.content[:2000]!r}")


def check_paid(family, count, order_number):
    from oscar.core.loading import get_model

    from reservations.models import Booking, BookingStatus

    order = get_model("order", "Order").objects.get(number=order_number)
    assert order.status == "Payée", order.status
    confirmed = Booking.objects.filter(
        account=family.parent, status=BookingStatus.CONFIRMED
    ).count()
    assert confirmed == count, (confirmed, count)
    assert order.lines.count() == count, order.lines.count()


def run_ours(world, count):
    family = world.family()
    beneficiaries, dates = world.meals(family, count)
    client = client_for(family.parent)
    payload = {
        "service": world.service.pk,
        "beneficiaries": [b.pk for b in beneficiaries],
        "dates": [day.isoformat() for day in dates],
    }
    added, add_queries, add_ms = measured(
        lambda: client.post("/api/reservations/basket/", payload, content_type="application/json")
    )
    expect(added, 201, f"ours, add {count}")
    assert added.json()["lines_count"] == count, added.json()["lines_count"]
    basket_id = added.json()["basket_id"]
    paid, out_queries, out_ms = measured(lambda: checkout(client, basket_id))
    expect(paid, 200, f"ours, checkout {count}")
    check_paid(family, count, paid.json()["number"])
    return add_queries, add_ms, out_queries, out_ms


def explanation_value(price: Decimal) -> str:
    """A price_explanation option value as the strategy reads it (its unit_price is the frozen
    price): the stock path prices each meal at the tariff option's stock record price."""
    return json.dumps({"explanation_fr": "Tarif du service", "unit_price": str(price)})


@contextlib.contextmanager
def stock_oscar():
    """Stock Oscar and oscar-api in place of our forks, for the stock path only.

    Our forks are replaced where Oscar and oscar-api reach them: our `Selector` hands out
    Oscar's default strategy (every Selector instance, the basket middleware's and oscar-api's
    included, calls this method); our checkout serializer places orders with Oscar's
    `OrderPlacementMixin.place_order` (Oscar's `OrderCreator`) and writes payment events as
    Oscar does, asks oscar-api's `_shipping_method` (no prefetch of the lines) and reads the
    basket with oscar-api's field; the answer lists discounts as oscar-api does; Oscar's
    analytics receiver, which our Shop app disconnects, counts the order line by line. What
    stays ours: the view (basket lock, one order per basket), the wallet payment
    (`handle_payment`) and the bookings (`order_placed`), without which the order would be
    neither paid nor booked."""
    from oscar.apps.analytics.receivers import receive_order_placed
    from oscar.apps.checkout.mixins import OrderPlacementMixin
    from oscar.apps.order.signals import order_placed
    from oscar.apps.partner.strategy import Selector as OscarSelector
    from oscarapi.serializers.checkout import CheckoutSerializer as OscarApiCheckoutSerializer
    from oscarapi.serializers.checkout import OrderSerializer as OscarApiOrderSerializer

    from shop.api.serializers.checkout import CheckoutSerializer, PlacedOrderSerializer
    from shop.partner.strategy import Selector

    with contextlib.ExitStack() as stack:
        for owner, name, stock in (
            (Selector, "strategy", OscarSelector.strategy),
            (CheckoutSerializer, "place_order", OrderPlacementMixin.place_order),
            (CheckoutSerializer, "save_payment_events", OrderPlacementMixin.save_payment_events),
            (
                CheckoutSerializer,
                "_shipping_method",
                OscarApiCheckoutSerializer._shipping_method,
            ),
            (
                PlacedOrderSerializer,
                "get_offer_discounts",
                OscarApiOrderSerializer.get_offer_discounts,
            ),
            (
                PlacedOrderSerializer,
                "get_voucher_discounts",
                OscarApiOrderSerializer.get_voucher_discounts,
            ),
        ):
            stack.enter_context(mock.patch.object(owner, name, stock))
        # oscar-api's basket field, which reads the basket the view has locked again.
        stack.enter_context(
            mock.patch.dict(
                CheckoutSerializer._declared_fields,
                {"basket": OscarApiCheckoutSerializer._declared_fields["basket"]},
            )
        )
        order_placed.connect(receive_order_placed)
        stack.callback(order_placed.disconnect, receive_order_placed)
        yield


def run_stock(world, count):
    with stock_oscar():
        return _run_stock(world, count)


def _run_stock(world, count):
    family = world.family()
    beneficiaries, dates = world.meals(family, count)
    client = client_for(family.parent)
    product_url = f"http://testserver/api/products/{world.children_option.pk}/"
    price = explanation_value(world.children_option.stockrecords.first().price)

    def option_url(code):
        return f"http://testserver/api/options/{world.options[code].pk}/"

    bodies = [
        {
            "url": product_url,
            "quantity": 1,
            "options": [
                {"option": option_url("beneficiary"), "value": str(beneficiary.pk)},
                {"option": option_url("date"), "value": day.isoformat()},
                {
                    "option": option_url("price_explanation"),
                    "value": price,
                },
            ],
        }
        for day in dates
        for beneficiary in beneficiaries
    ]
    add_queries, add_ms, basket_id = 0, 0.0, None
    for body in bodies:
        added, queries, elapsed = measured(
            lambda body=body: client.post(
                "/api/basket/add-product/", body, content_type="application/json"
            )
        )
        expect(added, 200, f"stock, add-product ({count})")
        add_queries += queries
        add_ms += elapsed
        basket_id = added.json()["id"]
    paid, out_queries, out_ms = measured(lambda: checkout(client, basket_id))
    expect(paid, 200, f"stock, checkout {count}")
    check_paid(family, count, paid.json()["number"])
    return add_queries, add_ms, out_queries, out_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,40,100", help="numbers of meals")
    parser.add_argument("--rounds", type=int, default=1, help="measurements per path and size")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL=postgres://…/portail_bench_booking (a *bench* database).")
    name = ensure_database(url)
    setup_django()

    import time_machine
    from django.db import connection

    from reservations.rules import PARIS

    with time_machine.travel(PINNED_NOW.replace(tzinfo=PARIS), tick=True):
        world = World()
        print(f"database {name} (PostgreSQL {connection.cursor().connection.info.server_version})")
        print(f"clock pinned to {PINNED_NOW:%Y-%m-%d %H:%M} Europe/Paris; wallet checkout")
        print(
            "ours: POST /api/reservations/basket/ (N meals), POST /api/checkout/, as deployed\n"
            "stock: N x POST /api/basket/add-product/, POST /api/checkout/, with Oscar's default"
            " strategy,\n       Oscar's OrderCreator, payment events and analytics receiver,"
            " oscar-api's basket field,\n       shipping check and discounts (our view, wallet"
            " payment and bookings kept)\n"
        )
        # Warm up both paths: first rows of payment sources, event types, system accounts.
        run_ours(world, 2)
        run_stock(world, 2)

        results = {}
        for size in sizes:
            for path, run in (("ours", run_ours), ("stock", run_stock)):
                rounds = [run(world, size) for _ in range(args.rounds)]
                add_q, _, out_q, _ = rounds[-1]
                add_ms = statistics.median(r[1] for r in rounds)
                out_ms = statistics.median(r[3] for r in rounds)
                results[(path, size)] = (add_q, add_ms, out_q, out_ms)

    header = (
        f"{'path':<6} {'N':>4} {'add queries':>11} {'add ms':>9} "
        f"{'checkout queries':>16} {'checkout ms':>11} {'total queries':>13} {'total ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        for path in ("ours", "stock"):
            add_q, add_ms, out_q, out_ms = results[(path, size)]
            print(
                f"{path:<6} {size:>4} {add_q:>11} {add_ms:>9.0f} {out_q:>16} {out_ms:>11.0f} "
                f"{add_q + out_q:>13} {add_ms + out_ms:>9.0f}"
            )
    reference = 40 if 40 in sizes else sizes[-1]
    ours, stock = results[("ours", reference)], results[("stock", reference)]
    queries_ratio = (stock[0] + stock[2]) / (ours[0] + ours[2])
    time_ratio = (stock[1] + stock[3]) / (ours[1] + ours[3])
    print(
        f"\nN = {reference}: stock / ours = {queries_ratio:.1f}× the queries "
        f"(add {stock[0] / ours[0]:.1f}×, checkout {stock[2] / ours[2]:.1f}×), "
        f"{time_ratio:.1f}× the time (add {stock[1] / ours[1]:.1f}×, "
        f"checkout {stock[3] / ours[3]:.1f}×). Target: ≥ 50× queries, ≥ 20× time."
    )


if __name__ == "__main__":
    main()
