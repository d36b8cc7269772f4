"""What a day of attendance costs: the day's price times its state's percentage, rounded to
the cent as a French invoice does, with the sentence stored on the invoice line."""

from decimal import Decimal

import pytest
from django.utils import translation

from reservations.attendance_pricing import (
    ABSENT,
    ABSENT_JUSTIFIED,
    DEFAULT_MODIFIERS,
    PRESENT,
    PRESENT_UNBOOKED,
    AttendanceModifiers,
    price_for_attendance,
)

D = Decimal
CUSTOM = AttendanceModifiers(
    present=D(100), absent=D(50), absent_justified=D(0), present_unbooked=D("112.5")
)


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


@pytest.mark.parametrize(
    ("base", "state", "modifiers", "amount"),
    [
        ("3.50", PRESENT, DEFAULT_MODIFIERS, "3.50"),
        ("3.50", ABSENT, DEFAULT_MODIFIERS, "3.50"),
        ("3.50", ABSENT_JUSTIFIED, DEFAULT_MODIFIERS, "0.00"),
        ("3.50", PRESENT_UNBOOKED, DEFAULT_MODIFIERS, "5.25"),
        # 1.15 × 1.5 = 1.725: half a cent goes up, not to the even cent.
        ("1.15", PRESENT_UNBOOKED, DEFAULT_MODIFIERS, "1.73"),
        ("3.50", ABSENT, CUSTOM, "1.75"),
        ("3.33", ABSENT, CUSTOM, "1.67"),
        ("4.00", PRESENT_UNBOOKED, CUSTOM, "4.50"),
        ("0.00", PRESENT_UNBOOKED, DEFAULT_MODIFIERS, "0.00"),
    ],
)
def test_a_day_costs_its_price_times_its_state_percentage(base, state, modifiers, amount):
    assert price_for_attendance(D(base), state, modifiers).amount == D(amount)


@pytest.mark.parametrize(
    ("state", "modifiers", "sentence"),
    [
        (PRESENT, DEFAULT_MODIFIERS, "Présent : prix du jour, 3,50\xa0€."),
        (ABSENT, DEFAULT_MODIFIERS, "Absence non justifiée : prix du jour, 3,50\xa0€."),
        (
            ABSENT_JUSTIFIED,
            DEFAULT_MODIFIERS,
            "Absence justifiée : non facturé (prix du jour 3,50\xa0€).",
        ),
        (
            PRESENT_UNBOOKED,
            DEFAULT_MODIFIERS,
            "Présent sans réservation : 150 % de 3,50\xa0€, soit 5,25\xa0€.",
        ),
        (ABSENT, CUSTOM, "Absence non justifiée : 50 % de 3,50\xa0€, soit 1,75\xa0€."),
        (
            PRESENT_UNBOOKED,
            CUSTOM,
            "Présent sans réservation : 112,5 % de 3,50\xa0€, soit 3,94\xa0€.",
        ),
    ],
)
def test_the_explanation_says_how_the_amount_was_computed(state, modifiers, sentence):
    assert price_for_attendance(D("3.50"), state, modifiers).explanation == sentence


def test_the_defaults_charge_a_booked_day_and_half_as_much_again_without_booking():
    assert DEFAULT_MODIFIERS == AttendanceModifiers(
        present=D(100), absent=D(100), absent_justified=D(0), present_unbooked=D(150)
    )


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="Unknown attendance state"):
        price_for_attendance(D("3.50"), "late", DEFAULT_MODIFIERS)


def test_a_negative_base_price_is_refused():
    with pytest.raises(ValueError, match="never negative"):
        price_for_attendance(D("-1.00"), PRESENT, DEFAULT_MODIFIERS)


def test_the_states_are_the_models_states():
    from reservations.models import AttendanceState

    assert {PRESENT, ABSENT, ABSENT_JUSTIFIED, PRESENT_UNBOOKED} == set(AttendanceState.values)
