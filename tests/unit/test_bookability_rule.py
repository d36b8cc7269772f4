"""`reservations.rules.meal_refusal`: the one rule saying whether a meal can be booked, shared
by the month calendar, the basket and the booking at checkout. Pure: no database."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from reservations import rules

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
BEFORE_NOW = datetime(2026, 11, 20, 8, 59, tzinfo=UTC)
AFTER_NOW = datetime(2026, 11, 20, 9, 1, tzinfo=UTC)
OPEN = rules.DayState(True)
STRIKE = rules.DayState(False, "Fermeture exceptionnelle : Grève")
BOOKABLE = rules.MealDay(state=OPEN, booking_deadline=AFTER_NOW)


@pytest.mark.parametrize(
    ("meal", "code", "reason"),
    [
        (BOOKABLE, None, None),
        (replace(BOOKABLE, booking_deadline=None), None, None),
        (replace(BOOKABLE, capacity=10, seats_taken=9), None, None),
        (replace(BOOKABLE, capacity=10, seats_taken=8, seats_wanted=2), None, None),
        (
            replace(BOOKABLE, access_accepted=False),
            rules.NO_ACCESS,
            "Pas d'accès accepté à ce service pour ce bénéficiaire.",
        ),
        (
            replace(BOOKABLE, state=STRIKE),
            rules.DAY_CLOSED,
            "Jour fermé : Fermeture exceptionnelle : Grève.",
        ),
        (replace(BOOKABLE, booked=True), rules.ALREADY_BOOKED, "Ce repas est déjà réservé."),
        (
            replace(BOOKABLE, in_basket=True),
            rules.ALREADY_IN_BASKET,
            "Ce repas est déjà dans votre panier.",
        ),
        (
            replace(BOOKABLE, booking_deadline=BEFORE_NOW),
            rules.PAST_DEADLINE,
            "La date limite de réservation était le 20/11 à 09:59.",
        ),
        (
            replace(BOOKABLE, booking_deadline=NOW),
            rules.PAST_DEADLINE,
            "La date limite de réservation était le 20/11 à 10:00.",
        ),
        (
            replace(BOOKABLE, capacity=10, seats_taken=10),
            rules.DAY_FULL,
            "Plus assez de places ce jour-là (places restantes : 0).",
        ),
        (
            replace(BOOKABLE, capacity=10, seats_taken=8, seats_wanted=3),
            rules.DAY_FULL,
            "Plus assez de places ce jour-là (places restantes : 2).",
        ),
    ],
)
def test_a_meal_is_bookable_or_refused_with_a_code_and_a_french_reason(meal, code, reason):
    refusal = rules.meal_refusal(meal, NOW)

    assert (refusal and refusal.code) == code
    assert (refusal and refusal.reason) == reason


@pytest.mark.parametrize(
    ("meal", "code"),
    [
        # No access outranks everything: the parent must ask for it first.
        (
            replace(BOOKABLE, access_accepted=False, state=STRIKE, booked=True),
            rules.NO_ACCESS,
        ),
        (replace(BOOKABLE, state=STRIKE, booked=True, in_basket=True), rules.DAY_CLOSED),
        # A meal booked or in the basket says so, even past its deadline or on a full day.
        (replace(BOOKABLE, booked=True, booking_deadline=BEFORE_NOW), rules.ALREADY_BOOKED),
        (
            replace(BOOKABLE, in_basket=True, capacity=1, seats_taken=1),
            rules.ALREADY_IN_BASKET,
        ),
        (
            replace(BOOKABLE, booking_deadline=BEFORE_NOW, capacity=1, seats_taken=1),
            rules.PAST_DEADLINE,
        ),
    ],
)
def test_the_first_reason_in_a_fixed_order_is_given(meal, code):
    assert rules.meal_refusal(meal, NOW).code == code
