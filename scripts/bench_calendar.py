"""Benchmark: the booking calendar page (/espace/reserver/) of a family of six children.

    .venv/bin/python scripts/bench_calendar.py [--children 6] [--rounds 30]
        [--database-url postgres://postgres@127.0.0.1:5432/portail_bench_calendar] [--fresh]

It runs in-process on the test settings (config.settings.test), against a PostgreSQL database
of its own, created and migrated if missing (`--fresh` drops it first; its name must contain
"bench"). One canteen and one validated family are seeded through the real use cases
(scripts/_bench_support.py, reservations.beneficiaries and .access): `--children` children
with an accepted access, one of them with a meal in the basket and one booked, so that the
page shows every state. Each round GETs next month's calendar for all the children through
Django's test Client (session, middleware, view, template) and times it; the page is checked
(status 200, one cell per child and day) before anything is timed. Prints the minimum and the
median server time (wall clock, and the process's CPU time, steadier on a busy machine), and
the number of queries of one page."""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts._bench_support import (  # noqa: E402
    PASSWORD,
    prepare_database,
    seed_canteens,
    setup_django,
    top_up,
)
from scripts._bench_support import seed_family as seed_family_of_support  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portail_bench_calendar"


def seed_family(service, children: int, today: date, label: str):
    """A validated parent with `children` children, all with an accepted access to `service`
    (the second income bracket: a family quotient of 1 250 €)."""
    from django.contrib.auth import get_user_model

    from reservations.models import Beneficiary

    users = get_user_model().objects
    email = f"admin-{label}@bench.test"
    admin = users.filter(email=email).first() or users.create_superuser(email, PASSWORD)
    seeded = seed_family_of_support(
        1, service.children.get(), label=label, admin=admin, today=today, child_count=children
    )
    kids = Beneficiary.objects.in_bulk(seeded.beneficiary_ids)
    return users.get(email=seeded.email), [kids[pk] for pk in seeded.beneficiary_ids]


def fill(parent, service, kids, month: date) -> None:
    """The eldest booked and paid on the month's first open day, the second in the basket."""
    from django.test import Client
    from django.utils import timezone
    from oscar.core.loading import get_model

    from reservations.basket import add_meals_to_basket
    from reservations.calendars import open_days_for

    days = open_days_for(service, month, month + timedelta(days=27))
    now = timezone.now()
    top_up(parent, Decimal("50.00"), key="bench-calendar")
    add_meals_to_basket(
        account=parent, service_id=service.pk, meals=[(kids[0].pk, days[0])], now=now
    )
    client = Client()
    client.force_login(parent)
    basket = get_model("basket", "Basket").open.get(owner=parent)
    paid = client.post(
        "/api/checkout/",
        {"basket": f"http://testserver/api/baskets/{basket.pk}/", "payment_method": "wallet"},
        content_type="application/json",
    )
    if paid.status_code != 200:
        sys.exit(f"The seeding checkout failed: {paid.status_code} {paid.content[:300]!r}")
    add_meals_to_basket(
        account=parent, service_id=service.pk, meals=[(kids[1].pk, days[1])], now=now
    )


def measure(parent, service, kids, month: date, rounds: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(parent)
    query = {"service": service.pk, "mois": month.strftime("%Y-%m"), "enfant": [k.pk for k in kids]}
    queries = []
    # Counted at the cursor: the request's start resets Django's own query log.
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        page = client.get("/espace/reserver/", query)
    if page.status_code != 200:
        sys.exit(f"The calendar answered {page.status_code}")
    cells = page.content.decode().count('class="meal ')
    days_in_month = ((month.replace(day=28) + timedelta(days=4)).replace(day=1) - month).days
    if cells < len(kids) * days_in_month // 2:
        sys.exit(f"The calendar shows {cells} cells for {len(kids)} children: not the page meant")
    timings, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get("/espace/reserver/", query)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return timings, cpu, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    args = parser.parse_args()

    prepare_database(args.database_url, reuse=not args.fresh)
    os.environ["DATABASE_URL"] = args.database_url
    setup_django("config.settings.test")
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    today = date.today()
    label = f"cal{time.time_ns()}"
    (service,) = seed_canteens(1, label=label, capacity=None, today=today)
    parent, kids = seed_family(service, args.children, today, label)
    month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    fill(parent, service, kids, month)
    timings, cpu, queries = measure(parent, service, kids, month, args.rounds)
    print(f"/espace/reserver/ for {args.children} children, {args.rounds} rounds")
    print("          wall time   of which Python CPU (the database's is not counted)")
    for name, pick in (("min", min), ("median", statistics.median)):
        print(f"  {name:<7} {pick(timings) * 1000:7.1f} ms   {pick(cpu) * 1000:7.1f} ms")
    print(f"  queries per page: {queries}")


if __name__ == "__main__":
    main()
