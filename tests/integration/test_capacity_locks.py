"""A checkout locks only the days of its meals (reservations/capacity.py), with real threads on
PostgreSQL: two checkouts of one service on different days run side by side, while two on the
same full day still queue, and the last seat goes to one of them only."""

import threading

import pytest
from django.db import connection
from django.test import Client
from oscar.core.loading import get_model

from reservations import capacity
from reservations.models import Booking
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, add_meals, make_canteen, top_up
from tests.factories import ParentFactory
from tests.functional.test_checkout_payment import checkout
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

Basket = get_model("basket", "Basket")

# A thread never waits longer than this for the other one: a hang fails the test instead.
TIMEOUT = 30


def basket_of(meal, day):
    """A parent with one child's meal of `day` in the basket, and money to pay for it."""
    parent = ParentFactory()
    child = BeneficiaryFactory(account=parent)
    top_up(parent, "20.00")
    return parent, add_meals(parent, meal, [(child, day)])


def race(monkeypatch, first, second, *, hold: float):
    """Check out `first` and `second` at once, `first` holding its day locks until `second`
    has finished or `hold` seconds have passed. Returns (the responses, whether `second`
    finished while `first` held its locks)."""
    first_locked, second_done = threading.Event(), threading.Event()
    original = capacity.lock_meal_days
    finished_during_hold = []

    def holding(*args, **kwargs):
        original(*args, **kwargs)
        if threading.current_thread().name == "first" and not first_locked.is_set():
            first_locked.set()
            finished_during_hold.append(second_done.wait(hold))

    responses = {}

    def work(name, parent, basket):
        try:
            if name == "second":
                assert first_locked.wait(TIMEOUT), "the first checkout never took its locks"
            client = Client()
            client.force_login(parent)
            responses[name] = checkout(client, basket, "wallet")
        finally:
            if name == "second":
                second_done.set()
            connection.close()

    monkeypatch.setattr(capacity, "lock_meal_days", holding)
    threads = [
        threading.Thread(target=work, name=name, args=(name, *paying))
        for name, paying in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
        assert not thread.is_alive(), "a thread is stuck"
    return responses, finished_during_hold == [True]


def test_two_checkouts_of_one_service_on_different_days_do_not_wait_on_each_other(monkeypatch):
    _, meal, _ = make_canteen(capacity=5)
    first, second = basket_of(meal, MEAL_DAY), basket_of(meal, OTHER_MEAL_DAY)

    responses, second_finished_first = race(monkeypatch, first, second, hold=10)

    assert second_finished_first, "the second checkout waited for the first one's day"
    assert [responses[name].status_code for name in ("first", "second")] == [200, 200]
    assert sorted(Booking.objects.values_list("date", flat=True)) == [MEAL_DAY, OTHER_MEAL_DAY]


def test_two_checkouts_of_the_last_seat_queue_and_only_one_books_it(monkeypatch):
    _, meal, _ = make_canteen(capacity=1)
    first, second = basket_of(meal, MEAL_DAY), basket_of(meal, MEAL_DAY)

    responses, second_finished_first = race(monkeypatch, first, second, hold=2)

    assert not second_finished_first, "the second checkout did not wait for the day's lock"
    assert responses["first"].status_code == 200, responses["first"].content
    assert responses["second"].status_code == 400
    assert "Plus assez de places" in responses["second"].json()["errors"][0]["message"]
    assert Booking.objects.get().account == first[0]
