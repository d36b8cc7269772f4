"""How an order's total splits between the porte-monnaie and the card (pure arithmetic)."""

from decimal import Decimal as D

import pytest

from wallet.rules import split_payment


@pytest.mark.parametrize(
    ("total", "wallet_available", "wallet_part", "card_part"),
    [
        # The wallet covers none of it.
        ("6.60", "0.00", "0.00", "6.60"),
        ("6.60", "-1.00", "0.00", "6.60"),
        # Part of it, to the cent.
        ("6.60", "5.00", "5.00", "1.60"),
        ("6.60", "6.59", "6.59", "0.01"),
        ("0.01", "0.00", "0.00", "0.01"),
        ("10.05", "0.05", "0.05", "10.00"),
        # All of it, and never more than the total.
        ("6.60", "6.60", "6.60", "0.00"),
        ("6.60", "50.00", "6.60", "0.00"),
        ("0.00", "3.00", "0.00", "0.00"),
        # Amounts written without their trailing zeros are the same cents.
        ("3.3", "1", "1.00", "2.30"),
    ],
)
def test_the_wallet_pays_what_it_holds_up_to_the_total_and_the_card_the_rest(
    total, wallet_available, wallet_part, card_part
):
    split = split_payment(D(total), D(wallet_available))

    assert split == (D(wallet_part), D(card_part))
    assert sum(split) == D(total)
    assert all(part.as_tuple().exponent == -2 for part in split)


@pytest.mark.parametrize(
    ("total", "wallet_available"),
    [("-1.00", "0.00"), ("1.005", "0.00"), ("1.00", "0.001")],
)
def test_a_negative_total_or_fractions_of_a_cent_are_refused(total, wallet_available):
    with pytest.raises(ValueError):
        split_payment(D(total), D(wallet_available))
