"""Load benchmark: V parents booking and paying by wallet at once, against gunicorn on 127.0.0.1.

    .venv/bin/python scripts/load_test.py [--parents 200] [--duration 60] [--services 4]
        [--workers 2] [--worker-class gthread] [--threads 4] [--capacity 1000] [--reuse]

It drops and recreates the PostgreSQL database `portail_load` (`--database-url`; its name must
contain "load" or "bench"), migrates it and seeds the parents through the real use cases
(scripts/_bench_support.py): validated accounts, 1 to 3 children each with an accepted access to
one of `--services` canteens (one commune each, parents spread over them in turn), 1 000 € in
their wallet. `--reuse` keeps the database and its families (and tops their wallets up again):
seed once, rerun quickly.

The server is gunicorn with the production settings (scripts/_bench_settings.py: production, but
MD5 passwords so that logging 200 parents in does not eat the run), a Redis database of its own
(`--redis-url`, flushed), DEBUG off, no access log, e-mails discarded. Workers are `gthread` by
default: a request waiting on a row lock or on PostgreSQL then holds one thread, not the whole
worker, as behind a real proxy; `--worker-class sync` measures one request per worker at a time.
The client sends what the TLS proxy would (X-Forwarded-Proto: https, X-Forwarded-For), so the
production cookies (Secure) and CSRF checks apply.

Every parent logs in first (GET /api/accounts/csrf/, POST /api/login/: not timed in the window),
then, until `--duration` seconds have passed: GET /api/reservations/calendar/ for their children
and a month → POST /api/reservations/basket/ 5 to 20 meals on days the calendar says bookable →
POST /api/checkout/ paid by wallet → GET /api/reservations/ (that month's bookings). Booked days
drop out of the calendar, so each loop books other days, moving to the next month when one is
full. At the end it prints req/s, checkouts/s and p50/p95/p99 per endpoint, the answers that
were not 2xx (expected 4xx apart from 5xx), the lock waits sampled in pg_stat_activity, then runs
the ledger integrity check (wallet/integrity.py) and the booking/order consistency check. The
exit status is 1 on any 5xx or unexpected answer, transport error, failed login or
inconsistency."""

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts._bench_support import (  # noqa: E402
    PASSWORD,
    SeededParent,
    percentile,
    prepare_database,
    seed_canteens,
    seed_families,
    setup_django,
    top_up,
)

LABEL = "load"
WALLET = Decimal("1000.00")
SETTINGS = "scripts._bench_settings"
MEALS_PER_CHECKOUT = (5, 20)
MONTHS_AHEAD = 12
# Expected refusals: a day became full or past its deadline, a wallet ran dry.
EXPECTED_CLIENT_ERRORS = {400, 409}


# --- Booking/order consistency (pure: rows in, problems out) -----------------------------------


class PaidLine(NamedTuple):
    line_id: int
    order_number: str
    price: Decimal


class ActiveBooking(NamedTuple):
    booking_id: int
    line_id: int | None
    status: str
    price: Decimal


def consistency_problems(
    paid_lines: list[PaidLine],
    order_totals: dict[str, Decimal],
    bookings: list[ActiveBooking],
    wallet_paid: dict[str, Decimal],
) -> list[str]:
    """What breaks "every paid order line has one confirmed booking at its price and vice
    versa, every paid order's lines add up to its total, and the wallet paid that total"."""
    problems = []
    by_line = defaultdict(list)
    for booking in bookings:
        by_line[booking.line_id].append(booking)
    lines = {line.line_id: line for line in paid_lines}
    for line in paid_lines:
        found = by_line.get(line.line_id, [])
        if len(found) != 1 or found[0].status != "confirmed":
            problems.append(
                f"paid order line {line.line_id} (order {line.order_number}) has "
                f"{[b.status for b in found]} active bookings instead of one confirmed"
            )
        elif found[0].price != line.price:
            problems.append(
                f"booking {found[0].booking_id} costs {found[0].price}, its line {line.price}"
            )
    for booking in bookings:
        if booking.status == "confirmed" and booking.line_id not in lines:
            problems.append(f"confirmed booking {booking.booking_id} is not of a paid order line")
    line_sums = defaultdict(Decimal)
    for line in paid_lines:
        line_sums[line.order_number] += line.price
    for number, total in order_totals.items():
        if line_sums[number] != total:
            problems.append(f"order {number} totals {total}, its lines {line_sums[number]}")
        if wallet_paid.get(number, Decimal(0)) != total:
            problems.append(
                f"order {number} totals {total}, the wallet paid {wallet_paid.get(number)}"
            )
    return problems


