"""The family quotient ("quotient familial"): reference tax income / 12 / tax shares, rounded
half up to the cent; tax shares come in quarters."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reservations.rules import family_quotient


@pytest.mark.parametrize(
    ("income", "shares", "quotient"),
    [
        ("24000", "2", "1000.00"),
        ("10000", "3", "277.78"),  # 277.777… rounds up
        ("1", "1", "0.08"),  # 0.08333…
        ("0", "1", "0.00"),
        ("24000.50", "2", "1000.02"),  # 1000.0208…
        ("18000", "1.25", "1200.00"),
        ("30000", "2.5", "1000.00"),
        ("25000", "1.5", "1388.89"),  # 1388.888…
        ("19000", "1.75", "904.76"),  # 904.7619…
        ("24000", "0.25", "8000.00"),  # quarter shares are counted, even alone
        ("123", "1", "10.25"),  # exactly 10.25: no rounding
        ("6", "20", "0.03"),  # 0.025: half rounds up, not to even
        ("18", "20", "0.08"),  # 0.075: half rounds up
        (Decimal("24000"), Decimal("2"), "1000.00"),
        (24000, 2, "1000.00"),
    ],
)
def test_family_quotient_is_monthly_income_per_share_rounded_half_up(income, shares, quotient):
    assert family_quotient(income, shares) == Decimal(quotient)
    assert family_quotient(income, shares).as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("income", "shares", "code"),
    [
        ("24000", "0", "invalid_shares"),
        ("24000", "-1", "invalid_shares"),
        ("24000", "-2.5", "invalid_shares"),
        ("24000", "1.3", "invalid_shares"),
        ("24000", "2.1", "invalid_shares"),
        ("24000", "20.25", "invalid_shares"),  # beyond any real household
        ("24000", "Infinity", "invalid_shares"),
        ("-1", "1", "invalid_income"),
        ("-0.01", "2", "invalid_income"),
        ("NaN", "1", "invalid_income"),
    ],
)
def test_invalid_shares_or_income_are_refused(income, shares, code):
    with pytest.raises(ValidationError) as caught:
        family_quotient(income, shares)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("income", "shares"),
    [
        ("vingt mille", "2"),
        ("24000", "deux"),
        ("", "2"),
        ("24000", ""),
        (None, "2"),
        ("24000", None),
    ],
)
def test_values_that_are_not_numbers_are_refused(income, shares):
    with pytest.raises(ValidationError) as caught:
        family_quotient(income, shares)
    assert "nombres" in caught.value.messages[0]
