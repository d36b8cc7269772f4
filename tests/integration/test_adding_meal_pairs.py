"""`add_meals_to_basket(meals=[(beneficiary id, date), ...])`: siblings ticked on different days
go in one call, priced and checked in one pass as if they had been booked together."""

from datetime import date
from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from reservations.basket import add_meals_to_basket, basket_summary
from reservations.exceptions import MealsRefused, UnknownBeneficiary
from tests.planning_factories import NOW, make_canteen, make_family
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

Line = get_model("basket", "Line")

TUESDAY, WEDNESDAY, THURSDAY = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)


def add(family, service, meals):
    return add_meals_to_basket(account=family.parent, service_id=service.pk, meals=meals, now=NOW)


def prices(family):
    summary = basket_summary(family.parent)
    return {
        (line.beneficiary["id"], day.date): line.price for day in summary.days for line in day.lines
    }


def test_the_youngest_given_first_still_pays_the_second_rank_on_a_shared_day():
    service, children, _ = make_canteen()
    family = make_family(children, children=2)
    eldest, youngest = family.children

    add(family, service, [(youngest.pk, TUESDAY), (eldest.pk, TUESDAY), (eldest.pk, THURSDAY)])

    assert prices(family) == {
        (eldest.pk, TUESDAY): Decimal("3.30"),
        (youngest.pk, TUESDAY): Decimal("2.90"),  # second child that day
        (eldest.pk, THURSDAY): Decimal("3.30"),  # alone that day
    }


def test_only_the_pairs_given_are_added_not_every_child_on_every_day():
    service, children, _ = make_canteen()
    family = make_family(children, children=2)
    eldest, youngest = family.children

    add(family, service, [(eldest.pk, TUESDAY), (youngest.pk, THURSDAY)])

    assert prices(family) == {
        (eldest.pk, TUESDAY): Decimal("3.30"),
        (youngest.pk, THURSDAY): Decimal("3.30"),
    }


def test_a_pair_given_twice_is_added_once():
    service, children, _ = make_canteen()
    family = make_family(children, children=1)
    (child,) = family.children

    add(family, service, [(child.pk, TUESDAY), (child.pk, TUESDAY)])

    assert Line.objects.count() == 1


def test_one_refused_pair_adds_none_and_only_that_pair_is_reported():
    service, children, _ = make_canteen()
    family = make_family(children, children=2)
    eldest, youngest = family.children

    with pytest.raises(MealsRefused) as refused:
        add(family, service, [(eldest.pk, TUESDAY), (youngest.pk, WEDNESDAY)])

    assert refused.value.errors == [
        {
            "beneficiary": youngest.pk,
            "date": "2026-12-02",
            "error": "Jour fermé : Jour non travaillé.",
        }
    ]
    assert not Line.objects.exists()


def test_the_last_place_of_a_day_is_counted_for_every_pair_at_once():
    service, children, _ = make_canteen(capacity=1)
    family = make_family(children, children=2)
    eldest, youngest = family.children

    with pytest.raises(MealsRefused) as refused:
        add(family, service, [(eldest.pk, TUESDAY), (eldest.pk, THURSDAY), (youngest.pk, TUESDAY)])

    assert {(e["beneficiary"], e["date"]) for e in refused.value.errors} == {
        (eldest.pk, "2026-12-01"),
        (youngest.pk, "2026-12-01"),
    }
    assert "places restantes : 1" in refused.value.errors[0]["error"]
    assert not Line.objects.exists()


def test_another_familys_child_among_the_pairs_is_unknown():
    service, children, _ = make_canteen()
    family = make_family(children, children=1)
    stranger = BeneficiaryFactory()

    with pytest.raises(UnknownBeneficiary):
        add(family, service, [(family.children[0].pk, TUESDAY), (stranger.pk, TUESDAY)])

    assert not Line.objects.exists()


def test_pairs_and_beneficiaries_times_dates_cannot_be_mixed():
    service, children, _ = make_canteen()
    family = make_family(children, children=1)

    with pytest.raises(TypeError):
        add_meals_to_basket(
            account=family.parent,
            service_id=service.pk,
            beneficiary_ids=[family.children[0].pk],
            meals=[(family.children[0].pk, TUESDAY)],
            now=NOW,
        )
