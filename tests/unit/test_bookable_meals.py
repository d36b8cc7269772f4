"""`reservations.month.bookable_meals`: the days a week or a month booked "at once" takes
from the calendar shown, for each child. Pure: built on month_calendar's dataclasses."""

from datetime import date

import pytest

from reservations.month import (
    BOOKABLE,
    BOOKED,
    CLOSED,
    FULL,
    IN_BASKET,
    LOCKED,
    BeneficiaryMonth,
    CalendarDay,
    ServiceMonth,
    bookable_meals,
)

SERVICE = {"id": 9, "title": "Cantine"}
OPTION = {"id": 10, "title": "Réservation cantine pour enfants"}


def month_of(beneficiary_id, states):
    """One child's December: {day of month: state}."""
    days = [CalendarDay(date(2026, 12, day), state) for day, state in sorted(states.items())]
    return BeneficiaryMonth(
        {"id": beneficiary_id, "name": str(beneficiary_id)}, [ServiceMonth(SERVICE, OPTION, days)]
    )


@pytest.mark.parametrize(
    ("state", "taken"),
    [
        (BOOKABLE, True),
        (CLOSED, False),
        (IN_BASKET, False),
        (BOOKED, False),
        (LOCKED, False),
        (FULL, False),
    ],
)
def test_only_a_bookable_day_is_taken(state, taken):
    meals = bookable_meals([month_of(1, {1: state})], date(2026, 12, 1), date(2026, 12, 31))

    assert meals == ([(1, date(2026, 12, 1))] if taken else [])


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 12, 1), date(2026, 12, 31), [1, 3, 4, 7]),
        (date(2026, 12, 3), date(2026, 12, 4), [3, 4]),  # both ends included
        (date(2026, 12, 2), date(2026, 12, 2), []),
        (date(2026, 12, 5), date(2026, 12, 6), []),
    ],
)
def test_only_the_days_of_the_period_are_taken(start, end, days):
    month = month_of(1, {day: BOOKABLE for day in (1, 3, 4, 7)})

    assert bookable_meals([month], start, end) == [(1, date(2026, 12, d)) for d in days]


def test_each_child_gets_their_own_bookable_days():
    months = [month_of(1, {1: BOOKED, 3: BOOKABLE}), month_of(2, {1: BOOKABLE, 3: BOOKABLE})]

    meals = bookable_meals(months, date(2026, 12, 1), date(2026, 12, 31))

    assert meals == [(1, date(2026, 12, 3)), (2, date(2026, 12, 1)), (2, date(2026, 12, 3))]


def test_a_child_without_access_takes_nothing():
    months = [BeneficiaryMonth({"id": 1, "name": "1"}, [])]

    assert bookable_meals(months, date(2026, 12, 1), date(2026, 12, 31)) == []
