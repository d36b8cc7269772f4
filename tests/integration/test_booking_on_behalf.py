"""Issue 5 part 8: an agent books meals on a parent's behalf (shop/on_behalf.py), paid from the
parent's porte-monnaie and logged with the agent's name; an agent of another commune is refused;
a wallet shortfall is refused with the missing amount. On the demo world of `seed_demo`."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone
from oscar.core.loading import get_model

from accounts.models import User
from config.demo import PARENT_EMAIL, agent_email, all_communes
from reservations.models import Beneficiary, Booking, BookingStatus
from reservations.rules import PARIS
from shop.on_behalf import book_for_parent
from shop.payment.exceptions import WalletShortfall
from wallet import ledger
from wallet.models import AccountKind, LedgerAccount

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")
Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
DATES = [datetime.date(2026, 12, 1), datetime.date(2026, 12, 3), datetime.date(2026, 12, 4)]


@pytest.fixture
def demo():
    with time_machine.travel(MONDAY, tick=False):
        call_command("seed_demo", stdout=StringIO())
        yield


@pytest.fixture
def claire(demo):
    return User.objects.get(email=PARENT_EMAIL)


@pytest.fixture
def lea(claire):
    return Beneficiary.objects.get(account=claire, first_name="Léa")


@pytest.fixture
def canteen(demo):
    return Product.objects.get(upc="rosieres-cantine")


def agent_of(code: str) -> User:
    return User.objects.get(email=agent_email(next(c for c in all_communes() if c.code == code)))


def general_pot(parent) -> Decimal:
    pot = LedgerAccount.objects.filter(owner=parent, kind=AccountKind.GENERAL_POT).first()
    return pot.balance if pot else Decimal("0.00")


def top_up(parent, amount: str):
    ledger.credit_top_up(
        parent,
        Decimal(amount),
        reference="test",
        idempotency_key=f"top-up:{parent.pk}:{amount}:{timezone.now().timestamp()}",
    )


def snapshot(parent):
    return (
        Order.objects.count(),
        Booking.objects.count(),
        Basket.objects.filter(owner=parent).count(),
        Line.objects.filter(basket__owner=parent).count(),
        general_pot(parent),
    )


def test_an_agent_of_rosieres_books_three_meals_paid_from_claires_wallet(claire, lea, canteen):
    top_up(claire, "50.00")
    # Claire's own open basket is left alone.
    own_basket = Basket.objects.create(owner=claire)
    agent = agent_of("rosieres")

    order = book_for_parent(agent, claire, canteen, [lea], DATES)

    assert order.status == "Payée"
    assert order.user == claire
    assert order.lines.count() == 3
    bookings = list(Booking.objects.filter(order_number=order.number).order_by("date"))
    assert [b.date for b in bookings] == DATES
    assert {b.beneficiary_id for b in bookings} == {lea.pk}
    assert {b.status for b in bookings} == {BookingStatus.CONFIRMED}
    assert {(b.booked_by_id, b.booked_by_role) for b in bookings} == {(agent.pk, "agent")}
    total = sum((b.unit_price for b in bookings), Decimal("0.00"))
    assert total == order.total_incl_tax > 0
    assert general_pot(claire) == Decimal("50.00") - total
    own_basket.refresh_from_db()
    assert own_basket.status == Basket.OPEN
    assert own_basket.all_lines().count() == 0
    assert Basket.objects.get(pk=order.basket_id).status == Basket.SUBMITTED


def test_an_agent_of_bains_is_refused_and_nothing_changes(claire, lea, canteen):
    top_up(claire, "50.00")
    before = snapshot(claire)

    with pytest.raises(PermissionDenied):
        book_for_parent(agent_of("bains"), claire, canteen, [lea], DATES)

    assert snapshot(claire) == before


def test_a_wallet_shortfall_is_refused_with_the_missing_amount_and_nothing_changes(
    claire, lea, canteen
):
    top_up(claire, "1.00")
    own_basket = Basket.objects.create(owner=claire)
    before = snapshot(claire)

    with pytest.raises(WalletShortfall) as refused:
        book_for_parent(agent_of("rosieres"), claire, canteen, [lea], DATES)

    assert refused.value.missing > 0
    missing = f"{refused.value.missing:.2f}".replace(".", ",")
    assert str(refused.value) == (
        f"Solde insuffisant dans le porte-monnaie : il manque {missing}\u00a0€."
    )
    assert snapshot(claire) == before
    own_basket.refresh_from_db()
    assert own_basket.status == Basket.OPEN
