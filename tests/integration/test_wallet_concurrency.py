"""Real threads on PostgreSQL spending from the same pots: never below zero, never twice."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import ParentFactory, PartnerFactory
from tests.shop_data import make_service
from wallet import ledger
from wallet.exceptions import InsufficientFundsError
from wallet.models import AccountKind, LedgerAccount

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 20
PRICE = Decimal("3.50")


def run_in_threads(count: int, work) -> list:
    """Start `count` threads together; each returns "ok" or the exception it raised."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(index):
        try:
            barrier.wait()
            work(index)
            outcomes[index] = "ok"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def canteen():
    commune = PartnerFactory(name="Saint-Marcel-en-Dombes")
    service, _ = make_service(commune, "Cantine de Saint-Marcel", {"Repas": "3.50"})
    return service, commune


def top_up(parent, amount):
    return ledger.credit_top_up(
        parent, Decimal(amount), reference="test", idempotency_key=f"top-up:{parent.pk}:{amount}"
    )


def spend(parent, service, commune, index):
    return ledger.pay_from_wallet(
        parent,
        [ledger.Charge(service.pk, commune.pk, PRICE)],
        reference=f"order-{index}",
        idempotency_key=f"order-{parent.pk}-{index}",
    )


def pot_balances(parent) -> dict:
    return {account.kind: account.balance for account in LedgerAccount.objects.filter(owner=parent)}


def test_twenty_threads_spending_from_a_35_euro_general_pot_exactly_ten_succeed(canteen):
    service, commune = canteen
    parent = ParentFactory()
    top_up(parent, "35.00")

    outcomes = run_in_threads(THREADS, lambda i: spend(parent, service, commune, i))

    assert outcomes.count("ok") == 10
    refused = [o for o in outcomes if o != "ok"]
    assert all(isinstance(o, InsufficientFundsError) for o in refused), refused
    assert pot_balances(parent)[AccountKind.GENERAL_POT] == Decimal("0.00")


def test_spends_split_across_a_service_pot_and_the_general_pot_stop_at_zero(canteen):
    service, commune = canteen
    parent = ParentFactory()
    top_up(parent, "20.00")
    ledger.refund_to_service_pot(
        parent,
        service_id=service.pk,
        commune_id=commune.pk,
        amount=Decimal("15.00"),
        reason="Annulation",
        reference="booking-1",
        idempotency_key="refund-1",
    )

    outcomes = run_in_threads(THREADS, lambda i: spend(parent, service, commune, i))

    assert outcomes.count("ok") == 10
    balances = pot_balances(parent)
    assert balances[AccountKind.GENERAL_POT] == Decimal("0.00")
    assert balances[AccountKind.SERVICE_POT] == Decimal("0.00")


def test_the_same_payment_submitted_by_many_threads_debits_once(canteen):
    service, commune = canteen
    parent = ParentFactory()
    top_up(parent, "35.00")

    outcomes = run_in_threads(10, lambda i: spend(parent, service, commune, "same"))

    assert outcomes.count("ok") == 10
    assert pot_balances(parent)[AccountKind.GENERAL_POT] == Decimal("31.50")
