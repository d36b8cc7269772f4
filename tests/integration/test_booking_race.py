"""The last seat, with real threads on PostgreSQL: two parents pay for it at the same moment by
wallet; one order is paid and booked, the other is refused with a clear message and pays
nothing."""

from decimal import Decimal

import pytest
from django.test import Client
from oscar.core.loading import get_model

from reservations.models import Booking, BookingStatus
from tests.booking_factories import MEAL_DAY, add_meals, make_canteen, top_up
from tests.factories import ParentFactory
from tests.functional.test_checkout_payment import checkout, general_pot
from tests.integration.test_wallet_concurrency import run_in_threads
from tests.reservations_factories import BeneficiaryFactory

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("attempt", range(3))
def test_two_parents_racing_for_the_last_seat_one_wins_the_other_pays_nothing(attempt):
    _, meal, _ = make_canteen(capacity=1)
    parents = [ParentFactory(), ParentFactory()]
    baskets = []
    for parent in parents:
        top_up(parent, "10.00")
        baskets.append(add_meals(parent, meal, [(BeneficiaryFactory(account=parent), MEAL_DAY)]))
    responses = [None, None]

    def pay(index):
        client = Client()
        client.force_login(parents[index])
        responses[index] = checkout(client, baskets[index], "wallet")

    outcomes = run_in_threads(2, pay)

    assert outcomes == ["ok", "ok"]
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 400], [r.content for r in responses]
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    loser = 1 - winner
    booking = Booking.objects.get()
    assert booking.account == parents[winner]
    assert booking.status == BookingStatus.CONFIRMED
    assert Order.objects.get().user == parents[winner]
    assert general_pot(parents[winner]) == Decimal("6.70")

    body = responses[loser].json()
    assert body["detail"].startswith("Certains repas ne peuvent plus être réservés")
    assert "Plus assez de places ce jour-là" in body["errors"][0]["message"]
    assert general_pot(parents[loser]) == Decimal("10.00")
    assert not Order.objects.filter(user=parents[loser]).exists()
