"""The price's reason in a few words (PriceExplanation.short_fr), as the month calendar shows
it beside each price: only what the grid tells apart."""

from decimal import Decimal

import pytest

from reservations import rules

D = Decimal


def line(low, high, rank=1, price="3.30", residence=rules.ANY_RESIDENCE, category=rules.CHILD):
    return rules.TariffLine(
        category,
        residence,
        None if low is None else D(low),
        None if high is None else D(high),
        rank,
        D(price),
    )


BRACKETS_AND_RANKS = rules.TariffConfig(
    lines=(
        line(None, "600", 1, "2.10"),
        line("600", "800", 1, "3.30"),
        line("800", None, 1, "4.00"),
        line("600", "800", 2, "2.90"),
    )
)


@pytest.mark.parametrize(
    ("grid", "quotient", "rank", "resident", "short"),
    [
        (BRACKETS_AND_RANKS, "650", 2, True, "QF 600–800, 2e enfant"),
        (BRACKETS_AND_RANKS, "650", 1, True, "QF 600–800, 1er enfant"),
        (BRACKETS_AND_RANKS, "300", 1, True, "QF < 600, 1er enfant"),
        (BRACKETS_AND_RANKS, "900", 1, True, "QF ≥ 800, 1er enfant"),
        (BRACKETS_AND_RANKS, None, 1, True, "QF non communiqué, 1er enfant"),
        # A grid without ranks nor brackets has nothing to explain but the residence.
        (rules.TariffConfig(lines=(line(None, None),)), "650", 2, True, ""),
        (
            rules.TariffConfig(
                lines=(
                    line(None, None, residence=rules.RESIDENT),
                    line(None, None, price="5", residence=rules.NON_RESIDENT),
                )
            ),
            "650",
            1,
            False,
            "hors commune",
        ),
        (
            rules.TariffConfig(mode=rules.EFFORT_RATE, effort_rate=D("0.5"), floor=D("1")),
            "650",
            1,
            True,
            "0,5 % × QF 650",
        ),
        (
            rules.TariffConfig(mode=rules.EFFORT_RATE, effort_rate=D("0.5"), floor=D("1")),
            "100",
            1,
            True,
            "0,5 % × QF 100, plancher",
        ),
        (
            rules.TariffConfig(mode=rules.EFFORT_RATE, effort_rate=D("0.5"), ceiling=D("4")),
            "1000",
            1,
            True,
            "0,5 % × QF 1000, plafond",
        ),
    ],
)
def test_the_short_reason_says_only_what_the_grid_tells_apart(
    grid, quotient, rank, resident, short
):
    explained = rules.price_for(
        grid,
        category=rules.CHILD,
        resident=resident,
        family_quotient=None if quotient is None else D(quotient),
        sibling_rank=rank,
    )
    assert explained.short_fr == short


@pytest.mark.parametrize(
    ("low", "high", "label"),
    [
        (None, None, "tous QF"),
        (None, "500", "QF < 500"),
        ("500", None, "QF ≥ 500"),
        ("500", "812.50", "QF 500–812,5"),
    ],
)
def test_a_bracket_reads_in_a_few_characters(low, high, label):
    low = None if low is None else D(low)
    high = None if high is None else D(high)
    assert rules.short_bracket_label(low, high) == label
