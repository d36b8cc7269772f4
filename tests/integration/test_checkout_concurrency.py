"""Real threads on PostgreSQL sending checkouts at once: a double click places one order and pays
once; many parents paying together neither deadlock nor fail; the card gateway is never called
inside a database transaction."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from oscar.core.loading import get_model

from tests.factories import ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import (
    FakeGateway,
    checkout,
    fill_basket,
    general_pot,
    top_up,
)
from tests.shop_data import make_service
from wallet.models import CardPayment, Transfer, TransferKind

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")


def run_in_threads(count: int, work) -> list:
    """Start `count` threads together; each returns what `work(index)` returned, or the
    exception it raised."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(index):
        try:
            client = Client()
            work_for_thread = work(index, client)
            barrier.wait()
            outcomes[index] = work_for_thread()
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
    _, (meal, snack) = make_service(
        commune, "Cantine de Saint-Marcel", {"Repas": "3.50", "Goûter": "1.20"}
    )
    return meal, snack


def same_checkout_from(parent, basket, method):
    """Each thread: its own client, logged in as the parent, sending the same checkout."""

    def prepare(index, client):
        client.force_login(parent)
        return lambda: checkout(client, basket, method)

    return prepare


def test_the_same_wallet_checkout_sent_at_once_places_one_order_and_debits_once(canteen):
    meal, snack = canteen
    parent = ParentFactory()
    top_up(parent, "20.00")
    basket = fill_basket(parent, (meal, 2), snack)

    responses = run_in_threads(4, same_checkout_from(parent, basket, "wallet"))

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 4
    assert len({r.json()["number"] for r in responses}) == 1
    assert Order.objects.count() == 1
    assert Order.objects.get().status == "Payée"
    assert Transfer.objects.filter(kind=TransferKind.PURCHASE).count() == 1
    assert general_pot(parent) == Decimal("11.80")
    assert Basket.objects.get(pk=basket.pk).status == Basket.SUBMITTED


def test_the_same_card_checkout_sent_at_once_asks_one_card_payment_outside_transactions(
    canteen, monkeypatch
):
    meal, _ = canteen
    gateway = FakeGateway()
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda commune=None: gateway)
    parent = ParentFactory()
    basket = fill_basket(parent, (meal, 3))

    responses = run_in_threads(4, same_checkout_from(parent, basket, "card"))

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 4
    secrets = {r.json()["payment"]["card"]["client_secret"] for r in responses}
    assert secrets == {"pi_fake_1_secret"}
    assert Order.objects.count() == CardPayment.objects.count() == 1
    assert len(gateway.payments) == 1
    # Every call to the gateway came after the checkout transaction had committed.
    assert gateway.calls_in_transaction and not any(gateway.calls_in_transaction)


def test_many_parents_paying_at_once_for_the_same_products_in_any_order_all_succeed(
    canteen, monkeypatch
):
    """Card checkouts take no ledger lock, so nothing else queues them: first purchases of a
    product and opposite line orders meet in Oscar's analytics counters."""
    meal, snack = canteen
    gateway = FakeGateway()
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda commune=None: gateway)
    parents = [ParentFactory() for _ in range(12)]
    baskets, methods = [], []
    for index, parent in enumerate(parents):
        top_up(parent, "10.00")
        # Half the baskets list the products the other way round: no deadlock either way.
        baskets.append(fill_basket(parent, *([meal, snack] if index % 2 else [snack, meal])))
        methods.append("card" if index % 3 else "wallet")

    def prepare(index, client):
        client.force_login(parents[index])
        return lambda: checkout(client, baskets[index], methods[index])

    responses = run_in_threads(len(parents), prepare)

    assert [getattr(r, "status_code", r) for r in responses] == [200] * len(parents)
    assert Order.objects.filter(status="Payée").count() == methods.count("wallet")
    assert Order.objects.filter(status="En attente de paiement").count() == methods.count("card")
    assert CardPayment.objects.count() == methods.count("card")
