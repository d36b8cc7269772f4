"""Benchmark: put N meals in a basket and check out, our booking path against stock Oscar's.

    .venv/bin/python scripts/bench_booking_checkout.py [--sizes 1,5,10,20,40] [--rounds 5]
        [--database-url postgres://postgres@127.0.0.1:5432/portail_bench_booking] [--fresh]

It runs in-process on the test settings (config.settings.test: MD5 passwords, local cache, eager
tasks), against a PostgreSQL database of its own, created and migrated if missing (`--fresh`
drops it first; its name must contain "bench"). A canteen is seeded once, and for every
measurement a new family (one child with an accepted access, 500 € in the wallet) through the
real use cases (scripts/_bench_support.py). For each N:
- ours: POST /api/reservations/basket/ with the N meals (one child × N days the calendar API
  says bookable), then POST /api/checkout/ paid by wallet, both through Django's test Client:
  session, middleware, our basket service, checkout, wallet payment and bookings included;
- stock: what a plain Oscar + oscar-api shop does for the same meals: a standalone product of a
  class that neither ships nor tracks stock, with two text options (beneficiary, date), added
  with Oscar's own `basket.add_product` N times under Oscar's default strategy, then oscar-api's
  own CheckoutSerializer (Oscar's OrderCreator, Oscar's analytics receiver on `order_placed`,
  none of our receivers), the basket frozen and the order serialized as oscar-api's view does.
  No payment is taken: stock oscar-api takes none.
Queries are counted with CaptureQueriesContext over add + checkout; those run by Celery tasks
(eager here: the confirmation e-mail, the receipt numbers, which a worker runs in production)
are counted apart and shown beside. Times are wall time of add + checkout, tasks included.
The paths' rounds are interleaved (ours, stock, ours, stock …) so that the machine's
noise falls on both; the table shows the minimum and the median over the rounds."""

import argparse
import contextlib
import logging
import os
import statistics
import sys
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts._bench_support import (  # noqa: E402
    prepare_database,
    seed_canteens,
    seed_families,
    setup_django,
)

WALLET = Decimal("500.00")
MEAL_PRICE = Decimal("3.30")


@dataclass(frozen=True)
class Measure:
    queries: int  # the requests' own
    seconds: float
    task_queries: int = 0


class World:
    """One canteen, the days it takes bookings for, and Oscar's plain product for the same meal."""

    def __init__(self, days_needed: int):
        from django.utils import timezone

        self.label = f"bench-{uuid.uuid4().hex[:6]}"
        self.today = timezone.localdate()
        (self.service,) = seed_canteens(1, label=self.label, capacity=None, today=self.today)
        self.families = 0
        self.days = self._bookable_days(days_needed)
        self.stock_product, self.stock_options = stock_meal_product(self.label, self.service)

    def family(self):
        """A new parent and their child: (user, child id)."""
        from django.contrib.auth import get_user_model

        # Index 0 of a label is a family with one child (seed_families gives 1 to 3 in turn).
        (family,) = seed_families(
            [self.service],
            1,
            label=f"{self.label}-{self.families}",
            wallet=WALLET,
            today=self.today,
        )
        self.families += 1
        return get_user_model().objects.get(email=family.email), family.beneficiary_ids[0]

    def _bookable_days(self, count: int) -> list[str]:
        """The first `count` days the calendar API offers a new family."""
        user, child = self.family()
        client = logged_in(user)
        days, month = [], self.today.replace(day=1)
        for _ in range(12):
            answer = client.get(
                "/api/reservations/calendar/",
                {"beneficiary": child, "month": month.strftime("%Y-%m")},
            )
            expect(answer, 200, "calendar")
            for service in answer.json()[0]["services"]:
                days += [day["date"] for day in service["days"] if day["state"] == "bookable"]
            if len(days) >= count:
                return days[:count]
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        sys.exit(f"Only {len(days)} bookable days in a year: {count} needed.")


