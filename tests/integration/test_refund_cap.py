"""A refund never exceeds what was paid for the booking: what its order line was paid
(`line_price_incl_tax`, after discounts) caps the refunds of that line, checked by the ledger
under the lock of the pot it credits, with a typed error; cancelling gives back at most that."""

from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from reservations.bookings import cancel_booking
from reservations.models import BookingStatus
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, make_canteen
from tests.factories import ParentFactory
from tests.functional.test_bookings_api import book_and_pay
from tests.functional.test_checkout_payment import general_pot, service_pot
from tests.reservations_factories import BeneficiaryFactory
from wallet import integrity, ledger
from wallet.exceptions import RefundExceedsPaymentError
from wallet.models import Transfer, TransferKind

Line = get_model("order", "Line")
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


def paid_line(booking, *, quantity, price):
    """The order line as the checkout recorded it when the basket line said so (a quantity of
    0 is paid 0.00): what the refund must be measured against, not the booking's unit price."""
    Line.objects.filter(pk=booking.order_line_id).update(
        quantity=quantity,
        line_price_incl_tax=Decimal(price),
        line_price_excl_tax=Decimal(price),
    )
    booking.refresh_from_db()
    return booking


def cancel(booking, parent, now):
    return cancel_booking(booking, by=parent, role=ActorRole.PARENT, now=now)


@pytest.fixture
def now():
    return timezone.now()


def test_cancelling_a_meal_whose_line_was_paid_nothing_refunds_nothing(
    client, parent, lea, canteen, now
):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])
    booking = paid_line(booking, quantity=0, price="0.00")

    cancelled = cancel(booking, parent, now)

    assert cancelled.status == BookingStatus.CANCELLED
    assert service_pot(parent, service) == Decimal("0.00")
    assert not Transfer.objects.filter(kind=TransferKind.REFUND).exists()
    assert integrity.check_ledger().ok


def test_cancelling_a_meal_paid_less_than_its_price_refunds_only_what_was_paid(
    client, parent, lea, canteen, now
):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])
    booking = paid_line(booking, quantity=1, price="1.20")

    cancel(booking, parent, now)

    assert service_pot(parent, service) == Decimal("1.20")
    event = PaymentEvent.objects.get(event_type__name="Remboursement porte-monnaie")
    assert event.amount == Decimal("1.20")
    refund = Transfer.objects.get(kind=TransferKind.REFUND)
    assert refund.order_line_id == booking.order_line_id
    assert integrity.check_ledger().ok


def test_a_normal_cancellation_refunds_the_price_and_names_its_order_line(
    client, parent, lea, canteen, now
):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])

    cancel(booking, parent, now)

    assert service_pot(parent, service) == Decimal("3.30")
    assert general_pot(parent) == Decimal("16.70")
    refund = Transfer.objects.get(kind=TransferKind.REFUND)
    assert refund.order_line_id == booking.order_line_id
    assert ledger.refunded_for_order_line(booking.order_line_id) == Decimal("3.30")
    assert integrity.check_ledger().ok


def test_the_ledger_refuses_a_refund_above_what_the_line_was_paid(
    client, parent, lea, canteen, now
):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])

    with pytest.raises(RefundExceedsPaymentError) as refused:
        ledger.refund_to_service_pot(
            parent,
            service_id=service.pk,
            commune_id=booking.commune_id,
            amount=Decimal("3.31"),
            reason="Annulation",
            reference=booking.order_number,
            idempotency_key="too-much",
            order_line_id=booking.order_line_id,
        )

    assert "dépasserait ce qui a été payé pour ce repas (3,30\u00a0€" in str(refused.value)
    assert not Transfer.objects.filter(kind=TransferKind.REFUND).exists()
    assert service_pot(parent, service) == Decimal("0.00")


def test_the_ledger_refuses_a_second_refund_of_the_same_line(client, parent, lea, canteen, now):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])
    cancel(booking, parent, now)

    with pytest.raises(RefundExceedsPaymentError) as refused:
        ledger.refund_to_service_pot(
            parent,
            service_id=service.pk,
            commune_id=booking.commune_id,
            amount=Decimal("0.01"),
            reason="Annulation",
            reference=booking.order_number,
            idempotency_key="again",
            order_line_id=booking.order_line_id,
        )

    assert refused.value.already_refunded == Decimal("3.30")
    assert service_pot(parent, service) == Decimal("3.30")
    assert Transfer.objects.filter(kind=TransferKind.REFUND).count() == 1


def test_refunds_of_one_line_may_add_up_to_what_it_was_paid(client, parent, lea, canteen, now):
    service, meal, _ = canteen
    bookings = book_and_pay(client, parent, meal, [(lea, MEAL_DAY), (lea, OTHER_MEAL_DAY)])
    line_id = bookings[0].order_line_id

    for n, amount in enumerate(["1.30", "2.00"]):
        ledger.refund_to_service_pot(
            parent,
            service_id=service.pk,
            commune_id=bookings[0].commune_id,
            amount=Decimal(amount),
            reason="Annulation",
            reference=bookings[0].order_number,
            idempotency_key=f"part-{n}",
            order_line_id=line_id,
        )

    assert ledger.refunded_for_order_line(line_id) == Decimal("3.30")
    assert ledger.refunded_for_order_line(bookings[1].order_line_id) == Decimal("0.00")
    assert integrity.check_ledger().ok
