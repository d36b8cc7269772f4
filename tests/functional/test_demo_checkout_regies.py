"""The issue's "done when" on the demo world of `seed_demo`: Claire pays one basket over two
communes — Rosières' canteen (its régie on PayFiP, here the fake PayFiP on 127.0.0.1) and
Aiguilhe's garderie (its régie on the offline test gateway) — in two card steps, through the
HTTP API and the pages a browser follows; each régie numbers its receipt from its own sequence,
the ledger balances per régie, and the Rosières régisseur's day reconciles."""

import datetime
from decimal import Decimal
from io import StringIO
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from accounts.models import User
from config.demo import PARENT_EMAIL
from reservations.models import Beneficiary, Booking, BookingStatus
from reservations.rules import PARIS
from wallet.journal import Period, reconcile
from wallet.models import CardPayment, Leg, Regie, RegieShare, ShareStatus

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.fakes.payfip_fixtures"]

MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
DATES = ["2026-12-01", "2026-12-03"]  # a Tuesday and a Thursday: both services open
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def demo(fake_payfip):
    """The demo world on MONDAY, its PayFiP account pointed at this test's fake PayFiP (the
    demo's fixed port may be held by a `make run` on this machine)."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        call_command("seed_demo", stdout=StringIO())
        backend = Regie.objects.get(code="rosieres-cantine").backend
        backend.options = {**backend.options, "payfip_base_url": fake_payfip.url}
        backend.save(update_fields=["options"])
        yield traveller


def add_meals(client, upc, beneficiary):
    response = client.post(
        "/api/reservations/basket/",
        {
            "service": Product.objects.get(upc=upc).pk,
            "beneficiaries": [beneficiary.pk],
            "dates": DATES,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def legs_by_regie() -> dict[str, Decimal]:
    return {
        row["regie__code"]: row["total"]
        for row in Leg.objects.values("regie__code").annotate(total=Sum("amount")).order_by()
    }


def test_claire_pays_a_two_commune_basket_in_two_steps_each_regie_numbering_its_receipt(
    demo, fake_payfip, django_capture_on_commit_callbacks
):
    claire = User.objects.get(email=PARENT_EMAIL)
    lea = Beneficiary.objects.get(account=claire, first_name="Léa")
    client = Client()
    client.force_login(claire)
    add_meals(client, "rosieres-cantine", lea)
    summary = add_meals(client, "aiguilhe-garderie", lea)

    response = client.post(
        "/api/checkout/",
        {
            "basket": f"http://testserver/api/baskets/{summary['basket_id']}/",
            "payment_method": "card",
            "total": summary["total"],
        },
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    number = response.json()["number"]
    steps = {step["regies"][0]: step for step in response.json()["payment"]["steps"]}
    assert set(steps) == {"Régie cantine de Rosières", "Régie périscolaire d'Aiguilhe"}
    canteen_step = steps["Régie cantine de Rosières"]
    garderie_step = steps["Régie périscolaire d'Aiguilhe"]
    assert canteen_step["of"] == garderie_step["of"] == 2
    assert Decimal(canteen_step["amount"]) + Decimal(garderie_step["amount"]) == Decimal(
        summary["total"]
    )
    assert canteen_step["card"]["gateway"] == "payfip_ws"
    assert garderie_step["card"]["gateway"] == "offline"
    # PayFiP was asked through eopayment, with the demo account's client number and Claire's
    # e-mail; she is sent to its page for that payment.
    sent = fake_payfip.last_request()
    assert (sent["numcli"], sent["saisie"], sent["mel"]) == ("123456", "T", PARENT_EMAIL)
    assert Decimal(sent["montant"]) == Decimal(canteen_step["amount"]) * 100
    (idop,) = parse_qs(urlsplit(canteen_step["card"]["redirect_url"]).query)["idop"]

    # Step PayFiP: she pays on its page, and PayFiP's server notifies ours.
    fake_payfip.pay(idop)
    backend = Regie.objects.get(code="rosieres-cantine").backend
    with django_capture_on_commit_callbacks(execute=True):
        notified = Client().post(
            reverse("wallet_payment_notify", args=[backend.pk]),
            urlencode({"idOp": idop}),
            content_type=FORM,
        )
    assert notified.status_code == 200, notified.content
    # Step offline: the test gateway's button on the order's payment page.
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(reverse("portail:order_payment", args=[number]))
    assert paid.status_code == 302
    assert paid["Location"] == reverse("portail:order_confirmation", args=[number])

    order = Order.objects.get(number=number)
    assert order.status == "Payée"
    assert set(
        CardPayment.objects.filter(order_number=number).values_list("status", flat=True)
    ) == {"succeeded"}
    shares = {share.regie.code: share for share in RegieShare.objects.filter(order_number=number)}
    assert {code: (share.status, share.number) for code, share in shares.items()} == {
        "rosieres-cantine": (ShareStatus.PAID, "CAN-ROS-2026-000001"),
        "aiguilhe-periscolaire": (ShareStatus.PAID, "AIGUILHE-PERISCOLAIRE-2026-000001"),
    }
    assert set(Booking.objects.filter(order_number=number).values_list("status", flat=True)) == {
        BookingStatus.CONFIRMED
    }
    # The card part is in the ledger, per régie, each régie's legs balanced.
    assert legs_by_regie() == {
        "rosieres-cantine": Decimal("0.00"),
        "aiguilhe-periscolaire": Decimal("0.00"),
    }

    # The Rosières régisseur's day: the receipt in the journal, and a reconciliation that
    # balances to the cent.
    canteen = Regie.objects.get(code="rosieres-cantine")
    reconciliation = reconcile(canteen, Period.day(MONDAY.date()))
    assert reconciliation.balances
    assert reconciliation.totals.card_receipts == Decimal(canteen_step["amount"])
    regisseur = Client()
    regisseur.force_login(User.objects.get(email="regisseur.rosieres@portail-famille.test"))
    page = regisseur.get(
        reverse("wallet-dashboard:regie-journal", args=[canteen.pk]),
        {"date": "2026-11-23"},
    )
    assert page.status_code == 200
    assert "CAN-ROS-2026-000001" in page.content.decode()
