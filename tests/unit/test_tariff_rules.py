"""The price of one meal: a grid by category, residence, family-quotient bracket and sibling
rank, or an effort rate with a floor and a ceiling; and the sibling ranks of a day."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from reservations.rules import (
    ADULT,
    ANY_RESIDENCE,
    CHILD,
    EFFORT_RATE,
    NON_RESIDENT,
    RESIDENT,
    NoTariffError,
    TariffConfig,
    TariffLine,
    price_for,
    sibling_ranks,
)

D = Decimal


def line(category, residence, low, high, rank, price):
    return TariffLine(
        category=category,
        residence=residence,
        family_quotient_min=None if low is None else D(low),
        family_quotient_max=None if high is None else D(high),
        sibling_rank=rank,
        unit_price=D(price),
    )


# A canteen grid: residents by bracket and rank, non-residents at one price whatever their
# rank, adults with a resident price and a price for anybody else.
GRID = TariffConfig(
    lines=(
        line(CHILD, RESIDENT, None, "500", 1, "2.00"),
        line(CHILD, RESIDENT, None, "500", 2, "1.80"),
        line(CHILD, RESIDENT, None, "500", 3, "1.50"),
        line(CHILD, RESIDENT, "500", "1000", 1, "3.00"),
        line(CHILD, RESIDENT, "500", "1000", 2, "2.70"),
        line(CHILD, RESIDENT, "500", "1000", 3, "2.40"),
        line(CHILD, RESIDENT, "1000", None, 1, "4.00"),
        line(CHILD, RESIDENT, "1000", None, 2, "3.60"),
        line(CHILD, RESIDENT, "1000", None, 3, "3.20"),
        line(CHILD, NON_RESIDENT, None, None, 1, "5.00"),
        line(ADULT, RESIDENT, None, None, 1, "5.00"),
        line(ADULT, ANY_RESIDENCE, None, None, 1, "5.80"),
    )
)


@pytest.mark.parametrize(
    ("category", "resident", "quotient", "rank", "price", "bracket"),
    [
        (CHILD, True, "0", 1, "2.00", "QF inférieur à 500 €"),
        (CHILD, True, "499.99", 1, "2.00", "QF inférieur à 500 €"),
        (CHILD, True, "500.00", 1, "3.00", "QF de 500 € à moins de 1000 €"),  # min included
        (CHILD, True, "999.99", 2, "2.70", "QF de 500 € à moins de 1000 €"),
        (CHILD, True, "1000", 1, "4.00", "QF à partir de 1000 €"),  # max excluded
        (CHILD, True, "1000", 3, "3.20", "QF à partir de 1000 €"),
        (CHILD, True, "250", 2, "1.80", "QF inférieur à 500 €"),
        (CHILD, True, "250", 3, "1.50", "QF inférieur à 500 €"),
        (CHILD, True, "250", 4, "1.50", "QF inférieur à 500 €"),  # 4th child: "3 and more"
        (CHILD, True, "250", 7, "1.50", "QF inférieur à 500 €"),
        (CHILD, False, "250", 1, "5.00", "tous quotients familiaux"),
        (CHILD, False, "250", 2, "5.00", "tous quotients familiaux"),  # no rank-2 line
        (CHILD, False, None, 3, "5.00", "QF non communiqué, tranche la plus haute "
         "(tous quotients familiaux)"),
        (ADULT, True, "250", 1, "5.00", "tous quotients familiaux"),  # exact residence first
        (ADULT, False, "250", 1, "5.80", "tous quotients familiaux"),  # then "any"
        (ADULT, False, None, 1, "5.80", "QF non communiqué, tranche la plus haute "
         "(tous quotients familiaux)"),
    ],
)  # fmt: skip
def test_the_grid_prices_by_category_residence_bracket_and_rank(
    category, resident, quotient, rank, price, bracket
):
    result = price_for(
        GRID,
        category=category,
        resident=resident,
        family_quotient=None if quotient is None else D(quotient),
        sibling_rank=rank,
    )
    assert result.unit_price == D(price)
    assert result.unit_price.as_tuple().exponent == -2
    assert result.bracket_label == bracket
    assert result.rank == min(rank, 3)
    assert result.residence == (RESIDENT if resident else NON_RESIDENT)


@pytest.mark.parametrize(
    ("rank", "price"),
    [(1, "4.00"), (2, "3.60"), (3, "3.20"), (5, "3.20")],
)
def test_no_family_quotient_on_file_means_the_top_bracket(rank, price):
    result = price_for(GRID, category=CHILD, resident=True, family_quotient=None, sibling_rank=rank)
    assert result.unit_price == D(price)
    assert result.bracket_label == (
        "QF non communiqué, tranche la plus haute (QF à partir de 1000 €)"
    )


def test_the_top_bracket_is_the_one_with_the_highest_minimum_even_when_it_is_closed():
    grid = TariffConfig(
        lines=(
            line(CHILD, ANY_RESIDENCE, "800", "5000", 1, "4.50"),
            line(CHILD, ANY_RESIDENCE, None, "400", 1, "1.00"),
            line(CHILD, ANY_RESIDENCE, "400", "800", 1, "2.50"),
        )
    )
    result = price_for(grid, category=CHILD, resident=False, family_quotient=None, sibling_rank=1)
    assert result.unit_price == D("4.50")


def test_the_price_explains_itself_in_french():
    result = price_for(
        GRID, category=CHILD, resident=True, family_quotient=D("640.25"), sibling_rank=2
    )
    assert result.explanation_fr == (
        "Tarif enfant, résident, QF de 500 € à moins de 1000 €, 2e enfant : 2,70\u00a0€."
    )
    result = price_for(GRID, category=CHILD, resident=False, family_quotient=None, sibling_rank=4)
    assert result.explanation_fr == (
        "Tarif enfant, hors commune, QF non communiqué, tranche la plus haute "
        "(tous quotients familiaux), 3e enfant et suivants : 5,00\u00a0€."
    )


@pytest.mark.parametrize(
    ("grid", "category", "quotient"),
    [
        (TariffConfig(), CHILD, "500"),  # an empty grid
        (GRID, "teacher", "500"),  # a category the grid does not price
        (
            TariffConfig(
                lines=(
                    line(CHILD, ANY_RESIDENCE, None, "500", 1, "2.00"),
                    line(CHILD, ANY_RESIDENCE, "501", None, 1, "3.00"),
                )
            ),
            CHILD,
            "500.50",  # falls in the gap between two brackets
        ),
        (
            TariffConfig(lines=(line(CHILD, ANY_RESIDENCE, None, None, 2, "2.00"),)),
            CHILD,
            "500",  # only a rank-2 price: nothing for a first child
        ),
    ],
)
def test_a_grid_without_a_price_for_the_beneficiary_is_an_error(grid, category, quotient):
    with pytest.raises(NoTariffError):
        price_for(
            grid, category=category, resident=True, family_quotient=D(quotient), sibling_rank=1
        )


EFFORT = TariffConfig(mode=EFFORT_RATE, effort_rate=D("0.5"), floor=D("1.00"), ceiling=D("6.00"))


@pytest.mark.parametrize(
    ("grid", "quotient", "price", "explanation"),
    [
        (EFFORT, "800", "4.00", "Taux d'effort de 0,5 % × QF 800,00\u00a0€ : 4,00\u00a0€."),
        (EFFORT, "333.33", "1.67", "Taux d'effort de 0,5 % × QF 333,33\u00a0€ : 1,67\u00a0€."),
        (EFFORT, "301", "1.51", None),  # 1.505: half rounds up, not to even
        # = floor
        (EFFORT, "200", "1.00", "Taux d'effort de 0,5 % × QF 200,00\u00a0€ : 1,00\u00a0€."),
        (EFFORT, "100", "1.00",
         "Taux d'effort de 0,5 % × QF 100,00\u00a0€, relevé au plancher : 1,00\u00a0€."),
        (EFFORT, "0", "1.00", None),
        (EFFORT, "1200", "6.00", None),  # = ceiling
        (EFFORT, "1500", "6.00",
         "Taux d'effort de 0,5 % × QF 1\u202f500,00\u00a0€, limité au plafond : 6,00\u00a0€."),
        (EFFORT, None, "6.00", "Taux d'effort, QF non communiqué : plafond de 6,00\u00a0€."),
        (TariffConfig(mode=EFFORT_RATE, effort_rate=D("0.35")), "1030", "3.61", None),  # 3.605
        (TariffConfig(mode=EFFORT_RATE, effort_rate=D("0.35")), "1000.10", "3.50", None),
        (TariffConfig(mode=EFFORT_RATE, effort_rate=D("0.35")), "0", "0.00", None),
        (TariffConfig(mode=EFFORT_RATE, effort_rate=D("0.35")), "5000", "17.50", None),
    ],
)  # fmt: skip
def test_the_effort_rate_is_a_share_of_the_quotient_between_floor_and_ceiling(
    grid, quotient, price, explanation
):
    result = price_for(
        grid,
        category=CHILD,
        resident=True,
        family_quotient=None if quotient is None else D(quotient),
        sibling_rank=2,
    )
    assert result.unit_price == D(price)
    assert result.unit_price.as_tuple().exponent == -2
    assert result.rank == 2
    if explanation:
        assert result.explanation_fr == explanation


@pytest.mark.parametrize(
    "grid",
    [
        TariffConfig(mode=EFFORT_RATE, effort_rate=D("0.5")),  # no QF and no ceiling
        TariffConfig(mode=EFFORT_RATE, ceiling=D("6.00")),  # no rate at all
    ],
)
def test_an_effort_rate_that_cannot_price_a_family_without_quotient_is_an_error(grid):
    with pytest.raises(NoTariffError):
        price_for(grid, category=CHILD, resident=True, family_quotient=None, sibling_rank=1)


@dataclass(frozen=True)
class Child:
    id: int
    birth_date: date


@pytest.mark.parametrize(
    ("children", "ranks"),
    [
        ([], {}),
        ([Child(7, date(2018, 5, 1))], {7: 1}),
        # given in any order, the oldest comes first
        (
            [Child(1, date(2020, 9, 2)), Child(2, date(2015, 1, 10)), Child(3, date(2017, 3, 14))],
            {2: 1, 3: 2, 1: 3},
        ),
        # twins: the smaller id first
        ([Child(9, date(2017, 3, 14)), Child(4, date(2017, 3, 14))], {4: 1, 9: 2}),
        (
            [Child(5, date(2019, 6, 1)), Child(6, date(2019, 6, 1)), Child(1, date(2012, 1, 1))],
            {1: 1, 5: 2, 6: 3},
        ),
        # a fourth and a fifth child count as third
        (
            [
                Child(1, date(2012, 1, 1)),
                Child(2, date(2014, 1, 1)),
                Child(3, date(2016, 1, 1)),
                Child(4, date(2018, 1, 1)),
                Child(5, date(2020, 1, 1)),
            ],
            {1: 1, 2: 2, 3: 3, 4: 3, 5: 3},
        ),
    ],
)
def test_sibling_ranks_go_by_birth_date_oldest_first(children, ranks):
    assert sibling_ranks(children) == ranks


def test_sibling_ranks_price_a_family_day():
    children = [Child(11, date(2020, 9, 2)), Child(10, date(2017, 3, 14))]
    ranks = sibling_ranks(children)
    prices = {
        child.id: price_for(
            GRID,
            category=CHILD,
            resident=True,
            family_quotient=D("640"),
            sibling_rank=ranks[child.id],
        ).unit_price
        for child in children
    }
    assert prices == {10: D("3.00"), 11: D("2.70")}
