"""The checkout trusts nothing a basket holds (reservations/revalidation.py): a basket tampered
with as oscar-api's generic routes could (a quantity of 0, a frozen price rewritten, a product
added with forged options) is refused as a whole by POST /api/checkout/ and by the parent's
checkout page, with nothing written: no order, no wallet movement, no booking."""

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_class, get_model

from reservations.basket import add_meals_to_basket, basket_summary, remove_meals_from_basket
from reservations.calendars import open_days_for
from reservations.models import Booking, BookingStatus, TariffRow
from tests.booking_factories import meal_options
from tests.factories import ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import checkout, general_pot, top_up
from tests.planning_factories import NOW, accept, make_canteen, make_family
from wallet.integrity import check_ledger
from wallet.models import Transfer

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")
LineAttribute = get_model("basket", "LineAttribute")
Order = get_model("order", "Order")
Selector = get_class("partner.strategy", "Selector")

pytestmark = pytest.mark.django_db

CHECKOUT_PAGE = reverse("portail:checkout")
DAY = date(2026, 12, 1)  # a Tuesday the canteen is open, well before its deadline at NOW
OTHER_DAY = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def family(canteen):
    _, children, _ = canteen
    family = make_family(children, children=2, quotient="800")
    for child, name in zip(family.children, ("Alice", "Bruno"), strict=True):
        child.first_name = name
        child.save(update_fields=["first_name"])
    top_up(family.parent, "50.00")
    return family


def add(family, service, children, days):
    return add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        beneficiary_ids=[child.pk for child in children],
        dates=days,
        now=NOW,
    )


def line_of(basket, child, day):
    values = LineAttribute.objects.filter(line__basket=basket)
    beneficiary = values.filter(option__code="beneficiary", value=str(child.pk))
    dated = values.filter(option__code="date", value=day.isoformat())
    return Line.objects.get(
        pk__in=beneficiary.values("line_id"), id__in=dated.values("line_id"), basket=basket
    )


def frozen_price(line, price: str):
    """What a client rewriting the line's attribute would leave: the same explanation, another
    unit price."""
    attribute = LineAttribute.objects.get(line=line, option__code="price_explanation")
    explanation = json.loads(attribute.value)
    explanation["unit_price"] = price
    attribute.value = json.dumps(explanation, ensure_ascii=False)
    attribute.save()


def forged_add_product(parent, product, beneficiary, day, price="0.00"):
    """oscar-api's add-product as it was served: Oscar's basket.add_product with the options
    the client chose (beneficiary, date and a price explanation of its own)."""
    options = meal_options()
    basket, _ = Basket.open.get_or_create(owner=parent)
    basket.strategy = Selector().strategy(user=parent)
    basket.add_product(
        product,
        1,
        options=[
            {"option": options["beneficiary"], "value": str(beneficiary.pk)},
            {"option": options["date"], "value": day.isoformat()},
            {
                "option": options["price_explanation"],
                "value": json.dumps({"unit_price": price, "explanation_fr": "Tarif libre"}),
            },
        ],
    )
    return basket


def pay_on_the_page(client, parent):
    """The checkout page's form, sent as the page shows it (basket number and total)."""
    summary = basket_summary(parent)
    return client.post(
        CHECKOUT_PAGE,
        {"payment_method": "wallet", "basket": summary.basket_id, "total": str(summary.total)},
    )


def refusal(client, parent, basket, via):
    """Check out `basket` through the API or the page; the refusal's French text."""
    client.force_login(parent)
    if via == "api":
        response = checkout(client, basket, "wallet")
        assert response.status_code == 400, response.content
        return response.json()["detail"]
    response = pay_on_the_page(client, parent)
    assert response.status_code == 400, response.content
    return " ".join(response.context["form"].non_field_errors())


def assert_nothing_written(parent, basket, balance, transfers):
    assert not Order.objects.filter(user=parent).exists()
    assert not Booking.objects.filter(account=parent).exists()
    assert general_pot(parent) == balance
    assert Transfer.objects.count() == transfers
    basket.refresh_from_db()
    assert basket.status == Basket.OPEN
    assert check_ledger().ok


VIA = pytest.mark.parametrize("via", ["api", "page"])


# --- Tampered baskets ---------------------------------------------------------------------------