def read_consistency_rows():
    """The rows consistency_problems() compares, from the database (a few queries)."""
    from django.db.models import Sum
    from oscar.core.loading import get_model

    from reservations.models import ACTIVE_BOOKING_STATUSES, Booking
    from wallet.models import POT_KINDS, Leg, TransferKind

    paid = "Payée"  # shop.payment.constants.ORDER_PAID
    order_model, line_model = get_model("order", "Order"), get_model("order", "Line")
    paid_lines = [
        PaidLine(*row)
        for row in line_model.objects.filter(order__status=paid).values_list(
            "pk", "order__number", "line_price_incl_tax"
        )
    ]
    order_totals = dict(
        order_model.objects.filter(status=paid).values_list("number", "total_incl_tax")
    )
    bookings = [
        ActiveBooking(*row)
        for row in Booking.objects.filter(status__in=ACTIVE_BOOKING_STATUSES).values_list(
            "pk", "order_line_id", "status", "unit_price"
        )
    ]
    # What the pots gave for each order: the pot legs of its purchase, negative.
    spent = (
        Leg.objects.filter(transfer__kind=TransferKind.PURCHASE, account__kind__in=POT_KINDS)
        .values_list("transfer__reference")
        .annotate(total=Sum("amount"))
    )
    wallet_paid = {reference: -total for reference, total in spent}
    return paid_lines, order_totals, bookings, wallet_paid


# --- The world ----------------------------------------------------------------------------------


def seeded_families(label: str) -> list[SeededParent]:
    """The families a previous run seeded, in seeding order."""
    from reservations.models import AccessStatus, ServiceAccess

    accesses = (
        ServiceAccess.objects.filter(
            account__email__startswith=f"parent-{label}-", status=AccessStatus.ACCEPTED
        )
        .select_related("account", "tariff_option")
        .prefetch_related("beneficiaries")
        .order_by("account_id")
    )
    return [
        SeededParent(
            access.account.email,
            access.tariff_option.parent_id,
            tuple(sorted(b.pk for b in access.beneficiaries.all())),
        )
        for access in accesses
    ]


