"""A closure and a checkout of the same family at the same time, with real threads on
PostgreSQL: either the checkout goes first and the closure is refused (an order awaits its
card payment), or the closure goes first and the checkout finds no basket. Never a closed
account with a new booking."""

import threading
import time

import pytest
from django.db import connection

from accounts import closure
from accounts.models import AccountClosure, User
from reservations.models import Booking
from shop.checkout import BasketNotFound, checkout
from tests.booking_factories import MEAL_DAY, add_meals, make_canteen
from tests.factories import DEFAULT_PASSWORD, ParentFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 4


def run_together(*works) -> list:
    barrier = threading.Barrier(len(works))
    outcomes = [None] * len(works)

    def worker(index):
        try:
            barrier.wait()
            outcomes[index] = works[index]()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_closure_racing_a_checkout_never_leaves_a_booking_on_a_closed_account(round_):
    # Paid by card: the wallet stays empty, so only what the checkout writes can refuse it.
    _service, meal, _calendar = make_canteen()
    parent = ParentFactory()
    child = BeneficiaryFactory(account=parent)
    basket = add_meals(parent, meal, [(child, MEAL_DAY)])

    closing, paying = run_together(
        lambda: closure.close_account(parent, password=DEFAULT_PASSWORD),
        lambda: checkout(basket.pk, payer=parent, payment_method="card"),
    )

    closed = not User.objects.get(pk=parent.pk).is_active
    booked = Booking.objects.filter(account=parent).exists()
    assert closed != booked, (closing, paying)
    if closed:
        assert isinstance(paying, Exception)
    else:
        assert isinstance(closing, closure.ClosureRefused), closing
        assert "Une commande attend son paiement" in closing.reasons[0]


def test_a_checkout_arriving_while_the_closure_checks_waits_then_finds_no_basket(monkeypatch):
    """The closure is slowed down between its checks and its erasure; the checkout arrives in
    between. Without the closure's locks it would book a meal for the account being closed."""
    _service, meal, _calendar = make_canteen()
    parent = ParentFactory()
    child = BeneficiaryFactory(account=parent)
    basket = add_meals(parent, meal, [(child, MEAL_DAY)])
    checks = closure.closure_refusals

    def slow_checks(*args, **kwargs):
        reasons = checks(*args, **kwargs)
        time.sleep(0.6)
        return reasons

    def late_checkout():
        time.sleep(0.2)
        return checkout(basket.pk, payer=parent, payment_method="card")

    monkeypatch.setattr(closure, "closure_refusals", slow_checks)
    closing, paying = run_together(
        lambda: closure.close_account(parent, password=DEFAULT_PASSWORD), late_checkout
    )

    assert isinstance(closing, AccountClosure), closing
    assert isinstance(paying, BasketNotFound), paying
    assert not Booking.objects.filter(account=parent).exists()