@VIA
@pytest.mark.parametrize("quantity", [0, 2])
def test_a_meal_line_whose_quantity_is_not_one_is_refused_and_nothing_is_written(
    client, canteen, family, via, quantity
):
    service, _, _ = canteen
    alice, bruno = family.children
    basket = add(family, service, [alice, bruno], [DAY])
    Line.objects.filter(pk=line_of(basket, alice, DAY).pk).update(quantity=quantity)
    transfers = Transfer.objects.count()

    detail = refusal(client, family.parent, basket, via)

    assert f"Le repas du 01/12/2026 pour Alice est compté {quantity} fois" in detail
    assert "Rien n'a été débité." in detail
    assert_nothing_written(family.parent, basket, Decimal("50.00"), transfers)


@VIA
@pytest.mark.parametrize("price", ["0.01", "0.00", "2.90", "-3.30", "NaN", "trois"])
def test_a_frozen_price_rewritten_in_the_basket_is_refused_and_nothing_is_written(
    client, canteen, family, via, price
):
    service, _, _ = canteen
    alice, _ = family.children
    basket = add(family, service, [alice], [DAY, OTHER_DAY])
    frozen_price(line_of(basket, alice, OTHER_DAY), price)
    transfers = Transfer.objects.count()

    detail = refusal(client, family.parent, basket, via)

    assert detail.startswith(
        "Le prix du repas du 03/12/2026 pour Alice a changé : retirez-le du panier et "
        "ajoutez-le à nouveau."
    )
    assert "01/12/2026" not in detail  # the honest line is not blamed
    assert_nothing_written(family.parent, basket, Decimal("50.00"), transfers)


@VIA
def test_a_meal_of_a_service_the_family_never_got_access_to_is_refused(
    client, canteen, family, via
):
    service, _, _ = canteen
    alice, _ = family.children
    add(family, service, [alice], [DAY])
    _, elsewhere, _ = make_canteen(PartnerFactory(name="Aiguilhe"), title="Cantine d'Aiguilhe")
    basket = forged_add_product(family.parent, elsewhere, alice, DAY)
    transfers = Transfer.objects.count()

    detail = refusal(client, family.parent, basket, via)

    assert (
        "Alice n'a pas d'accès accepté à « Réservation cantine pour enfants » : retirez le "
        "repas du 01/12/2026 du panier, puis demandez l'accès dans « Mes services »."
    ) in detail
    assert_nothing_written(family.parent, basket, Decimal("50.00"), transfers)


@VIA
def test_an_option_of_the_service_other_than_the_accepted_one_is_refused(
    client, canteen, family, via
):
    _, _, adults = canteen  # the family's access is to the children's option only
    alice, _ = family.children
    basket = forged_add_product(family.parent, adults, alice, DAY, price="5.90")
    transfers = Transfer.objects.count()

    detail = refusal(client, family.parent, basket, via)

    assert "Alice n'a pas d'accès accepté à « Réservation cantine pour adultes »" in detail
    assert_nothing_written(family.parent, basket, Decimal("50.00"), transfers)


@VIA
def test_a_meal_for_another_familys_child_is_refused(client, canteen, family, via):
    _, children, _ = canteen
    other = make_family(children, children=1, parent=ParentFactory())
    basket = forged_add_product(family.parent, children, other.children[0], DAY, price="3.30")
    transfers = Transfer.objects.count()

    detail = refusal(client, family.parent, basket, via)

    assert (
        "Le repas du 01/12/2026 est pour un bénéficiaire qui n'est pas rattaché à votre "
        "compte : retirez-le du panier."
    ) in detail
    assert_nothing_written(family.parent, basket, Decimal("50.00"), transfers)
    assert not Booking.objects.exists()


@VIA
def test_a_product_that_is_not_a_meal_is_refused(client, canteen, family, via):
    service, children, _ = canteen
    alice, _ = family.children
    add(family, service, [alice], [DAY])
    basket = Basket.open.get(owner=family.parent)
    basket.strategy = Selector().strategy(user=family.parent)
    basket.add_product(children, 1)  # no beneficiary, no date: books nothing, yet is paid
    transfers = Transfer.objects.count()

    detail = refusal(client, family.parent, basket, via)

    assert (
        "« Réservation cantine pour enfants » n'est pas un repas réservable : retirez-le du panier."
    ) in detail
    assert_nothing_written(family.parent, basket, Decimal("50.00"), transfers)


