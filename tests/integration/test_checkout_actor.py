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
from tests.factories import AgentFactory, PartnerFactory
from tests.planning_factories import NOW, make_canteen, make_family
from wallet.models import Transfer, TransferKind

pytestmark = pytest.mark.django_db

DAYS = [date(2026, 12, 1), date(2026, 12, 3)]


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    """Rosières' canteen and a family whose one child has an accepted access to it, with 20 €
    in the porte-monnaie, on the clock of the planning tests: (service, parent, child)."""
    with time_machine.travel(NOW, tick=False):
        service, children, _ = make_canteen(rosieres)
        family = make_family(children, children=1)
        top_up(family.parent, "20.00")
        yield service, family.parent, family.children[0]


def text(response) -> str:
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", page)


def test_an_agent_booking_for_a_family_is_recorded_as_the_agent_everywhere(
    client, rosieres, canteen
):
    service, parent, child = canteen
    agent = AgentFactory(communes=[rosieres], first_name="Camille", last_name="Durand")

    order = book_for_parent(agent, parent, service, [child], DAYS)

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


def test_an_agent_of_several_communes_is_read_as_an_agent(client, rosieres, canteen):
    service, parent, child = canteen
    agent = AgentFactory(communes=[rosieres, PartnerFactory(name="Aiguilhe")])

    book_for_parent(agent, parent, service, [child], DAYS)

    client.force_login(parent)
    movements = client.get("/api/wallet/movements/").json()["results"]
    assert movements[0]["who"] == "Un agent"


def test_a_parents_own_checkout_is_recorded_as_theirs(client, canteen):
    service, parent, child = canteen
    basket = add_meals_to_basket(
        account=parent, service_id=service.pk, beneficiary_ids=[child.pk], dates=DAYS, now=NOW
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