def stock_meal_product(label: str, service):
    """A standalone product priced at the canteen's commune, in a class that neither ships nor
    tracks stock, with the two options a stock shop would need for a meal."""
    from oscar.core.loading import get_model

    option_model = get_model("catalogue", "Option")
    product_class = get_model("catalogue", "ProductClass").objects.create(
        name=f"Repas {label}", requires_shipping=False, track_stock=False
    )
    options = [
        option_model.objects.create(name=f"{name} {label}", code=f"{code}-{label}", type="text")
        for code, name in (("beneficiary", "Bénéficiaire"), ("date", "Date"))
    ]
    product_class.options.add(*options)
    product = get_model("catalogue", "Product").objects.create(
        title="Repas", structure="standalone", product_class=product_class
    )
    get_model("partner", "StockRecord").objects.create(
        product=product,
        partner=service.children.get().stockrecords.get().partner,
        partner_sku=f"repas-{label}",
        price=MEAL_PRICE,
    )
    return product, options


def logged_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def expect(response, status: int, what: str) -> None:
    if response.status_code != status:
        sys.exit(f"{what}: HTTP {response.status_code} {response.content[:2000]!r}")


@contextlib.contextmanager
def measuring():
    """Yields a list that receives the Measure of the block."""
    from celery.signals import task_postrun, task_prerun
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    depth, started_at, in_tasks = [0], [0], [0]

    def entered(**kwargs):
        depth[0] += 1
        if depth[0] == 1:
            started_at[0] = len(connection.queries_log)

    def left(**kwargs):
        depth[0] -= 1
        if depth[0] == 0:
            in_tasks[0] += len(connection.queries_log) - started_at[0]

    task_prerun.connect(entered, weak=False)
    task_postrun.connect(left, weak=False)
    # The connection keeps at most 9 000 queries: empty it, or a long run counts wrong.
    connection.queries_log.clear()
    result = []
    try:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            yield result
            elapsed = time.perf_counter() - start
    finally:
        task_prerun.disconnect(entered)
        task_postrun.disconnect(left)
    result.append(Measure(len(captured) - in_tasks[0], elapsed, in_tasks[0]))


def run_ours(world: World, count: int) -> Measure:
    from oscar.core.loading import get_model

    user, child = world.family()
    client = logged_in(user)
    meals = {"service": world.service.pk, "beneficiaries": [child], "dates": world.days[:count]}
    with measuring() as measure:
        added = client.post("/api/reservations/basket/", meals, content_type="application/json")
        expect(added, 201, f"ours, add {count}")
        paid = client.post(
            "/api/checkout/",
            {
                "basket": f"http://testserver/api/baskets/{added.json()['basket_id']}/",
                "payment_method": "wallet",
            },
            content_type="application/json",
        )
        expect(paid, 200, f"ours, checkout {count}")
    order = get_model("order", "Order").objects.get(number=paid.json()["number"])
    assert order.status == "Payée" and order.lines.count() == count, (order.status, count)
    return measure[0]


@contextlib.contextmanager
def stock_signals():
    """`order_placed` as stock Oscar has it: Oscar's analytics receiver, none of ours."""
    from oscar.apps.analytics.receivers import receive_order_placed
    from oscar.apps.order.signals import order_placed

    ours = list(order_placed.receivers)
    order_placed.receivers = []
    order_placed.sender_receivers_cache.clear()
    order_placed.connect(receive_order_placed)
    try:
        yield
    finally:
        order_placed.receivers = ours
        order_placed.sender_receivers_cache.clear()


