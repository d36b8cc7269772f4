"""The sibling rank comes from the family's day, whatever order the meals are added, booked and
paid in: the calendar's price, the basket line's frozen price and the checkout's second look
agree, and a price never changes once booked.

Two children, Alice (the eldest) and Bruno, on one Tuesday of the canteen; the grid (quotient
800) asks 3,30 € of a first child and 2,90 € of a second."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from reservations.basket import add_meals_to_basket, basket_summary
from reservations.bookings import cancel_booking
from reservations.models import ACTIVE_BOOKING_STATUSES, Booking
from reservations.month import month_calendar
from tests.functional.test_checkout_payment import checkout, top_up
from tests.planning_factories import NOW, accept, make_canteen, make_family

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")

DAY = date(2026, 12, 1)
FIRST, SECOND = Decimal("3.30"), Decimal("2.90")


class World:
    """The family, the canteen and a second service the children may also eat at."""

    def __init__(self):
        self.canteen, option, _ = make_canteen()
        self.other, other_option, _ = make_canteen(title="Cantine du Bourg")
        family = make_family(option, children=2)
        accept(family.parent, other_option, family.children)
        self.parent = family.parent
        self.alice, self.bruno = family.children
        top_up(self.parent, "50.00")
        self.client = Client()
        self.client.force_login(self.parent)

    def shown(self, child, service) -> Decimal:
        """The price the calendar shows for `child` that day."""
        (month,) = month_calendar(
            account=self.parent, beneficiary_ids=[child.pk], month=DAY, now=NOW
        )
        days = {m.service["id"]: m.days for m in month.services}[service.pk]
        return next(day.price for day in days if day.date == DAY)

    def add(self, service, *children) -> None:
        """Add the meals; a child added alone is frozen at the price the calendar showed, and
        afterwards the calendar shows every meal of the basket at its frozen price."""
        shown = self.shown(children[0], service)
        add_meals_to_basket(
            account=self.parent,
            service_id=service.pk,
            beneficiary_ids=[child.pk for child in children],
            dates=[DAY],
            now=NOW,
        )
        in_basket = self.in_basket()
        if len(children) == 1:
            assert in_basket[children[0].pk] == shown
        for child in (self.alice, self.bruno):
            if child.pk in in_basket:
                assert self.shown(child, service) == in_basket[child.pk]

    def in_basket(self) -> dict:
        summary = basket_summary(self.parent)
        return {line.beneficiary["id"]: line.price for day in summary.days for line in day.lines}

    def pay(self) -> None:
        response = checkout(self.client, Basket.open.get(owner=self.parent), "wallet")
        assert response.status_code == 200, response.content

    def cancel(self, child) -> None:
        booking = Booking.objects.get(beneficiary=child, status__in=ACTIVE_BOOKING_STATUSES)
        cancel_booking(booking, by=self.parent, role=ActorRole.PARENT, now=NOW)

    def booked(self) -> dict:
        return {
            (b.beneficiary_id, b.service_id): b.unit_price
            for b in Booking.objects.filter(status__in=ACTIVE_BOOKING_STATUSES)
        }


def together(world):
    world.add(world.canteen, world.alice, world.bruno)
    world.pay()


def eldest_paid_then_youngest(world):
    world.add(world.canteen, world.alice)
    world.pay()
    world.add(world.canteen, world.bruno)
    world.pay()


def youngest_added_before_the_eldest(world):
    world.add(world.canteen, world.bruno)
    world.add(world.canteen, world.alice)
    world.pay()


def youngest_added_alone_and_paid_before_the_eldest(world):
    world.add(world.canteen, world.bruno)
    world.pay()
    world.add(world.canteen, world.alice)
    world.pay()


def eldest_cancelled_later(world):
    together(world)
    world.cancel(world.alice)


def on_different_services(world):
    world.add(world.canteen, world.alice)
    world.pay()
    world.add(world.other, world.bruno)
    world.pay()


# Each story, and the price of every active booking it leaves: (child, service) → price.
CASES = [
    (together, {("alice", "canteen"): FIRST, ("bruno", "canteen"): SECOND}),
    (eldest_paid_then_youngest, {("alice", "canteen"): FIRST, ("bruno", "canteen"): SECOND}),
    (
        youngest_added_before_the_eldest,
        {("alice", "canteen"): FIRST, ("bruno", "canteen"): SECOND},
    ),
    # Booked alone, Bruno paid a first child's price: booked prices never change.
    (
        youngest_added_alone_and_paid_before_the_eldest,
        {("alice", "canteen"): FIRST, ("bruno", "canteen"): FIRST},
    ),
    (eldest_cancelled_later, {("bruno", "canteen"): SECOND}),
    (on_different_services, {("alice", "canteen"): FIRST, ("bruno", "other"): FIRST}),
]


@pytest.mark.parametrize(
    ("story", "expected"),
    [pytest.param(story, prices, id=story.__name__) for story, prices in CASES],
)
def test_the_sibling_rank_counts_the_familys_day_and_a_booked_price_never_changes(story, expected):
    with time_machine.travel(NOW, tick=False):
        world = World()
        story(world)

        ids = {"alice": world.alice.pk, "bruno": world.bruno.pk}
        services = {"canteen": world.canteen.pk, "other": world.other.pk}
        assert world.booked() == {
            (ids[child], services[service]): price for (child, service), price in expected.items()
        }
        assert world.in_basket() == {}