def prepare_world(args) -> list[SeededParent]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    started = time.perf_counter()
    today = timezone.localdate()
    families = seeded_families(LABEL) if args.reuse else []
    if len(families) < args.parents:
        if not families:
            capacity = args.capacity or None  # 0: no daily limit
            seed_canteens(args.services, label=LABEL, capacity=capacity, today=today)
        seed_families(
            _load_services(),
            args.parents,
            label=LABEL,
            wallet=WALLET,
            today=today,
            start=len(families),
        )
        families = seeded_families(LABEL)
    else:
        # A rerun: the wallets are topped up again, as a parent would before booking more.
        run = secrets.token_hex(4)
        for parent in get_user_model().objects.filter(email__startswith=f"parent-{LABEL}-"):
            top_up(parent, WALLET, key=f"{LABEL}-{run}")
    families = families[: args.parents]
    services = len({family.service_id for family in families})
    print(
        f"{len(families)} families over {services} canteens ready in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return families


def _load_services():
    from oscar.core.loading import get_model

    product_model = get_model("catalogue", "Product")
    services = product_model.objects.filter(upc__startswith=f"{LABEL}-", parent=None)
    return list(services.order_by("pk"))


# --- The server -----------------------------------------------------------------------------------


def server_environment(args) -> dict[str, str]:
    """What the production settings require, pointed at this machine's services."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Dummies: no card payment is made, the wallet pays everything.
        "STRIPE_SECRET_KEY": "sk_test_load",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_load",
        "STRIPE_WEBHOOK_SECRET": "whsec_load",
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def served_environment(args) -> dict[str, str]:
    """The server's and the worker's: with --celery, tasks go through the broker. The seeding
    (in this process) keeps running them eagerly, so none is left queued when the window opens."""
    broker = {"CELERY_BROKER_URL": args.broker_url} if args.celery else {}
    return {**server_environment(args), **broker}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(args, port: int, log_path: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={args.workers}",
        f"--worker-class={args.worker_class}",
        f"--threads={args.threads}",
        f"--chdir={ROOT}",
        # Imported once before the workers fork: the CPU counted is the requests', not imports.
        "--preload",
        "--timeout=120",
        "--log-level=warning",
        f"--error-logfile={log_path}",
    ]
    return subprocess.Popen(command, env=served_environment(args), cwd=ROOT)


def start_celery(args, log_path: Path) -> subprocess.Popen:
    """One worker process, as a small production node would run beside gunicorn: the after-commit
    tasks (e-mails, receipt numbering) leave the request, their CPU is counted apart."""
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--loglevel=WARNING",
        f"--logfile={log_path}",
    ]
    # Its banner on stdout is noise here; its errors go to the log file.
    return subprocess.Popen(
        command, env=served_environment(args), cwd=ROOT, stdout=subprocess.DEVNULL
    )


def wait_for_tasks(broker_url: str, timeout: float = 120) -> int:
    """Waits until the worker has taken every queued task; returns those left at the timeout."""
    import redis

    queue = redis.Redis.from_url(broker_url)
    limit = time.monotonic() + timeout
    while (left := queue.llen("celery")) and time.monotonic() < limit:
        time.sleep(0.5)
    time.sleep(1)  # the last task taken is still running
    return left


def wait_until_up(base_url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    import httpx

    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped at start (status {server.returncode}).")
        try:
            if httpx.get(f"{base_url}/api/accounts/csrf/", headers=PROXY_HEADERS).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    sys.exit("gunicorn did not answer within a minute.")


# --- The virtual parents ------------------------------------------------------------------------

PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    checkouts: int = 0
    meals: int = 0
    transport_errors: Counter = field(default_factory=Counter)
    out_of_days: int = 0

    def record(self, name: str, status: int, seconds: float) -> None:
        self.latencies[name].append(seconds)
        self.statuses[name][status] += 1


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self):
        return json.loads(self.body)


class VirtualParent:
    """One family's browser: its own cookies, its own calendar cursor."""

    def __init__(
        self,
        family: SeededParent,
        base_url: str,
        stats: Stats,
        rng: random.Random,
        think: float,
        session,
    ):
        self.family, self.stats, self.rng, self.think = family, stats, rng, think
        self.base_url, self.session = base_url, session
        self.cookies: dict[str, str] = {}
        self.month = date.today().replace(day=1)
        self.last_month = self.month
        for _ in range(MONTHS_AHEAD):
            self.last_month = next_month(self.last_month)

    async def pause(self) -> None:
        """A parent reading the page before the next step: 0.5 to 1.5 times the mean think time."""
        if self.think:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))

    async def call(self, name: str, method: str, url: str, **kwargs) -> "Answer | None":
        import aiohttp

        # The production cookies are Secure: a cookie jar would keep them off plain HTTP, but
        # the TLS proxy that would stand in between is the X-Forwarded-Proto header.
        headers = {**PROXY_HEADERS, "Origin": self.base_url.replace("http:", "https:")}
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        if method != "GET":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        start = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base_url + url, headers=headers, **kwargs
            ) as response:
                body = await response.read()
        except (TimeoutError, aiohttp.ClientError) as error:
            self.stats.transport_errors[f"{name}: {type(error).__name__}"] += 1
            return None
        self.stats.record(name, response.status, time.perf_counter() - start)
        self.cookies.update({key: morsel.value for key, morsel in response.cookies.items()})
        return Answer(response.status, body)

    async def log_in(self) -> bool:
        await self.call("csrf", "GET", "/api/accounts/csrf/")
        response = await self.call(
            "login",
            "POST",
            "/api/login/",
            json={"username": self.family.email, "password": PASSWORD},
        )
        return response is not None and response.is_success

    async def book_until(self, deadline: float) -> None:
        while time.perf_counter() < deadline:
            meals = await self.bookable_meals()
            if meals is None:
                self.stats.out_of_days += 1
                return
            await self.book(*meals)

    async def bookable_meals(self) -> tuple[list[int], list[str]] | None:
        """(children, dates) to book next: the calendar's first bookable days of the earliest
        month that has some, for the children bookable on the first of them."""
        while self.month <= self.last_month:
            await self.pause()
            response = await self.call(
                "calendar",
                "GET",
                "/api/reservations/calendar/",
                params=[
                    *(("beneficiary", str(pk)) for pk in self.family.beneficiary_ids),
                    ("month", self.month.strftime("%Y-%m")),
                    ("service", str(self.family.service_id)),
                ],
            )
            if response is not None and response.is_success:
                meals = self.choose(bookable_days(response.json(), self.family.service_id))
                if meals:
                    return meals
            self.month = next_month(self.month)
        return None

    def choose(self, days: dict[str, set[int]]) -> tuple[list[int], list[str]] | None:
        if not days:
            return None
        first = min(days)
        children = sorted(days[first])
        wanted = -(-self.rng.randint(*MEALS_PER_CHECKOUT) // len(children))
        dates = [day for day in sorted(days) if days[day] >= set(children)][:wanted]
        return children, dates

    async def book(self, children: list[int], dates: list[str]) -> None:
        meals = {"service": self.family.service_id, "beneficiaries": children, "dates": dates}
        await self.pause()  # ticking the days
        added = await self.call("basket", "POST", "/api/reservations/basket/", json=meals)
        if added is None or added.status_code != 201:
            return
        summary = added.json()
        await self.pause()  # reading the basket
        paid = await self.call(
            "checkout",
            "POST",
            "/api/checkout/",
            json={
                "basket": f"{self.base_url}/api/baskets/{summary['basket_id']}/",
                "payment_method": "wallet",
                "total": summary["total"],
            },
        )
        if paid is not None and paid.status_code == 200:
            self.stats.checkouts += 1
            self.stats.meals += summary["lines_count"]
        else:
            # Refused: empty the basket, so that the next loop starts afresh.
            await self.call("basket-remove", "DELETE", "/api/reservations/basket/", json=meals)
        await self.pause()  # reading the confirmation
        await self.call("bookings", "GET", "/api/reservations/", params={"month": dates[0][:7]})


def bookable_days(months: list[dict], service_id: int) -> dict[str, set[int]]:
    """{ISO date: children for whom that day is bookable} from the calendar API's answer."""
    days = defaultdict(set)
    for month in months:
        for service in month["services"]:
            if service["service"]["id"] != service_id:
                continue
            for day in service["days"]:
                if day["state"] == "bookable":
                    days[day["date"]].add(month["beneficiary"]["id"])
    return days


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


async def drive(
    families, base_url: str, duration: float, stats: Stats, think: float
) -> tuple[float, int]:
    """Log every parent in, then let them book for `duration` seconds; returns (the window's
    wall time, parents who could not log in)."""
    import aiohttp

    rng = random.Random(12)
    # A connection per request, as a proxy in front of gunicorn does by default: a saturated
    # gthread worker closes kept-alive connections whose next request waits. aiohttp rather
    # than httpx: the client shares the machine's two cores, and costs a third as much.
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True, limit=0),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=180),
    )
    parents = [VirtualParent(family, base_url, stats, rng, think, session) for family in families]
    gate = asyncio.Semaphore(20)

    async def log_in(parent):
        async with gate:
            return await parent.log_in()

    logged_in = await asyncio.gather(*(log_in(parent) for parent in parents))
    start = time.perf_counter()
    ready = [parent for parent, ok in zip(parents, logged_in, strict=True) if ok]
    await asyncio.gather(*(parent.book_until(start + duration) for parent in ready))
    elapsed = time.perf_counter() - start
    await session.close()
    return elapsed, logged_in.count(False)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and of its children so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:  # the process has just ended
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / ticks
    return own + sum(cpu_seconds(int(child)) for child in children)


