"""An agent closes day D while a parent pays for meals on D, with real threads on PostgreSQL.

Both lock the day (reservations/capacity.py). Whatever the order, the end state is consistent:
either the checkout wins and the closure then cancels that booking, refunds it to the service's
pot and e-mails the family; or the closure wins and the checkout is refused for D, paying
nothing. Never a confirmed booking on a closed day, never money lost (wallet/integrity.py), never
a deadlock.

Each ordering is forced by pausing one side while it holds the lock: the other side then really
queues on the lock."""

import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from oscar.core.loading import get_model

from reservations import capacity, closures
from reservations.closures import close_day
from reservations.models import Booking, BookingStatus, Closure
from tests.booking_factories import (
    MEAL_DAY,
    OTHER_MEAL_DAY,
    add_meals,
    make_booking,
    make_canteen,
    top_up,
)
from tests.factories import AgentFactory, ParentFactory
from tests.functional.test_checkout_payment import checkout, general_pot, service_pot
from tests.reservations_factories import BeneficiaryFactory
from wallet import ledger
from wallet.integrity import check_ledger

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

PRICE = Decimal("3.30")
# Long enough for the other thread to reach the lock and queue on it.
PAUSE = 0.5
# A thread never waits longer than this for the other one: a hang fails the test instead.
TIMEOUT = 30
CLOSED_DAY_REFUSAL = "Jour fermé : Fermeture exceptionnelle : Grève."


@pytest.fixture
def world():
    service, meal, _ = make_canteen()
    agent = AgentFactory(communes=[meal.stockrecords.first().partner])
    parent = ParentFactory(first_name="Claire", last_name="Martin")
    lea = BeneficiaryFactory(account=parent, first_name="Léa")
    tom = BeneficiaryFactory(account=parent, first_name="Tom")
    top_up(parent, "20.00")
    return {
        "service": service,
        "meal": meal,
        "agent": agent,
        "parent": parent,
        "lea": lea,
        "tom": tom,
    }


def run_together(*works) -> list:
    """Run each callable in its own thread, started together; each outcome is what the callable
    returned, or the exception it raised. Each thread closes its own database connection."""
    barrier = threading.Barrier(len(works))
    outcomes = [None] * len(works)

    def worker(index):
        try:
            barrier.wait(timeout=TIMEOUT)
            outcomes[index] = works[index]()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
        assert not thread.is_alive(), "a thread is stuck"
    return outcomes


def checking_out(parent, basket):
    def work():
        client = Client()
        client.force_login(parent)
        return checkout(client, basket, "wallet")

    return work


def closing(service, agent):
    return lambda: close_day(service, MEAL_DAY, "Grève", by=agent)


def after(event, work):
    """`work`, once `event` is set."""

    def waiting():
        assert event.wait(TIMEOUT), "the other thread never took the lock"
        return work()

    return waiting


def pause_after(monkeypatch, module, name, event):
    """Make `module.name` set `event` once it has run, then hold on (its locks with it) for a
    moment, so that the other thread reaches the same lock and queues on it."""
    original = getattr(module, name)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread() and not event.is_set():
            event.set()
            time.sleep(PAUSE)
        return result

    monkeypatch.setattr(module, name, paused)


def assert_consistent(world, basket, response, closed):
    """The end state of one race, whoever won. Returns "checkout" or "closure"."""
    parent = world["parent"]
    assert closed.closure.pk == Closure.objects.get().pk
    assert not Booking.objects.filter(date=MEAL_DAY, status=BookingStatus.CONFIRMED).exists()
    report = check_ledger()
    assert report.ok, report.describe()

    if response.status_code == 200:
        order = Order.objects.get(number=response.json()["number"])
        assert order.status == "Payée"
        day = Booking.objects.get(order_number=order.number, date=MEAL_DAY)
        assert day.status == BookingStatus.CANCELLED
        assert day.cancelled_by == world["agent"]
        assert day in closed.cancelled
        other = Booking.objects.get(order_number=order.number, date=OTHER_MEAL_DAY)
        assert other.status == BookingStatus.CONFIRMED
        # Paid for two meals from the general pot; the closed day's price is back, in the
        # service's pot.
        assert general_pot(parent) == Decimal("20.00") - 2 * PRICE
        assert service_pot(parent, world["service"]) == PRICE
        # The order's own confirmation goes to the family too: the closure's is counted here.
        family_mail = [m for m in mail.outbox if parent.email in m.to and "Fermeture" in m.subject]
        assert len(family_mail) == 1
        assert "fermé le 12/03/2030 (Grève)" in family_mail[0].body
        return "checkout"

    assert response.status_code == 400, response.content
    body = response.json()
    assert "Rien n'a été débité" in body["detail"]
    messages = [error["message"] for error in body["errors"]]
    assert len(messages) == 1 and CLOSED_DAY_REFUSAL in messages[0], messages
    assert "12/03/2030" in messages[0]
    assert not Order.objects.exists()
    assert not Booking.objects.filter(account=parent, status=BookingStatus.CONFIRMED).exists()
    assert general_pot(parent) == Decimal("20.00")
    assert service_pot(parent, world["service"]) == Decimal("0.00")
    assert Basket.objects.get(pk=basket.pk).status == Basket.OPEN
    assert not [m for m in mail.outbox if parent.email in m.to]
    return "closure"