def run_stock(world: World, count: int) -> Measure:
    from django.test import RequestFactory
    from oscar.apps.partner.strategy import Selector
    from oscar.core.loading import get_model
    from oscarapi.serializers.checkout import CheckoutSerializer, OrderSerializer

    user, child = world.family()
    beneficiary, day = world.stock_options
    request = RequestFactory().post("/api/checkout/")
    request.user = user
    request.strategy = Selector().strategy(request=request, user=user)
    with stock_signals(), measuring() as measure:
        basket = get_model("basket", "Basket").open.create(owner=user)
        basket.strategy = request.strategy
        for meal_day in world.days[:count]:
            options = [
                {"option": beneficiary, "value": str(child)},
                {"option": day, "value": meal_day},
            ]
            basket.add_product(world.stock_product, 1, options)
        checkout = CheckoutSerializer(
            data={"basket": f"http://testserver/api/baskets/{basket.pk}/"},
            context={"request": request},
        )
        assert checkout.is_valid(), checkout.errors
        order = checkout.save()
        basket.freeze()
        OrderSerializer(order, context={"request": request}).data  # noqa: B018 - the answer
    assert order.lines.count() == count, order.lines.count()
    return measure[0]


PATHS = (("ours", run_ours), ("stock", run_stock))


def measure_all(world: World, sizes: list[int], rounds: int) -> dict:
    """{(path, N): [Measure per round]}, the paths' rounds interleaved."""
    results = {}
    for size in sizes:
        for _ in range(rounds):
            for path, run in PATHS:
                results.setdefault((path, size), []).append(run(world, size))
    return results


def table(results: dict, sizes: list[int]) -> list[str]:
    lines = [
        f"{'N':>3} {'path':<6} {'queries':>8} {'tasks':>6} {'min ms':>8} {'median ms':>10} "
        f"{'stock/ours queries':>19} {'stock/ours time':>16}"
    ]
    for size in sizes:
        ours, stock = results[("ours", size)], results[("stock", size)]
        for path, runs in (("ours", ours), ("stock", stock)):
            times = [run.seconds * 1000 for run in runs]
            ratios = ""
            if path == "stock":
                ratios = (
                    f"{_median(stock, 'queries') / _median(ours, 'queries'):>19.1f} "
                    f"{_median(stock, 'seconds') / _median(ours, 'seconds'):>15.1f}×"
                )
            tasks = max(run.task_queries for run in runs)
            lines.append(
                f"{size:>3} {path:<6} {max(run.queries for run in runs):>8} "
                f"{f'+{tasks}' if tasks else '':>6} {min(times):>8.1f} "
                f"{statistics.median(times):>10.1f} {ratios}"
            )
    return lines


def _median(runs: list[Measure], attribute: str) -> float:
    return statistics.median(getattr(run, attribute) for run in runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,5,10,20,40", help="numbers of meals")
    parser.add_argument("--rounds", type=int, default=5, help="measurements per path and size")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/portail_bench_booking"
    )
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    os.environ["DATABASE_URL"] = args.database_url
    name = prepare_database(args.database_url, reuse=not args.fresh)
    setup_django("config.settings.test")
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test Client's host, a local mailbox
    logging.getLogger("celery").setLevel(logging.WARNING)  # one line per eager task otherwise
    # oscar-api's order answer warns that stock has no payment view: expected here.
    warnings.simplefilter("ignore")
    world = World(max(sizes))
    print(f"database {name}; {args.rounds} rounds per path and size, interleaved")
    for _, run in PATHS:  # warm-up: first payment source, event types, system accounts
        run(world, 2)
    results = measure_all(world, sizes, args.rounds)
    print("\n".join(table(results, sizes)))
    reference = 40 if 40 in sizes else sizes[-1]
    speedup = _median(results[("stock", reference)], "seconds") / _median(
        results[("ours", reference)], "seconds"
    )
    ours = [run for (path, _), runs in results.items() if path == "ours" for run in runs]
    most = max(run.queries for run in ours)
    print(
        f"\nours: at most {most} queries in the add and checkout requests (target ≤ 50, flat in "
        f"N), and {max(run.task_queries for run in ours)} in their Celery tasks; at "
        f"N = {reference} stock takes {speedup:.1f}× our time (target ≥ 25×)."
    )


if __name__ == "__main__":
    main()
