"""The forecast rule (wallet/forecast.py): the balance after the unpaid meals and the basket,
and the last day it covers at the family's pace. 11/03/2030 is a Monday."""

from datetime import date
from decimal import Decimal

import pytest

from wallet.forecast import BEYOND, NO_HABIT, SHORT, UNTIL, forecast, pace_of

MONDAY = date(2030, 3, 11)
D = Decimal


@pytest.mark.parametrize(
    ("balance", "unpaid", "basket", "pace", "booked_until", "status", "until"),
    [
        # No booking lately: no date can be told.
        ("20.00", "0", "0", {}, None, NO_HABIT, None),
        # The unpaid meals and the basket already cost more than the pots hold.
        ("5.00", "3.30", "3.30", {1: D("3.30")}, None, SHORT, None),
        # Monday 6.70 left, Tuesday 3.40, next Monday 0.10, next Tuesday short.
        ("10.00", "0", "0", {1: D("3.30"), 2: D("3.30")}, None, UNTIL, date(2030, 3, 18)),
        # What is left after the basket is what lasts.
        ("13.30", "0", "3.30", {1: D("3.30"), 2: D("3.30")}, None, UNTIL, date(2030, 3, 18)),
        # Exactly enough for Monday: the next Monday is the first uncovered day.
        ("3.30", "0", "0", {1: D("3.30")}, None, UNTIL, date(2030, 3, 17)),
        # The days booked already are paid: the pace starts after them.
        (
            "3.30",
            "0",
            "0",
            {n: D("3.30") for n in range(1, 6)},
            date(2030, 3, 15),
            UNTIL,
            date(2030, 3, 18),
        ),
        # Not even tomorrow's meal: enough until today.
        ("1.00", "0", "0", {2: D("3.30")}, None, UNTIL, MONDAY),
        ("100.00", "0", "0", {1: D("0.01")}, None, BEYOND, None),
    ],
)
def test_the_forecast_tells_until_when_the_money_lasts(
    balance, unpaid, basket, pace, booked_until, status, until
):
    result = forecast(
        balance=D(balance),
        unpaid=D(unpaid),
        basket=D(basket),
        pace=pace,
        today=MONDAY,
        booked_until=booked_until,
    )
    assert result.after == D(balance) - D(unpaid) - D(basket)
    assert result.status == status
    assert result.enough_until == until


def test_what_is_missing_is_the_negative_balance_after_the_unpaid_meals():
    result = forecast(balance=D("5.00"), unpaid=D("3.30"), basket=D("3.30"), pace={}, today=MONDAY)
    assert result.missing == D("1.60")


def test_the_pace_is_the_last_four_weeks_average_per_weekday():
    assert pace_of({1: D("13.20"), 2: D("0.00"), 3: D("3.30")}) == {1: D("3.30"), 3: D("0.83")}