def test_the_checkout_holding_the_lock_wins_then_the_closure_cancels_and_refunds(
    world, monkeypatch
):
    basket = add_meals(world["parent"], world["meal"], [(world["lea"], MEAL_DAY)])
    basket = add_meals(world["parent"], world["meal"], [(world["lea"], OTHER_MEAL_DAY)])
    locked = threading.Event()
    pause_after(monkeypatch, capacity, "lock_meal_days", locked)

    response, closed = run_together(
        checking_out(world["parent"], basket),
        after(locked, closing(world["service"], world["agent"])),
    )

    assert getattr(response, "status_code", None) == 200, response
    assert not isinstance(closed, Exception), closed
    assert assert_consistent(world, basket, response, closed) == "checkout"


def test_the_closure_holding_the_lock_wins_then_the_checkout_is_refused_and_pays_nothing(
    world, monkeypatch
):
    basket = add_meals(
        world["parent"], world["meal"], [(world["lea"], MEAL_DAY), (world["lea"], OTHER_MEAL_DAY)]
    )
    locked = threading.Event()
    # Called by close_day with the day locked, before it commits.
    pause_after(monkeypatch, closures, "_email_families", locked)

    response, closed = run_together(
        after(locked, checking_out(world["parent"], basket)),
        closing(world["service"], world["agent"]),
    )

    assert getattr(response, "status_code", None) == 400, response
    assert not isinstance(closed, Exception), closed
    assert assert_consistent(world, basket, response, closed) == "closure"


def test_a_family_already_booked_that_day_paying_while_the_day_closes_does_not_deadlock(
    world, monkeypatch
):
    """Léa is already booked on D; Claire pays for Tom on D while the agent closes D. The
    closure refunds Léa into Claire's service pot, which the checkout's wallet debit locks too:
    the checkout must take the day lock before the pots, as the closure does, or each waits
    for the other (PostgreSQL then kills one with a deadlock error)."""
    make_booking(world["lea"], service=world["service"], tariff_option=world["meal"])
    # The pot exists already, as after any earlier refund: both sides lock the same row.
    commune_id = world["meal"].stockrecords.get().partner_id
    ledger.service_pot(world["parent"], world["service"].pk, commune_id)
    basket = add_meals(
        world["parent"], world["meal"], [(world["tom"], MEAL_DAY), (world["tom"], OTHER_MEAL_DAY)]
    )
    paid = threading.Event()
    # The checkout holds the parent's pots from its wallet debit until it commits.
    pause_after(monkeypatch, ledger, "pay_from_wallet", paid)

    response, closed = run_together(
        checking_out(world["parent"], basket),
        after(paid, closing(world["service"], world["agent"])),
    )

    assert not isinstance(response, Exception), response
    assert not isinstance(closed, Exception), closed
    assert response.status_code == 200, response.content
    assert {b.beneficiary_id for b in closed.cancelled} == {world["lea"].pk, world["tom"].pk}
    assert not Booking.objects.filter(date=MEAL_DAY, status=BookingStatus.CONFIRMED).exists()
    assert service_pot(world["parent"], world["service"]) == 2 * PRICE
    assert general_pot(world["parent"]) == Decimal("20.00") - 2 * PRICE
    family_mail = [
        m for m in mail.outbox if world["parent"].email in m.to and "Fermeture" in m.subject
    ]
    assert len(family_mail) == 1
    report = check_ledger()
    assert report.ok, report.describe()


@pytest.mark.parametrize("attempt", range(5))
def test_a_checkout_and_a_closure_of_its_day_at_the_same_moment_end_consistent(world, attempt):
    basket = add_meals(
        world["parent"], world["meal"], [(world["lea"], MEAL_DAY), (world["lea"], OTHER_MEAL_DAY)]
    )

    response, closed = run_together(
        checking_out(world["parent"], basket),
        closing(world["service"], world["agent"]),
    )

    assert not isinstance(response, Exception), response
    assert not isinstance(closed, Exception), closed
    assert assert_consistent(world, basket, response, closed) in {"checkout", "closure"}