# --- Lock waits ---------------------------------------------------------------------------------


class WaitSampler(threading.Thread):
    """Every 200 ms, what the database's active backends wait on, and the statement waiting;
    and the CPU time of every backend seen (PostgreSQL runs on this machine)."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.database_url = database_url
        self.samples: Counter = Counter()
        self.rounds = 0
        self.stopping = threading.Event()
        self.backend_cpu: dict[int, float] = {}

    @property
    def database_cpu(self) -> float:
        return sum(self.backend_cpu.values())

    def run(self):
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            while not self.stopping.wait(0.2):
                rows = connection.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), "
                    "left(regexp_replace(statement, '^SELECT .*? FROM ', 'SELECT … FROM '), 70)"
                    " || ' … ' || right(statement, 25) FROM ("
                    "  SELECT wait_event_type, wait_event, regexp_replace(query, '\\s+', ' ', 'g')"
                    "  AS statement FROM pg_stat_activity WHERE datname = current_database()"
                    "  AND state = 'active' AND pid <> pg_backend_pid()) AS active"
                ).fetchall()
                self.samples.update(rows)
                self.rounds += 1
                for (pid,) in connection.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ):
                    self.backend_cpu[pid] = cpu_seconds(pid) or self.backend_cpu.get(pid, 0.0)

    def report(self, top: int = 12) -> list[str]:
        lines = [f"active backends per sample ({self.rounds} samples), by wait and statement:"]
        for (wait, query), count in self.samples.most_common(top):
            lines.append(f"  {count / max(self.rounds, 1):5.2f}  {wait:<24} {query}")
        return lines


# --- Report -------------------------------------------------------------------------------------


def report(stats: Stats, elapsed: float) -> list[str]:
    requests = sum(len(values) for name, values in stats.latencies.items() if not _setup(name))
    lines = [
        f"window {elapsed:.1f} s: {requests} requests, {requests / elapsed:.1f} req/s, "
        f"{stats.checkouts} checkouts ({stats.meals} meals), "
        f"{stats.checkouts / elapsed:.2f} checkouts/s",
        f"{'endpoint':<14} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  answers",
    ]
    for name, values in stats.latencies.items():
        answers = ", ".join(f"{status}×{n}" for status, n in sorted(stats.statuses[name].items()))
        lines.append(
            f"{name:<14} {len(values):>6} {percentile(values, 0.50) * 1000:>8.0f} "
            f"{percentile(values, 0.95) * 1000:>8.0f} {percentile(values, 0.99) * 1000:>8.0f}  "
            f"{answers}"
        )
    return lines


def _setup(name: str) -> bool:
    return name in {"csrf", "login"}


def failures(stats: Stats) -> tuple[Counter, Counter]:
    """(expected client errors, server errors and unexpected answers), by endpoint and status."""
    expected, unexpected = Counter(), Counter()
    for name, statuses in stats.statuses.items():
        for status, count in statuses.items():
            if status < 400:
                continue
            bucket = expected if status in EXPECTED_CLIENT_ERRORS else unexpected
            bucket[f"{name} {status}"] += count
    return expected, unexpected


def check_database() -> list[str]:
    from wallet.integrity import check_ledger

    ledger = check_ledger()
    problems = [] if ledger.ok else [ledger.describe()]
    return problems + consistency_problems(*read_consistency_rows())


# --- Main ---------------------------------------------------------------------------------------


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=200, help="virtual parents")
    parser.add_argument("--duration", type=float, default=60, help="seconds of booking")
    parser.add_argument("--services", type=int, default=4, help="canteens (one per commune)")
    parser.add_argument(
        "--capacity", type=int, default=1000, help="meals per canteen and day (0: no limit)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="mean seconds a parent pauses before each step (0: a closed loop of robots)",
    )
    parser.add_argument(
        "--celery",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="tasks (e-mails, numbering) on a Celery worker, as in production, not in gunicorn",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database and families")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/portail_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/12", help="with --celery")
    return parser.parse_args()


def main() -> int:
    args = parse_arguments()
    os.environ.update(server_environment(args))
    name = prepare_database(args.database_url, reuse=args.reuse)
    setup_django(SETTINGS)
    print(f"database {name}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    families = prepare_world(args)

    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    redis.Redis.from_url(args.broker_url).flushdb()
    port, log_path = free_port(), Path(f"/tmp/load_test_gunicorn_{os.getpid()}.log")
    base_url = f"http://127.0.0.1:{port}"
    server = start_gunicorn(args, port, log_path)
    worker = start_celery(args, log_path.with_suffix(".celery.log")) if args.celery else None
    sampler = WaitSampler(args.database_url)
    stats = Stats()
    try:
        wait_until_up(base_url, server)
        print(
            f"gunicorn: {args.workers} {args.worker_class} workers"
            + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
            + f" on {base_url} (errors in {log_path}); {len(families)} parents for "
            f"{args.duration:.0f} s"
        )
        sampler.start()
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        worker_cpu = cpu_seconds(worker.pid) if worker else 0.0
        elapsed, not_logged_in = asyncio.run(
            drive(families, base_url, args.duration, stats, args.think)
        )
        server_cpu = cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        worker_cpu = cpu_seconds(worker.pid) - worker_cpu if worker else 0.0
        left = wait_for_tasks(args.broker_url) if worker else 0
    finally:
        sampler.stopping.set()
        for process in (server, worker):
            if process:
                process.terminate()
                process.wait(timeout=60)
    requests = sum(len(values) for values in stats.latencies.values())
    database_cpu = sampler.database_cpu
    print(
        f"CPU while parents logged in and booked: gunicorn {server_cpu:.0f} s "
        f"({server_cpu / requests * 1000:.0f} ms a request), PostgreSQL {database_cpu:.0f} s "
        f"({database_cpu / requests * 1000:.0f} ms a request), "
        + (f"Celery worker {worker_cpu:.0f} s ({left} tasks left), " if worker else "")
        + f"this client {client_cpu:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f} (other programs share the machine too)"
    )
    return summarise(stats, elapsed, not_logged_in, sampler)


def summarise(stats: Stats, elapsed: float, not_logged_in: int, sampler: WaitSampler) -> int:
    print("\n".join(report(stats, elapsed)))
    expected, unexpected = failures(stats)
    print(f"expected refusals (4xx): {dict(expected) or 'none'}")
    print(f"5xx and unexpected answers: {dict(unexpected) or 'none'}")
    print(f"transport errors: {dict(stats.transport_errors) or 'none'}")
    print(
        f"parents who could not log in: {not_logged_in}; out of bookable days: {stats.out_of_days}"
    )
    print("\n".join(sampler.report()))
    problems = check_database()
    print("ledger and bookings: " + ("consistent" if not problems else f"{len(problems)} problems"))
    for problem in problems[:20]:
        print(f"  {problem}")
    return 1 if unexpected or stats.transport_errors or problems or not_logged_in else 0


if __name__ == "__main__":
    sys.exit(main())
