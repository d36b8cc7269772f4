"""Who acted is recorded on every checkout (shop.checkout): an agent booking for a family is the
wallet debit's actor and the bookings' `booked_by`, as an agent, and the family reads "l'agent
de Rosières" on its statement and its bookings, not "Vous"; a parent's own checkout is theirs."""

import html
import re
from datetime import date

import pytest
import time_machine

from reservations.basket import add_meals_to_basket
from reservations.models import Booking
from shop.checkout import checkout
from shop.on_behalf import book_for_parent
from tests.booking_factories import top_up
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.planning_factories import NOW, accept, make_canteen
from tests.reservations_factories import BeneficiaryFactory
from wallet.models import Transfer, TransferKind

pytestmark = pytest.mark.django_db

DAYS = [date(2026, 12, 1), date(2026, 12, 3)]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    service, children, _ = make_canteen(rosieres)
    return service, children


@pytest.fixture
def family(canteen):
    parent = ParentFactory(first_name="Claire", last_name="Martin")
    lea = BeneficiaryFactory(account=parent, first_name="Léa")
    accept(parent, canteen[1], [lea])
    top_up(parent, "20.00")
    return parent, lea


def text(response) -> str:
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", page)


def test_an_agent_booking_for_a_family_is_recorded_as_the_agent_everywhere(
    client, rosieres, canteen, family
):
    parent, lea = family
    agent = AgentFactory(communes=[rosieres], first_name="Camille", last_name="Durand")

    order = book_for_parent(agent, parent, canteen[0], [lea], DAYS)

    debit = Transfer.objects.get(kind=TransferKind.PURCHASE, reference=order.number)
    assert (debit.actor, debit.actor_role) == (agent, "agent")
    bookings = Booking.objects.filter(order_number=order.number)
    assert bookings.count() == 2
    assert {(b.booked_by_id, b.booked_by_role) for b in bookings} == {(agent.pk, "agent")}

    client.force_login(parent)
    statement = text(client.get("/espace/porte-monnaie/"))
    payment_row = statement.split("Paiement de réservations")[1].split("€")[0]
    assert "L'agent de Rosières" in payment_row
    assert "Vous" not in payment_row
    assert "Camille Durand" not in statement
    assert "Réservé par l'agent de Rosières" in text(client.get("/espace/reservations/"))
    movements = client.get("/api/wallet/movements/").json()["results"]
    assert [(m["kind"], m["who"], m["who_role"]) for m in movements][0] == (
        "purchase",
        "L'agent de Rosières",
        "agent",
    )


def test_an_agent_of_several_communes_is_read_as_an_agent(client, rosieres, canteen, family):
    parent, lea = family
    agent = AgentFactory(communes=[rosieres, PartnerFactory(name="Aiguilhe")])

    book_for_parent(agent, parent, canteen[0], [lea], DAYS)

    client.force_login(parent)
    movements = client.get("/api/wallet/movements/").json()["results"]
    assert movements[0]["who"] == "Un agent"


def test_a_parents_own_checkout_is_recorded_as_theirs(client, canteen, family):
    parent, lea = family
    basket = add_meals_to_basket(
        account=parent, service_id=canteen[0].pk, beneficiary_ids=[lea.pk], dates=DAYS, now=NOW
    )

    result = checkout(basket.pk, payer=parent, payment_method="wallet")

    debit = Transfer.objects.get(kind=TransferKind.PURCHASE, reference=result.order.number)
    assert (debit.actor, debit.actor_role) == (parent, "parent")
    bookings = Booking.objects.filter(order_number=result.order.number)
    assert {(b.booked_by_id, b.booked_by_role) for b in bookings} == {(parent.pk, "parent")}
    assert result.outcome.wallet_amount == result.order.total_incl_tax > 0
    client.force_login(parent)
    movements = client.get("/api/wallet/movements/").json()["results"]
    assert movements[0]["who"] == "Vous"
