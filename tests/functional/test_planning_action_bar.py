"""The booking page's action bar: "Payer" adds the ticked days and goes on to the payment (with
nothing ticked it pays the basket as it is); each box carries its price for the running total;
the header says the balance and how many meals wait in the basket."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from reservations.basket import add_meals_to_basket, basket_summary
from tests.booking_factories import top_up
from tests.planning_factories import NOW, make_canteen, make_family

pytestmark = pytest.mark.django_db

PLANNING = reverse("portail:planning")
CHECKOUT = reverse("portail:checkout")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booked(client):
    service, children, _ = make_canteen()
    family = make_family(children, children=1)
    client.force_login(family.parent)
    return service, family


def post(client, service, family, **data):
    return client.post(
        PLANNING,
        {"service": service.pk, "mois": "2026-12", "enfant": [family.children[0].pk], **data},
    )


def test_payer_adds_the_ticked_days_then_opens_the_payment(clock, client, booked):
    service, family = booked
    child = family.children[0]

    response = post(client, service, family, repas=[f"{child.pk}:2026-12-03"], payer="1")

    assert response.status_code == 302
    assert response["Location"] == CHECKOUT
    assert basket_summary(family.parent).lines_count == 1


def test_payer_with_nothing_ticked_pays_the_basket_as_it_is(clock, client, booked):
    service, family = booked
    child = family.children[0]
    add_meals_to_basket(
        account=family.parent, service_id=service.pk, meals=[(child.pk, date(2026, 12, 1))], now=NOW
    )

    response = post(client, service, family, payer="1")

    assert response["Location"] == CHECKOUT
    assert basket_summary(family.parent).lines_count == 1


def test_a_refused_day_under_payer_stays_on_the_calendar_with_the_reason(clock, client, booked):
    service, family = booked
    child = family.children[0]

    response = post(client, service, family, repas=[f"{child.pk}:2026-11-03"], payer="1")

    assert response.status_code == 400
    assert basket_summary(family.parent).lines_count == 0


def test_each_bookable_box_carries_its_price_for_the_running_total(clock, client, booked):
    service, family = booked

    page = client.get(PLANNING, {"service": service.pk, "mois": "2026-12"}).content.decode()

    prices = re.findall(r'name="repas" value="[^"]+" id="[^"]+" data-price="([^"]+)"', page)
    assert prices and set(prices) == {"3.30"}
    assert "data-running-total" in page
    assert '<button type="submit" name="payer" value="1" class="button">Payer</button>' in page


def test_the_header_says_the_balance_and_the_baskets_meals(clock, client, booked):
    service, family = booked
    child = family.children[0]
    top_up(family.parent, "12.40")
    add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        meals=[(child.pk, date(2026, 12, 1)), (child.pk, date(2026, 12, 3))],
        now=NOW,
    )

    page = client.get(reverse("portail:wallet")).content.decode()

    assert '<span class="amount" data-header-balance>12,40\xa0€</span>' in page
    assert '<span class="header-chip__count" data-header-basket>2</span>' in page