@VIA
def test_a_meal_priced_at_another_communes_stock_record_is_refused(client, canteen, family, via):
    service, children, _ = canteen
    alice, _ = family.children
    basket = add(family, service, [alice], [DAY])
    # The same option priced at another commune: its money would go to the wrong régie.
    elsewhere = children.stockrecords.create(
        partner=PartnerFactory(name="Aiguilhe"), partner_sku="elsewhere", price=Decimal("3.30")
    )
    Line.objects.filter(basket=basket).update(stockrecord=elsewhere)
    transfers = Transfer.objects.count()

    detail = refusal(client, family.parent, basket, via)

    assert "Le repas du 01/12/2026 pour Alice n'est plus proposé à ce tarif" in detail
    assert_nothing_written(family.parent, basket, Decimal("50.00"), transfers)


def test_every_faulty_line_is_named_in_the_refusal(client, canteen, family):
    service, _, _ = canteen
    alice, bruno = family.children
    basket = add(family, service, [alice, bruno], [DAY])
    Line.objects.filter(pk=line_of(basket, alice, DAY).pk).update(quantity=0)
    frozen_price(line_of(basket, bruno, DAY), "0.01")
    client.force_login(family.parent)

    response = checkout(client, basket, "wallet")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["beneficiary"], error["date"]) for error in errors] == [
        (alice.pk, "2026-12-01"),
        (bruno.pk, "2026-12-01"),
    ]
    assert "compté 0 fois" in errors[0]["message"]
    assert "Le prix du repas du 01/12/2026 pour Bruno a changé" in errors[1]["message"]


# --- Honest baskets -----------------------------------------------------------------------------


@VIA
@pytest.mark.parametrize(
    ("quotient", "prices"),
    [("800", ("3.30", "2.90")), ("300", ("1.50", "1.20")), (None, ("3.30", "2.90"))],
)
def test_two_children_on_the_same_day_check_out_at_their_sibling_and_quotient_prices(
    client, canteen, via, quotient, prices
):
    service, children, _ = canteen
    family = make_family(children, children=2, quotient=quotient)
    eldest, youngest = family.children
    top_up(family.parent, "50.00")
    # The youngest first: each child's rank is the one it has among the siblings of the day.
    add(family, service, [youngest, eldest], [DAY])
    client.force_login(family.parent)

    if via == "api":
        response = checkout(client, Basket.open.get(owner=family.parent), "wallet")
        assert response.status_code == 200, response.content
    else:
        response = pay_on_the_page(client, family.parent)
        assert response.status_code == 302, response.content

    order = Order.objects.get(user=family.parent)
    assert order.status == "Payée"
    booked = {
        booking.beneficiary_id: booking.unit_price
        for booking in Booking.objects.filter(order_number=order.number)
    }
    assert booked == {eldest.pk: Decimal(prices[0]), youngest.pk: Decimal(prices[1])}
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert general_pot(family.parent) == Decimal("50.00") - sum(map(Decimal, prices))
    assert check_ledger().ok


def test_a_meal_added_next_to_a_booked_sibling_keeps_its_sibling_price(client, canteen, family):
    service, _, _ = canteen
    alice, bruno = family.children
    client.force_login(family.parent)
    add(family, service, [alice], [DAY])
    assert checkout(client, Basket.open.get(owner=family.parent), "wallet").status_code == 200

    basket = add(family, service, [bruno], [DAY])
    response = checkout(client, basket, "wallet")

    assert response.status_code == 200, response.content
    assert Booking.objects.get(beneficiary=bruno).unit_price == Decimal("2.90")


def test_a_younger_child_added_before_the_eldest_checks_out_at_the_second_childs_price(
    client, canteen, family
):
    """Priced alone, the youngest paid the first child's price; adding the eldest that day
    prices it again as the second child, so the checkout accepts the basket as it stands."""
    service, _, _ = canteen
    alice, bruno = family.children
    add(family, service, [bruno], [DAY])
    basket = add(family, service, [alice], [DAY])
    client.force_login(family.parent)

    paid = checkout(client, basket, "wallet")

    assert paid.status_code == 200, paid.content
    assert Booking.objects.get(beneficiary=alice).unit_price == Decimal("3.30")
    assert Booking.objects.get(beneficiary=bruno).unit_price == Decimal("2.90")


