"""Pricing a meal from the beneficiary's family: grid by quotient and rank, adults, residence
read from the option's title, no grid → the option's single price; and the strategy that keeps
the price frozen on a basket line."""

from datetime import date
from decimal import Decimal

import pytest
from oscar.core.loading import get_class, get_model

from reservations import rules
from reservations.basket import add_meals_to_basket
from reservations.models import SchoolClass
from reservations.pricing import price_meal, residence_of
from tests.factories import PartnerFactory
from tests.planning_factories import NOW, make_canteen, make_family
from tests.reservations_factories import BeneficiaryFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")
DAY = date(2026, 12, 1)


def test_child_price_follows_the_family_quotient_of_the_accepted_access():
    _, children, _ = make_canteen()
    family = make_family(children, children=1, quotient="400")
    child = family.children[0]

    explanation = price_meal(child, children, DAY, [child], family.access)

    assert explanation.unit_price == Decimal("1.50")
    assert explanation.rank == 1
    assert "QF inférieur à 500 €" in explanation.explanation_fr


def test_second_child_booked_that_day_pays_the_second_rank():
    _, children, _ = make_canteen()
    family = make_family(children, children=2)
    eldest, youngest = family.children

    explanation = price_meal(youngest, children, DAY, [eldest, youngest], family.access)

    assert (explanation.unit_price, explanation.rank) == (Decimal("2.90"), 2)


def test_no_family_quotient_takes_the_top_bracket():
    _, children, _ = make_canteen()
    family = make_family(children, children=1, quotient=None)

    explanation = price_meal(family.children[0], children, DAY, [], family.access)

    assert explanation.unit_price == Decimal("3.30")


def test_an_adult_pays_the_adult_row_and_has_no_rank():
    _, _, adults = make_canteen()
    family = make_family(adults, children=1)
    adult = BeneficiaryFactory(account=family.parent, school_class=SchoolClass.ADULT)

    explanation = price_meal(adult, adults, DAY, family.children, family.access)

    assert (explanation.unit_price, explanation.rank) == (Decimal("5.90"), 1)


def test_without_a_grid_the_option_price_is_the_single_tariff():
    _, children, _ = make_canteen(grid=False)
    family = make_family(children, children=1)

    explanation = price_meal(family.children[0], children, DAY, [], family.access)

    assert explanation.unit_price == Decimal("3.30")
    assert "Tarif unique" in explanation.explanation_fr


@pytest.mark.parametrize(
    ("title", "residence"),
    [
        ("Inscription accueil de loisirs résident commune", rules.RESIDENT),
        ("Inscription accueil de loisirs résident hors-commune", rules.NON_RESIDENT),
        ("Réservation cantine pour enfants", None),
    ],
)
def test_residence_is_read_from_the_option_title(title, residence):
    _, (option,) = make_service(PartnerFactory(), "Accueil", {title: "8.00"})
    assert residence_of(option) == residence


def test_strategy_returns_the_price_frozen_on_the_line_not_the_stock_price():
    service, children, _ = make_canteen()
    family = make_family(children, children=1, quotient="400")
    add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        beneficiary_ids=[family.children[0].pk],
        dates=[DAY],
        now=NOW,
    )
    # The commune raises its grid afterwards: the line keeps the price it was added at.
    service.tariff_grid.rows.update(unit_price=Decimal("9.99"))
    basket = Basket.objects.get(owner=family.parent)
    basket.strategy = Selector().strategy(user=family.parent)

    (line,) = basket.all_lines()

    assert line.unit_price_incl_tax == Decimal("1.50")
    assert basket.total_incl_tax == Decimal("1.50")


def test_strategy_looks_a_product_up_once_per_request(django_assert_max_num_queries):
    service, children, _ = make_canteen()
    family = make_family(children, children=1)
    add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        beneficiary_ids=[family.children[0].pk],
        dates=[date(2026, 12, d) for d in (1, 3, 4, 7, 8, 10, 11, 14, 15, 17)],
        now=NOW,
    )
    basket = Basket.objects.get(owner=family.parent)
    basket.strategy = Selector().strategy(user=family.parent)

    with django_assert_max_num_queries(8):
        total = basket.total_incl_tax

    assert total == Decimal("33.00")
