"""Money is exact to the cent on both databases: the same random sequence of top-ups, wallet
payments, refunds and closures leaves, on SQLite (the embedded default) as on PostgreSQL, every
stored balance equal to the exact sum of its stored legs, and both databases agree.

SQLite stores decimals as floating point: a balance updated in SQL as `balance + delta` drifted
(2.3999999999999995 for 2.40) and a later payment of the whole balance broke the "pot not
negative" constraint (a 500 at checkout). SQLite runs in one subprocess for the session
(tests/ledger_replay.py), fed each sequence as JSON."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ledger_replay import replay

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# Amounts a family meets: top-ups of the portal, meal prices with awkward cents.
TOP_UPS = st.sampled_from(["1.00", "5.00", "10.00", "25.00", "50.00"])
PRICES = st.sampled_from(["0.10", "0.20", "0.30", "1.10", "2.40", "3.30", "3.35", "4.15", "0.07"])
SERVICE = st.integers(min_value=0, max_value=1)

OPERATION = st.one_of(
    st.fixed_dictionaries({"op": st.just("top_up"), "amount": TOP_UPS}),
    st.fixed_dictionaries(
        {
            "op": st.just("pay"),
            "charges": st.lists(st.tuples(SERVICE, PRICES), min_size=1, max_size=4),
            "partial": st.booleans(),
        }
    ),
    st.fixed_dictionaries({"op": st.just("pay_all"), "service": SERVICE}),
    st.fixed_dictionaries({"op": st.just("refund"), "service": SERVICE, "amount": PRICES}),
    st.fixed_dictionaries(
        {
            "op": st.just("closure"),
            "service": SERVICE,
            "amounts": st.lists(PRICES, min_size=1, max_size=5),
        }
    ),
)
SEQUENCE = st.lists(OPERATION, min_size=1, max_size=25)


class SQLiteReplay:
    """The replay subprocess on the embedded default: one JSON sequence in, one answer out."""

    def __init__(self, database: Path):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.sqlite_settings",
            "REPLAY_SQLITE_PATH": str(database),
        }
        env.pop("DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.ledger_replay"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._read()
        assert ready == {"ready": True}, ready

    def run(self, operations: list[dict]) -> dict:
        self.process.stdin.write(json.dumps(operations) + "\n")
        self.process.stdin.flush()
        return self._read()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        assert line, "the SQLite replay process stopped"
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def sqlite_replay():
    # On tmpfs when there is one: SQLite syncs every table it creates.
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else None, prefix="portail-replay-"))
    replayer = SQLiteReplay(folder / "portail.sqlite3")
    yield replayer
    replayer.close()
    shutil.rmtree(folder)


def exact(accounts: dict) -> dict:
    return {
        name: (Decimal(values["balance"]), Decimal(values["legs"]))
        for name, values in accounts.items()
    }


def assert_balances_are_the_sum_of_their_legs(answer: dict, database: str) -> None:
    assert "error" not in answer, f"{database}: {answer.get('error')}"
    for name, (balance, legs) in exact(answer["accounts"]).items():
        if not name.startswith(("general_pot:", "service_pot:")):
            # A system account caches no balance: its balance is the sum of its legs.
            assert balance == 0, f"{database}: {name} caches {balance}"
            continue
        assert balance == legs, f"{database}: {name} stores {balance}, its legs sum to {legs}"
        assert balance == balance.quantize(Decimal("0.01")), f"{database}: {name} is {balance}"
    assert answer["integrity_ok"], database


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=SEQUENCE)
def test_every_balance_is_the_exact_sum_of_its_legs_on_sqlite_and_postgresql(
    sqlite_replay, operations
):
    on_postgresql = replay(operations)
    on_sqlite = sqlite_replay.run(operations)

    assert_balances_are_the_sum_of_their_legs(on_postgresql, "PostgreSQL")
    assert_balances_are_the_sum_of_their_legs(on_sqlite, "SQLite")
    assert on_sqlite["outcomes"] == on_postgresql["outcomes"]
    assert exact(on_sqlite["accounts"]) == exact(on_postgresql["accounts"])


def test_paying_the_whole_balance_after_awkward_cents_leaves_zero_on_sqlite(sqlite_replay):
    # 0.30 + 2.40 is 2.6999999999999997 in floating point: paying the 2.70 the parent sees
    # would take the pot below zero, which its constraint refuses (the checkout's 500).
    operations = [
        {"op": "refund", "service": 0, "amount": "0.30"},
        {"op": "refund", "service": 0, "amount": "2.40"},
        {"op": "top_up", "amount": "5.00"},
        {"op": "pay", "charges": [[1, "0.20"], [1, "1.10"]], "partial": False},
        {"op": "pay_all", "service": 0},
    ]

    answer = sqlite_replay.run(operations)

    assert_balances_are_the_sum_of_their_legs(answer, "SQLite")
    assert answer["outcomes"] == ["ok"] * 5
    balances = {name: Decimal(v["balance"]) for name, v in answer["accounts"].items()}
    assert balances["general_pot:-:parent"] == 0
    assert balances["service_pot:0:parent"] == 0
    # A system account's balance is the sum of its legs (it caches none).
    assert Decimal(answer["accounts"]["service_revenue:0:-"]["legs"]) == Decimal("6.40")


# --- The embedded default enforces the same constraints ----------------------------------------


def test_every_model_constraint_is_created_on_sqlite(sqlite_replay):
    # models.W0xx: "SQLite does not support …: a constraint won't be created".
    answer = sqlite_replay.run({"command": "check"})

    assert [id_ for id_ in answer["ids"] if id_.startswith("models.W")] == []


def test_sqlite_refuses_a_second_tariff_row_for_the_same_bracket(sqlite_replay):
    answer = sqlite_replay.run({"command": "duplicate_tariff_rows"})

    assert answer["refused"], answer
    assert "UNIQUE constraint failed" in answer["error"]
