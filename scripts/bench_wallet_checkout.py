"""Benchmark: N parents checking out by wallet at the same time, through the real HTTP API.

    DJANGO_SETTINGS_MODULE=config.settings.dev \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portail_bench \\
    .venv/bin/python scripts/bench_wallet_checkout.py [--sizes 1,10,50] [--rounds 3] [--lines 4]

It creates the database if needed (its name must contain "bench": the script writes parents,
orders and ledger rows into it) and migrates it. For each N, and in two scenarios — every parent
paying the same commune's services (one hot revenue account per service), or each parent a
service of its own — it tops up N wallets, fills N baskets, then starts N threads that each POST
/api/checkout/ with their own Django test Client at the same moment. It prints checkouts per
second (successes / wall time of the round) and latency percentiles, over all rounds.

Threads share one Python process (as one web worker with threads would): the GIL serialises the
Python part of each request, so this measures one process's concurrency and the database's
locking, not a fleet of workers."""

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts._bench_support import prepare_database  # noqa: E402


def setup_django():
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    # As the test settings do: throwaway users need no slow hash (set before the first hash).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test Client's host ("testserver") and a locmem mailbox.
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    # DEBUG (dev settings) keeps every query in memory: not what production measures.
    settings.DEBUG = False


class World:
    """Services to buy, parents with a topped-up wallet and a basket of a few lines."""

    def __init__(self, lines: int):
        self.lines = lines
        self.run = uuid.uuid4().hex[:6]

    def services(self, label: str):
        """A commune's canteen and daycare, with enough tariff options for one line each."""
        from tests.factories import PartnerFactory
        from tests.shop_data import make_service

        commune = PartnerFactory(name=f"Bench {self.run} {label}")
        half = (self.lines + 1) // 2
        _, canteen = make_service(
            commune, f"Cantine {label}", {f"Repas {i}": f"{3 + i % 3}.30" for i in range(half)}
        )
        _, daycare = make_service(
            commune, f"Garderie {label}", {f"Créneau {i}": f"1.{50 + i % 40}" for i in range(half)}
        )
        return [*canteen, *daycare][: self.lines]

    def parent_with_basket(self, products):
        from oscar.core.loading import get_class, get_model

        from tests.factories import ParentFactory
        from wallet import ledger

        basket_model = get_model("basket", "Basket")
        selector = get_class("partner.strategy", "Selector")
        parent = ParentFactory(email=f"bench-{uuid.uuid4().hex}@example.org")
        ledger.credit_top_up(
            parent,
            Decimal("500.00"),
            reference="bench",
            idempotency_key=f"bench-top-up:{parent.pk}",
        )
        basket, _ = basket_model.open.get_or_create(owner=parent)
        basket.strategy = selector().strategy(user=parent)
        for product in products:
            basket.add_product(product, 1)
        return parent, basket


def checkout(client, basket):
    return client.post(
        "/api/checkout/",
        {"basket": f"http://testserver/api/baskets/{basket.pk}/", "payment_method": "wallet"},
        content_type="application/json",
    )


def run_round(pairs) -> tuple[float, list[float], list[int]]:
    """All checkouts at once; returns (wall time, latencies, status codes)."""
    from django.db import connection
    from django.test import Client

    count = len(pairs)
    barrier = threading.Barrier(count)
    latencies, statuses = [0.0] * count, [0] * count
    starts, ends = [0.0] * count, [0.0] * count

    def worker(index):
        parent, basket = pairs[index]
        client = Client()
        client.force_login(parent)
        try:
            barrier.wait()
            starts[index] = time.perf_counter()
            response = checkout(client, basket)
            ends[index] = time.perf_counter()
            statuses[index] = response.status_code
        except Exception as error:  # noqa: BLE001 - reported in the table as a failure
            ends[index] = time.perf_counter()
            statuses[index] = repr(error)
        finally:
            latencies[index] = ends[index] - starts[index]
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return max(ends) - min(starts), latencies, statuses


def queries_per_checkout(world, products) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    parent, basket = world.parent_with_basket(products)
    client = Client()
    client.force_login(parent)
    with CaptureQueriesContext(connection) as captured:
        response = checkout(client, basket)
    assert response.status_code == 200, response.content
    return len(captured)


def percentile(values: list[float], fraction: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50", help="numbers of concurrent parents")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size (at least 10 // N)")
    parser.add_argument("--lines", type=int, default=4, help="basket lines per parent")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL=postgres://…/portail_bench (a database for this benchmark).")
    name = prepare_database(url, reuse=True)
    setup_django()

    from django.db import connection
    from oscar.core.loading import get_model

    order_model = get_model("order", "Order")
    world = World(args.lines)
    print(f"database {name} (PostgreSQL {connection.cursor().connection.info.server_version})")
    print(f"{args.lines} basket lines per parent, wallet checkout, {os.cpu_count()} CPUs\n")

    shared = world.services("commune")
    # Warm up: first rows of the payment source and event types, system accounts, counters.
    checkout_queries = queries_per_checkout(world, shared)
    queries_per_checkout(world, world.services("warm-up"))

    header = (
        f"{'scenario':<24} {'N':>3} {'checkouts':>9} {'failed':>6} "
        f"{'checkouts/s':>11} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for scenario in ("same services", "one commune per parent"):
        for size in sizes:
            wall_total, latencies, failures, successes = 0.0, [], [], 0
            # A single checkout is one sample per round: take more, for a meaningful p95.
            for _ in range(max(args.rounds, 10 // size)):
                pairs = [
                    world.parent_with_basket(
                        shared if scenario == "same services" else world.services(uuid.uuid4().hex)
                    )
                    for _ in range(size)
                ]
                wall, round_latencies, statuses = run_round(pairs)
                wall_total += wall
                latencies += round_latencies
                successes += statuses.count(200)
                failures += [status for status in statuses if status != 200]
                paid = order_model.objects.filter(
                    basket__in=[basket for _, basket in pairs], status="Payée"
                ).count()
                assert paid == statuses.count(200), (paid, statuses)
            print(
                f"{scenario:<24} {size:>3} {successes:>9} {len(failures):>6} "
                f"{successes / wall_total:>11.1f} {percentile(latencies, 0.50) * 1000:>7.0f} "
                f"{percentile(latencies, 0.95) * 1000:>7.0f} {max(latencies) * 1000:>7.0f}"
            )
            if failures:
                print(f"    failures: {sorted(set(map(str, failures)))}")
    print(f"\n{checkout_queries} SQL queries per checkout of {args.lines} lines (one, sequential).")


if __name__ == "__main__":
    main()
