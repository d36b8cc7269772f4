"""The embedded default (`make run`: no broker) runs CELERY_BEAT_SCHEDULE in-process: a held
wallet part is released after 30 minutes, the ledger is checked, and `manage.py serve` starts
the scheduler once under the autoreloader and stops with Ctrl-C."""

import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from oscar.core.loading import get_model

from config.scheduler import EmbeddedScheduler
from tests.factories import ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import (
    FakeGateway,
    checkout,
    fill_basket,
    general_pot,
    top_up,
)
from tests.shop_data import make_service
from wallet.models import CardPayment, CardPaymentStatus

Order = get_model("order", "Order")

ROOT = Path(__file__).resolve().parents[2]
EXPIRY, INTEGRITY = "wallet-expire-card-payments", "wallet-integrity-check"


class Clock:
    """The scheduler's clock, moved by the test; the tasks read the same instant."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def runs(caplog) -> list[str]:
    """The periodic tasks run so far, in order, as the scheduler logged them."""
    return [
        record.args[0]
        for record in caplog.records
        if record.name == "config.scheduler" and record.msg.endswith(": running %s")
    ]


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda commune=None: fake)
    return fake


@pytest.mark.django_db
def test_a_held_wallet_part_is_released_by_the_scheduler_after_30_minutes(client, gateway, caplog):
    caplog.set_level(logging.INFO, logger="config.scheduler")
    parent = ParentFactory()
    client.force_login(parent)
    _, (child_meal,) = make_service(PartnerFactory(), "Cantine", {"Repas enfant": "3.30"})
    top_up(parent, "5.00")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        checkout(client, fill_basket(parent, (child_meal, 2)), "wallet+card")
    assert general_pot(parent) == Decimal("0.00")  # 5,00 € held, 1,60 € left to the card
    clock = Clock(start)
    scheduler = EmbeddedScheduler(settings.CELERY_BEAT_SCHEDULE, clock=clock)

    for minutes in (0, 5, 10, 15, 20, 25, 29):
        clock.now = start + timedelta(minutes=minutes)
        with time_machine.travel(clock.now, tick=False):
            scheduler.run_due()
    assert Order.objects.get().status == "En attente de paiement"
    assert general_pot(parent) == Decimal("0.00")

    clock.now = start + timedelta(minutes=31)
    with time_machine.travel(clock.now, tick=False):
        scheduler.run_due()

    assert Order.objects.get().status == "Annulée"
    assert CardPayment.objects.get().status == CardPaymentStatus.CANCELED
    assert general_pot(parent) == Decimal("5.00")
    assert gateway.cancelled == ["pi_fake_1"]
    # Every five minutes: at 0, 5, … 25 (not yet at 29), then at 31; the ledger once so far.
    assert runs(caplog).count(EXPIRY) == 7
    assert runs(caplog).count(INTEGRITY) == 1


@pytest.mark.django_db
def test_each_task_runs_at_start_then_when_its_schedule_says(caplog):
    caplog.set_level(logging.INFO, logger="config.scheduler")
    start = timezone.now()
    clock = Clock(start)
    # Two of the schedule's tasks, whatever others it holds: their timing is what is tested.
    two = {name: settings.CELERY_BEAT_SCHEDULE[name] for name in (INTEGRITY, EXPIRY)}
    scheduler = EmbeddedScheduler(two, clock=clock)

    assert scheduler.run_due() == pytest.approx(300, abs=1)
    assert runs(caplog) == [INTEGRITY, EXPIRY]

    clock.now = start + timedelta(minutes=4)
    assert scheduler.run_due() == pytest.approx(60, abs=1)
    clock.now = start + timedelta(minutes=5)
    scheduler.run_due()
    clock.now = start + timedelta(minutes=60)
    scheduler.run_due()

    assert runs(caplog) == [INTEGRITY, EXPIRY, EXPIRY, INTEGRITY, EXPIRY]
    done = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith(f"Periodic task {INTEGRITY} done")
    ]
    assert done and done[-1].endswith(
        "{'unbalanced_transfers': 0, 'balance_mismatches': 0, 'over_refunded_lines': 0, "
        "'unbalanced_regies': 0}"
    )


@pytest.mark.django_db
def test_a_failing_task_is_logged_and_the_others_still_run(caplog):
    caplog.set_level(logging.INFO, logger="config.scheduler")
    schedule = {
        "broken": {"task": "wallet.tasks.no_such_task", "schedule": 60},
        EXPIRY: settings.CELERY_BEAT_SCHEDULE[EXPIRY],
    }

    EmbeddedScheduler(schedule).run_due()

    assert runs(caplog) == ["broken", EXPIRY]
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed] == ["Periodic task broken failed"]


@pytest.mark.django_db
def test_the_background_thread_runs_the_tasks_until_stopped(caplog):
    # The thread reads with its own connection: it sees no row of this test's transaction,
    # and the expiry task needs none to run.
    caplog.set_level(logging.INFO, logger="config.scheduler")
    schedule = {EXPIRY: {**settings.CELERY_BEAT_SCHEDULE[EXPIRY], "schedule": 0.05}}
    scheduler = EmbeddedScheduler(schedule)

    scheduler.start()
    deadline = time.monotonic() + 10
    while runs(caplog).count(EXPIRY) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    scheduler.stop(timeout=5)
    stopped_after = len(runs(caplog))
    time.sleep(0.2)

    assert stopped_after >= 3
    assert len(runs(caplog)) == stopped_after
    assert not any(t.name == "periodic-tasks" for t in threading.enumerate())


# --- manage.py serve ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lines_of(process) -> queue.Queue:
    """The process's output lines, read in the background so that waiting can time out."""
    lines = queue.Queue()

    def pump():
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def drain(lines: queue.Queue) -> str:
    return "".join(lines.get_nowait() for _ in range(lines.qsize()))


def wait_for(lines: queue.Queue, seen: list[str], text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in seen):
        seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))


def serve(port: int) -> subprocess.Popen:
    """`manage.py serve` with the autoreloader, on this test's database, as `make run` runs it:
    in its own process group, with Ctrl-C (SIGINT) not ignored."""
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CELERY_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        PYTHONUNBUFFERED="1",
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.django_db
def test_serve_runs_the_tasks_once_under_the_autoreloader_and_stops_on_ctrl_c():
    port = free_port()
    process = serve(port)
    seen: list[str] = []
    try:
        lines = lines_of(process)
        wait_for(lines, seen, f"Periodic task {EXPIRY} done")
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's job
        assert process.wait(timeout=15) is not None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    time.sleep(0.2)
    output = "".join(seen) + drain(lines)

    assert "Watching for file changes" in output  # the autoreloader's child serves
    assert output.count("Periodic tasks run in this process") == 1
    assert output.count(f"Periodic task {INTEGRITY}: running") == 1
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
