"""Checkouts of different families never wait on each other: no row that every checkout locks or
updates (a service's revenue account, Oscar's analytics counters, a service's calendar). Real
threads on PostgreSQL each hold their transaction open after their checkout's writes, at a
barrier: with such a row, the second checkout would wait for the first to commit, the first
would wait at the barrier for the second, and the barrier would break."""

import threading

import pytest
from django.db import connection, transaction
from oscar.core.loading import get_model

from shop.checkout import CheckoutResult, checkout
from tests.factories import ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import fill_basket, top_up
from tests.shop_data import make_service
from wallet import integrity

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

Order = get_model("order", "Order")

FAMILIES = 20
# Long enough for twenty checkouts on two busy cores; only a lock held across it breaks it.
BARRIER_SECONDS = 60


def checkouts_held_open_together(families) -> list:
    """Each family's checkout in its own thread and transaction, every transaction staying open
    until all the checkouts have written everything; the result, or the error, of each."""
    barrier = threading.Barrier(len(families), timeout=BARRIER_SECONDS)
    outcomes = [None] * len(families)

    def worker(index):
        parent, basket = families[index]
        try:
            with transaction.atomic():
                outcomes[index] = checkout(basket.pk, payer=parent, payment_method="wallet")
                barrier.wait()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(families))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def family_with_a_meal_of(meal):
    parent = ParentFactory()
    top_up(parent, "10.00")
    return parent, fill_basket(parent, meal)


@pytest.fixture
def rosieres():
    commune = PartnerFactory(name="Rosières")
    # One checkout first: Oscar's payment source and event types exist in any database after
    # its first checkout (created by get_or_create, they would be shared rows only then).
    _, (meal,) = make_service(commune, "Accueil du matin", {"Matin": "1.50"})
    parent, basket = family_with_a_meal_of(meal)
    checkout(basket.pk, payer=parent, payment_method="wallet")
    return commune


def assert_all_paid(outcomes):
    assert [type(outcome) for outcome in outcomes] == [CheckoutResult] * FAMILIES, outcomes
    numbers = [outcome.order.number for outcome in outcomes]
    assert set(Order.objects.filter(number__in=numbers).values_list("status", flat=True)) == {
        "Payée"
    }
    report = integrity.check_ledger()
    assert report.ok, report.describe()


def test_twenty_families_checking_out_twenty_services_at_once_do_not_wait(rosieres):
    families = []
    for index in range(FAMILIES):
        _, (meal,) = make_service(rosieres, f"Service {index}", {"Repas": "3.30"})
        families.append(family_with_a_meal_of(meal))

    assert_all_paid(checkouts_held_open_together(families))


def test_twenty_families_checking_out_the_same_service_at_once_do_not_wait(rosieres):
    # The same service's revenue account and the same product's counter for all of them. The
    # service's first checkout opens its revenue account: a service's later checkouts are these.
    _, (meal,) = make_service(rosieres, "Cantine de Rosières", {"Repas": "3.30"})
    parent, basket = family_with_a_meal_of(meal)
    checkout(basket.pk, payer=parent, payment_method="wallet")
    families = [family_with_a_meal_of(meal) for _ in range(FAMILIES)]

    assert_all_paid(checkouts_held_open_together(families))
