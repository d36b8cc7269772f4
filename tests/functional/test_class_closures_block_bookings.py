"""A closure of one school class (a class trip, a strike in one school) shuts the day for that
class's children only: the month calendar shows it closed with its reason, the basket refuses it,
and the checkout's re-check refuses a meal put in the basket before the closure; the other
children still book the day."""

import pytest
import time_machine

from reservations.basket import add_meals_to_basket
from reservations.exceptions import BookingRefused, MealsRefused
from reservations.models import Closure, SchoolClass
from reservations.month import month_calendar
from shop.checkout import checkout
from tests.booking_factories import top_up
from tests.functional.test_planning_api import school_days
from tests.planning_factories import NOW, make_canteen, make_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        service, option, _ = make_canteen()
        family = make_family(option, children=2)
        trip_class, other = family.children
        other.school_class = SchoolClass.CM1
        other.save(update_fields=["school_class"])
        day = school_days(service, 10)[-1]
        yield service, family, trip_class, other, day


def close_class(service, day, school_class):
    return Closure.objects.create(
        calendar=service.calendar,
        date=day,
        end_date=day,
        school_class=school_class,
        reason="Sortie scolaire",
    )


def test_the_month_calendar_shows_the_day_closed_for_that_class_only(world):
    service, family, trip_class, other, day = world
    close_class(service, day, trip_class.school_class)

    months = month_calendar(
        account=family.parent,
        beneficiary_ids=[trip_class.pk, other.pk],
        month=day,
        now=NOW,
    )

    state = {
        (month.beneficiary["id"], entry.date): (entry.state, entry.reason)
        for month in months
        for service_month in month.services
        for entry in service_month.days
    }
    assert state[trip_class.pk, day][0] == "closed"
    assert "Sortie scolaire" in state[trip_class.pk, day][1]
    assert state[other.pk, day][0] == "bookable"


def test_the_basket_refuses_the_day_for_that_class_and_takes_it_for_the_others(world):
    service, family, trip_class, other, day = world
    close_class(service, day, trip_class.school_class)

    with pytest.raises(MealsRefused) as refused:
        add_meals_to_basket(
            account=family.parent,
            service_id=service.pk,
            beneficiary_ids=[trip_class.pk],
            dates=[day],
            now=NOW,
        )
    assert "Sortie scolaire" in str(refused.value.errors)

    basket = add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        beneficiary_ids=[other.pk],
        dates=[day],
        now=NOW,
    )
    assert basket.all_lines().count() == 1


def test_the_checkout_refuses_a_meal_of_a_class_closed_after_it_was_put_in_the_basket(world):
    service, family, trip_class, other, day = world
    top_up(family.parent, "20.00")
    basket = add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        beneficiary_ids=[trip_class.pk],
        dates=[day],
        now=NOW,
    )
    close_class(service, day, trip_class.school_class)

    with time_machine.travel(NOW, tick=False), pytest.raises(BookingRefused):
        checkout(basket.pk, payer=family.parent, payment_method="wallet")
