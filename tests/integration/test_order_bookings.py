"""Placing an order books its meals: re-checked at commit time, created in bulk, confirmed once
paid, released when the order is cancelled; a refused meal aborts the whole checkout."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from oscar.core.loading import get_model

from reservations.models import Booking, BookingStatus, Closure
from reservations.rules import PARIS
from tests.booking_factories import (
    MEAL_DAY,
    OTHER_MEAL_DAY,
    add_meals,
    explanation,
    make_booking,
    make_canteen,
    top_up,
)
from tests.factories import ParentFactory
from tests.functional.test_checkout_payment import FakeGateway, checkout, general_pot
from tests.reservations_factories import BeneficiaryFactory

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def children(parent):
    return BeneficiaryFactory(account=parent), BeneficiaryFactory(account=parent)


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda commune=None: fake)
    return fake


def refused_unchanged(response, parent, basket, balance):
    """A refused checkout: 400 with per-meal errors, no order, nothing debited, basket open."""
    assert response.status_code == 400, response.content
    assert not Order.objects.filter(user=parent).exists()
    assert not Booking.objects.filter(account=parent, order_number__gt="TEST").exists()
    assert general_pot(parent) == balance
    basket.refresh_from_db()
    assert basket.status == Basket.OPEN
    return response.json()


def test_an_order_paid_by_wallet_books_each_meal_confirmed(client, parent, children, canteen):
    service, meal, _ = canteen
    lea, tom = children
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, [(lea, MEAL_DAY), (tom, MEAL_DAY), (lea, OTHER_MEAL_DAY)])
    client.force_login(parent)

    response = checkout(client, basket, "wallet")

    assert response.status_code == 200, response.content
    order = Order.objects.get(user=parent)
    assert order.status == "Payée"
    bookings = list(Booking.objects.filter(order_number=order.number).order_by("order_line_id"))
    assert [(b.beneficiary, b.date) for b in bookings] == [
        (lea, MEAL_DAY),
        (tom, MEAL_DAY),
        (lea, OTHER_MEAL_DAY),
    ]
    for booking, line in zip(bookings, order.lines.order_by("pk"), strict=True):
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.confirmed_at is not None
        assert booking.order_line == line
        assert booking.unit_price == Decimal("3.30")
        assert booking.price_explanation == explanation("3.30")
        assert booking.service == service
        assert booking.tariff_option == meal
        assert booking.commune == line.partner
        assert booking.account == parent
        assert (booking.booked_by, booking.booked_by_role) == (parent, "parent")
    assert general_pot(parent) == Decimal("10.10")


def test_a_card_order_books_pending_then_confirms_when_paid(
    client, parent, children, canteen, gateway
):
    _, meal, _ = canteen
    basket = add_meals(parent, meal, [(children[0], MEAL_DAY)])
    client.force_login(parent)

    response = checkout(client, basket, "card")

    assert response.status_code == 200, response.content
    order = Order.objects.get(user=parent)
    booking = Booking.objects.get(order_number=order.number)
    assert booking.status == BookingStatus.PENDING_PAYMENT
    assert booking.confirmed_at is None

    order.set_status("Payée")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.confirmed_at is not None


def test_a_cancelled_order_releases_its_bookings_without_refund(
    client, parent, children, canteen, gateway
):
    _, meal, _ = canteen
    lea = children[0]
    basket = add_meals(parent, meal, [(lea, MEAL_DAY)])
    client.force_login(parent)
    checkout(client, basket, "card")
    order = Order.objects.get(user=parent)

    order.set_status("Annulée")

    booking = Booking.objects.get(order_number=order.number)
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_at is not None
    assert booking.cancelled_by_role == "system"
    assert general_pot(parent) == Decimal("0.00")
    # The day is free again: the same child can be booked anew.
    again = add_meals(parent, meal, [(lea, MEAL_DAY)])
    top_up(parent, "5.00")
    assert checkout(client, again, "wallet").status_code == 200


def test_a_meal_past_its_booking_deadline_aborts_the_checkout(client, parent, children, canteen):
    _, meal, _ = canteen
    lea, tom = children
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, [(lea, OTHER_MEAL_DAY), (tom, MEAL_DAY)])

    # J-2 working days at 10:00: Tuesday 12/03 closed on Friday 08/03 at 10:00; 14/03 is open.
    with time_machine.travel(datetime.datetime(2030, 3, 8, 10, 0, tzinfo=PARIS), tick=False):
        client.force_login(parent)  # logged in then: a session ends after 2 idle hours
        response = checkout(client, basket, "wallet")

    body = refused_unchanged(response, parent, basket, Decimal("20.00"))
    assert body["detail"].startswith("Certains repas ne peuvent plus être réservés")
    assert [error["beneficiary"] for error in body["errors"]] == [tom.pk]
    assert body["errors"][0]["date"] == "2030-03-12"
    assert body["errors"][0]["message"] == (
        f"{tom.first_name}, Cantine de Rosières, le 12/03/2030 : La date limite de réservation "
        "était le 08/03 à 10:00. Retirez ce repas du panier."
    )


def test_a_day_closed_since_the_basket_was_filled_is_refused(client, parent, children, canteen):
    _, meal, calendar = canteen
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, [(children[0], MEAL_DAY)])
    Closure.objects.create(calendar=calendar, date=MEAL_DAY, reason="Grève")
    client.force_login(parent)

    response = checkout(client, basket, "wallet")

    body = refused_unchanged(response, parent, basket, Decimal("20.00"))
    assert "Jour fermé : Fermeture exceptionnelle : Grève." in body["errors"][0]["message"]


def test_a_meal_already_booked_is_refused(client, parent, children, canteen):
    service, meal, _ = canteen
    lea = children[0]
    make_booking(lea, service=service, tariff_option=meal, day=MEAL_DAY)
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, [(lea, MEAL_DAY)])
    client.force_login(parent)

    response = checkout(client, basket, "wallet")

    body = refused_unchanged(response, parent, basket, Decimal("20.00"))
    assert body["errors"][0]["message"].endswith(
        "Ce repas est déjà réservé. Retirez ce repas du panier."
    )


def test_a_full_day_is_refused_and_counts_the_meals_of_the_same_order(client, parent, children):
    service, meal, _ = make_canteen(capacity=2)
    lea, tom = children
    make_booking(service=service, tariff_option=meal, day=MEAL_DAY)  # another family's child
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, [(lea, MEAL_DAY), (tom, MEAL_DAY), (tom, OTHER_MEAL_DAY)])
    client.force_login(parent)

    response = checkout(client, basket, "wallet")

    body = refused_unchanged(response, parent, basket, Decimal("20.00"))
    assert [(e["beneficiary"], e["date"]) for e in body["errors"]] == [(tom.pk, "2030-03-12")]
    assert "Plus assez de places ce jour-là (places restantes : 0)" in body["errors"][0]["message"]


def test_another_familys_beneficiary_in_a_basket_is_refused(client, parent, canteen):
    _, meal, _ = canteen
    stranger = BeneficiaryFactory()
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, [(stranger, MEAL_DAY)])
    client.force_login(parent)

    response = checkout(client, basket, "wallet")

    refused_unchanged(response, parent, basket, Decimal("20.00"))
    assert not Booking.objects.exists()


def test_lines_without_meal_options_are_refused(client, parent, canteen):
    _, meal, _ = canteen
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, [])
    basket.add_product(meal, 1)  # paid, yet it would book nothing
    client.force_login(parent)

    response = checkout(client, basket, "wallet")

    body = refused_unchanged(response, parent, basket, Decimal("20.00"))
    assert "n'est pas un repas réservable" in body["detail"]
    assert not Booking.objects.exists()
