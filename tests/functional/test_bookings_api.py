"""GET /api/reservations/ (the family's bookings) and their cancellation, one or several at a
time: before the deadline the price goes back to the service's pot; after it, nothing changes."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from reservations.models import Booking, BookingStatus
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
from tests.functional.test_checkout_payment import checkout, general_pot, service_pot
from tests.reservations_factories import BeneficiaryFactory

Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")

pytestmark = pytest.mark.django_db


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def lea(parent):
    return BeneficiaryFactory(account=parent, first_name="Léa")


@pytest.fixture
def tom(parent):
    return BeneficiaryFactory(account=parent, first_name="Tom")


def book_and_pay(client, parent, meal, meals):
    """Meals booked through the real checkout, paid by wallet: bookings with order lines."""
    top_up(parent, "20.00")
    basket = add_meals(parent, meal, meals)
    client.force_login(parent)
    assert checkout(client, basket, "wallet").status_code == 200
    return list(Booking.objects.filter(account=parent).order_by("date", "beneficiary_id"))


def cancel(client, booking):
    return client.post(f"/api/reservations/{booking.pk}/cancel/")


def cancel_many(client, bookings):
    return client.post(
        "/api/reservations/cancel/",
        {"bookings": [booking.pk for booking in bookings]},
        content_type="application/json",
    )


# --- My bookings -------------------------------------------------------------------------------


def test_the_list_shows_the_familys_bookings_with_price_and_deadline(client, parent, lea, canteen):
    service, meal, _ = canteen
    mine = make_booking(lea, service=service, tariff_option=meal, day=MEAL_DAY)
    make_booking(service=service, tariff_option=meal, day=MEAL_DAY)  # another family's
    client.force_login(parent)

    response = client.get("/api/reservations/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item == {
        "id": mine.pk,
        "beneficiary": {"id": lea.pk, "first_name": "Léa", "last_name": lea.last_name},
        "service": {"id": service.pk, "title": "Cantine de Rosières"},
        "commune": {"id": mine.commune_id, "name": "Rosières"},
        "date": "2030-03-12",
        "status": "confirmed",
        "status_label": "Réservée",
        "unit_price": "3.30",
        "price_explanation": explanation("3.30"),
        "order_number": "TEST",
        # J-2 working days at 10:00 (Paris, winter time): Friday 08/03 at 10:00.
        "cancellation_deadline": "2030-03-08T10:00:00+01:00",
        "can_cancel": True,
        "created_at": item["created_at"],
        "confirmed_at": item["confirmed_at"],
        "cancelled_at": None,
    }


def test_only_a_paid_booking_before_its_deadline_can_be_cancelled(client, parent, lea, canteen):
    service, meal, _ = canteen
    make_booking(lea, service=service, tariff_option=meal, status=BookingStatus.PENDING_PAYMENT)
    make_booking(lea, service=service, tariff_option=meal, day=OTHER_MEAL_DAY)
    client.force_login(parent)

    with time_machine.travel(datetime.datetime(2030, 3, 10, 12, 0, tzinfo=PARIS), tick=False):
        client.force_login(parent)
        results = client.get("/api/reservations/").json()["results"]

    assert [(r["date"], r["status"], r["can_cancel"]) for r in results] == [
        ("2030-03-12", "pending_payment", False),
        ("2030-03-14", "confirmed", True),
    ]


def test_the_list_filters_by_beneficiary_month_and_status(client, parent, lea, tom, canteen):
    service, meal, _ = canteen
    a = make_booking(lea, service=service, tariff_option=meal, day=MEAL_DAY)
    b = make_booking(tom, service=service, tariff_option=meal, day=MEAL_DAY)
    c = make_booking(lea, service=service, tariff_option=meal, day=datetime.date(2030, 4, 2))
    d = make_booking(
        tom, service=service, tariff_option=meal, day=OTHER_MEAL_DAY, status="cancelled"
    )
    client.force_login(parent)

    def ids(query):
        response = client.get(f"/api/reservations/?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids("") == [a.pk, b.pk, d.pk, c.pk]
    assert ids(f"beneficiary={lea.pk}") == [a.pk, c.pk]
    assert ids("month=2030-04") == [c.pk]
    assert ids("status=cancelled") == [d.pk]
    assert ids(f"beneficiary={tom.pk}&month=2030-03&status=confirmed") == [b.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [("month=2030-13", "month"), ("month=mars", "month"), ("status=paid", "status")]
    + [("beneficiary=léa", "beneficiary")],
)
def test_a_malformed_filter_is_a_400_in_french(client, parent, query, field):
    client.force_login(parent)

    response = client.get(f"/api/reservations/?{query}")

    assert response.status_code == 400
    assert field in response.json()


def test_the_list_costs_the_same_queries_for_5_and_50_bookings(client, parent, canteen):
    service, meal, _ = canteen
    other_service, other_meal, _ = make_canteen(title="Garderie de Rosières")
    client.force_login(parent)

    def queries_for(count):
        Booking.objects.all().delete()
        for index in range(count):
            beneficiary = BeneficiaryFactory(account=parent)
            product, option = (service, meal) if index % 2 else (other_service, other_meal)
            make_booking(beneficiary, service=product, tariff_option=option)
        with CaptureQueriesContext(connection) as context:
            response = client.get("/api/reservations/")
        assert response.json()["count"] == count
        return len(context.captured_queries)

    # Session, user, the request's savepoint and its release, the session's activity stamp,
    # then count, page and the services' calendars: none of them per booking.
    assert queries_for(5) == queries_for(50) <= 8


def test_the_list_needs_a_login(client):
    assert client.get("/api/reservations/").status_code == 403


# --- Cancellation -----------------------------------------------------------------------------


def test_cancelling_before_the_deadline_refunds_the_services_pot(client, parent, lea, canteen):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])
    assert general_pot(parent) == Decimal("16.70")

    response = cancel(client, booking)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["can_cancel"] is False
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_at is not None
    assert (booking.cancelled_by, booking.cancelled_by_role) == (parent, "parent")
    assert booking.order_line.status == "Annulée"
    event = PaymentEvent.objects.get(event_type__name="Remboursement porte-monnaie")
    assert event.order == booking.order_line.order
    assert event.amount == Decimal("3.30")
    assert [(q.line, q.quantity) for q in event.line_quantities.all()] == [(booking.order_line, 1)]
    assert service_pot(parent, service) == Decimal("3.30")
    assert general_pot(parent) == Decimal("16.70")
    # The day is free again.
    assert checkout(client, add_meals(parent, meal, [(lea, MEAL_DAY)]), "wallet").status_code == 200


def test_cancelling_after_the_deadline_is_refused_and_changes_nothing(client, parent, lea, canteen):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])

    with time_machine.travel(datetime.datetime(2030, 3, 8, 10, 0, tzinfo=PARIS), tick=False):
        client.force_login(parent)
        response = cancel(client, booking)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "La date limite d'annulation était le 08/03 à 10:00.",
        "errors": [
            {
                "booking": booking.pk,
                "message": "La date limite d'annulation était le 08/03 à 10:00.",
            }
        ],
    }
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.order_line.status != "Annulée"
    assert service_pot(parent, service) == Decimal("0.00")
    assert not PaymentEvent.objects.filter(event_type__name="Remboursement porte-monnaie")


def test_another_familys_booking_is_a_404(client, parent, canteen):
    service, meal, _ = canteen
    theirs = make_booking(service=service, tariff_option=meal)
    client.force_login(parent)

    assert cancel(client, theirs).status_code == 404
    assert cancel_many(client, [theirs]).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("booking_status", "message"),
    [
        ("pending_payment", "Cette réservation attend encore son paiement"),
        ("cancelled", "Cette réservation est déjà annulée."),
    ],
)
def test_a_booking_not_paid_or_already_cancelled_cannot_be_cancelled(
    client, parent, lea, canteen, booking_status, message
):
    service, meal, _ = canteen
    booking = make_booking(lea, service=service, tariff_option=meal, status=booking_status)
    client.force_login(parent)

    response = cancel(client, booking)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)
    assert service_pot(parent, service) == Decimal("0.00")


def test_cancelling_twice_refunds_once(client, parent, lea, canteen):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])

    assert cancel(client, booking).status_code == 200
    assert cancel(client, booking).status_code == 400
    assert service_pot(parent, service) == Decimal("3.30")


def test_bulk_cancellation_cancels_all_and_refunds_each(client, parent, lea, tom, canteen):
    service, meal, _ = canteen
    bookings = book_and_pay(client, parent, meal, [(lea, MEAL_DAY), (tom, OTHER_MEAL_DAY)])

    response = cancel_many(client, bookings)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["refunded"] == "6.60"
    assert [item["status"] for item in body["bookings"]] == ["cancelled", "cancelled"]
    assert service_pot(parent, service) == Decimal("6.60")
    assert PaymentEvent.objects.filter(event_type__name="Remboursement porte-monnaie").count() == 2


def test_bulk_cancellation_is_all_or_nothing(client, parent, lea, tom, canteen):
    service, meal, _ = canteen
    bookings = book_and_pay(client, parent, meal, [(lea, MEAL_DAY), (tom, OTHER_MEAL_DAY)])

    # 12/03 closed on 08/03 at 10:00; 14/03 closes on 12/03 at 10:00.
    with time_machine.travel(datetime.datetime(2030, 3, 10, 12, 0, tzinfo=PARIS), tick=False):
        client.force_login(parent)
        response = cancel_many(client, bookings)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "booking": bookings[0].pk,
            "message": "La date limite d'annulation était le 08/03 à 10:00.",
        }
    ]
    assert set(Booking.objects.values_list("status", flat=True)) == {"confirmed"}
    assert service_pot(parent, service) == Decimal("0.00")


def test_bulk_cancellation_needs_at_least_one_booking(client, parent):
    client.force_login(parent)

    response = client.post(
        "/api/reservations/cancel/", {"bookings": []}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"bookings": ["Choisissez au moins une réservation à annuler."]}


# --- OpenAPI ----------------------------------------------------------------------------------


def test_the_bookings_endpoints_are_documented_without_warnings(tmp_path, capsys, settings):
    from django.core.management import CommandError, call_command

    schema_file = tmp_path / "schema.yml"
    try:
        call_command(
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(schema_file),
        )
    except CommandError as error:
        pytest.fail(f"{error}\n{capsys.readouterr().err}")
    schema = schema_file.read_text()
    for documented in ("/api/reservations/:", "/api/reservations/{id}/cancel/:"):
        assert documented in schema
    assert "/api/reservations/cancel/:" in schema