def test_a_grid_changed_since_the_meal_was_added_asks_to_add_it_again(client, canteen, family):
    service, _, _ = canteen
    alice, _ = family.children
    basket = add(family, service, [alice], [DAY])
    TariffRow.objects.filter(grid__service=service, unit_price=Decimal("3.30")).update(
        unit_price=Decimal("3.50")
    )
    client.force_login(family.parent)

    refused = checkout(client, basket, "wallet")
    remove_meals_from_basket(account=family.parent, beneficiary_ids=[alice.pk], dates=[DAY])
    basket = add(family, service, [alice], [DAY])
    paid = checkout(client, basket, "wallet")

    assert refused.status_code == 400
    assert "Le prix du repas du 01/12/2026 pour Alice a changé" in refused.json()["detail"]
    assert paid.status_code == 200, paid.content
    assert Booking.objects.get(beneficiary=alice).unit_price == Decimal("3.50")


def test_an_access_accepted_again_with_another_quotient_asks_to_add_the_meal_again(
    client, canteen, family
):
    service, children, _ = canteen
    alice, _ = family.children
    basket = add(family, service, [alice], [DAY])
    family.access.family_quotient = Decimal("300")
    family.access.save(update_fields=["family_quotient"])
    client.force_login(family.parent)

    response = checkout(client, basket, "wallet")

    assert response.status_code == 400
    assert "Le prix du repas du 01/12/2026 pour Alice a changé" in response.json()["detail"]
    assert not Order.objects.exists()


def test_a_beneficiary_archived_since_the_meal_was_added_is_refused(client, canteen, family):
    service, _, _ = canteen
    alice, _ = family.children
    basket = add(family, service, [alice], [DAY])
    alice.archived_at = NOW
    alice.save(update_fields=["archived_at"])
    client.force_login(family.parent)

    response = checkout(client, basket, "wallet")

    assert response.status_code == 400
    assert "pas rattaché à votre compte" in response.json()["detail"]


def test_the_checkout_reads_as_many_queries_for_4_and_40_meals(canteen):
    service, children, _ = canteen
    days = open_days_for(service, date(2026, 12, 1), date(2027, 3, 31))
    counts = []
    for count in (4, 4, 40):  # the first checkout creates Oscar's counters and types
        family = make_family(children, children=2)
        top_up(family.parent, "500.00")
        basket = add(family, service, family.children, days[: count // 2])
        client = Client()
        client.force_login(family.parent)
        with CaptureQueriesContext(connection) as queries:
            response = checkout(client, basket, "wallet")
        assert response.status_code == 200, response.content
        assert Booking.objects.filter(account=family.parent).count() == count
        counts.append(len(queries))

    assert counts[1] == counts[2]


def test_a_second_accepted_option_does_not_let_an_older_option_through(client, canteen, family):
    """A family holding two options of one service books with the latest decision, as the
    basket does when the meal is added."""
    service, children, adults = canteen
    alice, _ = family.children
    accept(family.parent, adults, [alice])  # decided after the children's option
    basket = forged_add_product(family.parent, children, alice, DAY, price="3.30")
    client.force_login(family.parent)

    response = checkout(client, basket, "wallet")

    assert response.status_code == 400
    assert "Alice n'a pas d'accès accepté" in response.json()["detail"]


def test_the_re_check_explains_each_price_once_per_rank_not_per_meal(canteen, monkeypatch):
    """Two children × 10 days: two ranks, so two explanations (their translated text is the
    costly part of pricing), not twenty; the frozen prices still match each child's."""
    from reservations import pricing

    service, children, _ = canteen
    family = make_family(children, children=2)
    top_up(family.parent, "500.00")
    days = open_days_for(service, date(2026, 12, 1), date(2027, 3, 31))[:10]
    basket = add(family, service, family.children, days)
    explained = []
    original = pricing.price_meal

    def counting(beneficiary, *args, **kwargs):
        explained.append(beneficiary.pk)
        return original(beneficiary, *args, **kwargs)

    monkeypatch.setattr(pricing, "price_meal", counting)
    client = Client()
    client.force_login(family.parent)
    response = checkout(client, basket, "wallet")

    assert response.status_code == 200, response.content
    assert sorted(explained) == sorted(child.pk for child in family.children)
    assert Booking.objects.filter(account=family.parent).count() == 20
