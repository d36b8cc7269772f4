"""POST /api/checkout/ paid with the porte-monnaie, a card, or both; card payments settled
afterwards (success, failure, expiry), as Oscar records them.

The card gateway is outside this machine: a fake stands at our `wallet.gateways.gateway_for`
boundary and records what it is asked."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from shop.payment import settlement
from tests.booking_factories import MEAL_DAY, add_meals
from tests.factories import ParentFactory, PartnerFactory, PendingParentFactory
from tests.reservations_factories import BeneficiaryFactory
from tests.shop_data import make_service
from wallet import ledger, payments
from wallet.gateways import GatewayPayment
from wallet.gateways.base import GatewayError
from wallet.models import AccountKind, CardPayment, LedgerAccount, Transfer, TransferKind
from wallet.tasks import expire_card_payments

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
Selector = get_class("partner.strategy", "Selector")
Source = get_model("payment", "Source")

PENDING, PAID, CANCELLED = "En attente de paiement", "Payée", "Annulée"


# --- Helpers (also used by tests/integration/test_checkout_concurrency.py) --------------------


class FakeGateway:
    """A card gateway that answers at once and remembers what it was asked, and whether a
    database transaction was open when it was asked."""

    code = "fake"
    label = "Carte bancaire (test)"
    is_test = True
    publishable_key = "pk_test_fake"

    def __init__(self):
        self.payments = {}  # idempotency key -> GatewayPayment, as Stripe keeps them
        self.cancelled = []
        self.paid = set()  # references the parent has paid at the gateway
        self.calls_in_transaction = []
        self.down = False
        self._lock = threading.Lock()

    def create_payment(self, *, amount, reference, description, idempotency_key):
        self.calls_in_transaction.append(connection.in_atomic_block)
        if self.down:
            raise GatewayError("gateway unreachable")
        with self._lock:
            if idempotency_key not in self.payments:
                number = len(self.payments) + 1
                self.payments[idempotency_key] = self._payment(
                    f"pi_fake_{number}", amount, "pending", metadata={"reference": reference}
                )
            return self.payments[idempotency_key]

    def retrieve_payment(self, gateway_reference):
        known = self._known(gateway_reference)
        if gateway_reference in self.paid:
            return self._payment(gateway_reference, known.amount, "succeeded")
        return known

    def cancel_payment(self, gateway_reference):
        self.calls_in_transaction.append(connection.in_atomic_block)
        if gateway_reference in self.paid:
            raise GatewayError("This PaymentIntent's status is succeeded: it cannot be canceled.")
        self.cancelled.append(gateway_reference)
        known = self._known(gateway_reference)
        return self._payment(gateway_reference, known.amount, "canceled")

    def parse_webhook(self, payload, signature_header):
        raise NotImplementedError

    def _known(self, gateway_reference):
        return next(p for p in self.payments.values() if p.reference == gateway_reference)

    def _payment(self, reference, amount, status, metadata=None):
        return GatewayPayment(
            gateway=self.code,
            reference=reference,
            amount=amount,
            currency="EUR",
            status=status,
            client_secret=f"{reference}_secret",
            metadata=metadata or {},
        )


def report(payment: CardPayment, status: str):
    """What the gateway reports about a payment (a webhook, or its answer to a confirm call)."""
    payment.refresh_from_db()
    return payments.settle_card_payment(
        GatewayPayment(
            gateway=payment.gateway,
            reference=payment.gateway_reference,
            amount=payment.amount,
            currency="EUR",
            status=status,
        )
    )


def fill_basket(owner, *products):
    """The owner's open basket with one meal per product (or (product, quantity): that many
    meals, on successive days), each product's for a child of the owner's with an accepted
    access to it: the checkout pays nothing but such meals (reservations/revalidation.py)."""
    basket, _ = Basket.open.get_or_create(owner=owner)
    basket.strategy = Selector().strategy(user=owner)
    for item in products:
        product, quantity = item if isinstance(item, tuple) else (item, 1)
        child = BeneficiaryFactory(account=owner)
        meals = [(child, MEAL_DAY + timedelta(days=n)) for n in range(quantity)]
        add_meals(owner, product, meals, price=str(product.stockrecords.first().price))
    return basket


def checkout(client, basket, method, **extra):
    return client.post(
        "/api/checkout/",
        {
            "basket": f"http://testserver/api/baskets/{basket.pk}/",
            "payment_method": method,
            **extra,
        },
        content_type="application/json",
    )


def top_up(parent, amount: str):
    ledger.credit_top_up(
        parent,
        Decimal(amount),
        reference="test",
        idempotency_key=f"top-up:{parent.pk}:{amount}:{timezone.now().timestamp()}",
    )


def credit_service_pot(parent, service, commune, amount: str):
    ledger.refund_to_service_pot(
        parent,
        service_id=service.pk,
        commune_id=commune.pk,
        amount=Decimal(amount),
        reason="Annulation",
        reference="test",
        idempotency_key=f"refund:{parent.pk}:{service.pk}:{amount}",
    )


def general_pot(parent) -> Decimal:
    pot = LedgerAccount.objects.filter(owner=parent, kind=AccountKind.GENERAL_POT).first()
    return pot.balance if pot else Decimal("0.00")


def service_pot(parent, service) -> Decimal:
    pot = LedgerAccount.objects.filter(
        owner=parent, kind=AccountKind.SERVICE_POT, service=service
    ).first()
    return pot.balance if pot else Decimal("0.00")


def events(order) -> list[tuple[str, Decimal]]:
    return sorted(
        (event.event_type.name, event.amount)
        for event in PaymentEvent.objects.filter(order=order).select_related("event_type")
    )


# --- Fixtures ----------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda commune=None: fake)
    return fake


@pytest.fixture
def rosieres():
    commune = PartnerFactory(name="Rosières")
    service, (child_meal, adult_meal) = make_service(
        commune, "Cantine de Rosières", {"Repas enfant": "3.30", "Repas adulte": "5.00"}
    )
    return commune, service, child_meal, adult_meal


@pytest.fixture
def aiguilhe():
    commune = PartnerFactory(name="Aiguilhe")
    service, (morning,) = make_service(commune, "Garderie d'Aiguilhe", {"Matin": "1.50"})
    return commune, service, morning


@pytest.fixture
def parent(client):
    parent = ParentFactory()
    client.force_login(parent)
    return parent


# --- Wallet -----------------------------------------------------------------------------------


def test_paying_by_wallet_places_a_paid_order_and_debits_the_general_pot(client, parent, rosieres):
    commune, service, child_meal, _ = rosieres
    top_up(parent, "10.00")
    basket = fill_basket(parent, (child_meal, 2))

    response = checkout(client, basket, "wallet", total="6.60")

    assert response.status_code == 200, response.content
    body = response.json()
    order = Order.objects.get(number=body["number"])
    assert (order.status, order.total_incl_tax, order.user) == (PAID, Decimal("6.60"), parent)
    assert body["status"] == PAID
    assert body["payment"] == {
        "method": "wallet",
        "wallet_amount": "6.60",
        "card_amount": "0.00",
        "card": None,
        "steps": [],
    }
    assert general_pot(parent) == Decimal("3.40")
    # Services are not shipped: no address, Oscar's no-shipping-required method.
    assert (order.shipping_address, order.shipping_code) == (None, "no-shipping-required")
    basket.refresh_from_db()
    assert basket.status == Basket.SUBMITTED
    source = Source.objects.get(order=order)
    assert (source.source_type.code, source.amount_allocated, source.amount_debited) == (
        "wallet",
        Decimal("6.60"),
        Decimal("6.60"),
    )
    transfer = Transfer.objects.get(kind=TransferKind.PURCHASE)
    assert (transfer.reference, transfer.idempotency_key) == (order.number, f"basket:{basket.pk}")
    assert [(t.txn_type, t.amount, t.reference) for t in source.transactions.all()] == [
        ("Debit", Decimal("6.60"), str(transfer.pk))
    ]
    assert events(order) == [("Débit porte-monnaie", Decimal("6.60"))]
    event = PaymentEvent.objects.get(order=order)
    assert [(q.line.product, q.quantity) for q in event.line_quantities.all()] == [
        (child_meal, 1),
        (child_meal, 1),
    ]
    revenue = transfer.legs.get(account__kind=AccountKind.SERVICE_REVENUE)
    assert (revenue.account.service, revenue.commune, revenue.amount) == (
        service,
        commune,
        Decimal("6.60"),
    )
    assert list(order.status_changes.values_list("old_status", "new_status")) == [(PENDING, PAID)]


def test_a_wallet_short_of_money_is_refused_with_the_missing_amount_and_nothing_changes(
    client, parent, rosieres
):
    _, service, child_meal, _ = rosieres
    top_up(parent, "5.00")
    basket = fill_basket(parent, (child_meal, 2))

    response = checkout(client, basket, "wallet")

    assert response.status_code == 400, response.content
    assert response.json()["missing"] == "1.60"
    assert "il manque 1,60\u00a0€" in response.json()["detail"]
    assert not Order.objects.exists()
    basket.refresh_from_db()
    assert basket.status == Basket.OPEN
    assert (general_pot(parent), service_pot(parent, service)) == (Decimal("5.00"), 0)
    assert not Transfer.objects.filter(kind=TransferKind.PURCHASE).exists()
    assert not Source.objects.exists()
    assert not CardPayment.objects.exists()


def test_a_basket_of_two_communes_takes_each_services_pot_first_then_the_general_pot(
    client, parent, rosieres, aiguilhe
):
    rosieres_commune, canteen, child_meal, _ = rosieres
    aiguilhe_commune, daycare, morning = aiguilhe
    top_up(parent, "10.00")
    credit_service_pot(parent, canteen, rosieres_commune, "2.00")
    credit_service_pot(parent, daycare, aiguilhe_commune, "1.00")
    basket = fill_basket(parent, (child_meal, 2), (morning, 2))

    response = checkout(client, basket, "wallet")

    assert response.status_code == 200, response.content
    # Canteen 6.60: 2.00 from its pot, 4.60 from the general pot; daycare 3.00: 1.00 + 2.00.
    assert service_pot(parent, canteen) == Decimal("0.00")
    assert service_pot(parent, daycare) == Decimal("0.00")
    assert general_pot(parent) == Decimal("3.40")
    transfer = Transfer.objects.get(kind=TransferKind.PURCHASE)
    legs = sorted(
        (leg.account.kind, leg.account.service_id, leg.commune_id, leg.amount)
        for leg in transfer.legs.select_related("account")
    )
    assert legs == sorted(
        [
            (AccountKind.SERVICE_POT, canteen.pk, rosieres_commune.pk, Decimal("-2.00")),
            (AccountKind.GENERAL_POT, None, rosieres_commune.pk, Decimal("-4.60")),
            (AccountKind.SERVICE_REVENUE, canteen.pk, rosieres_commune.pk, Decimal("6.60")),
            (AccountKind.SERVICE_POT, daycare.pk, aiguilhe_commune.pk, Decimal("-1.00")),
            (AccountKind.GENERAL_POT, None, aiguilhe_commune.pk, Decimal("-2.00")),
            (AccountKind.SERVICE_REVENUE, daycare.pk, aiguilhe_commune.pk, Decimal("3.00")),
        ]
    )
    assert Order.objects.get().status == PAID


def test_the_same_checkout_sent_again_answers_with_the_order_already_placed(
    client, parent, rosieres
):
    _, _, child_meal, _ = rosieres
    top_up(parent, "10.00")
    basket = fill_basket(parent, child_meal)

    first = checkout(client, basket, "wallet")
    again = checkout(client, basket, "wallet")

    assert (first.status_code, again.status_code) == (200, 200), again.content
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["payment"] == first.json()["payment"]
    assert Order.objects.count() == 1
    assert Transfer.objects.filter(kind=TransferKind.PURCHASE).count() == 1
    assert general_pot(parent) == Decimal("6.70")


# --- Card -------------------------------------------------------------------------------------


def test_paying_by_card_places_an_order_awaiting_payment_and_asks_the_gateway(
    client, parent, rosieres, gateway
):
    _, _, child_meal, adult_meal = rosieres
    top_up(parent, "10.00")
    basket = fill_basket(parent, child_meal, adult_meal)

    response = checkout(client, basket, "card")

    assert response.status_code == 200, response.content
    body = response.json()
    order = Order.objects.get(number=body["number"])
    assert order.status == PENDING
    payment = CardPayment.objects.get()
    assert (payment.purpose, payment.amount, payment.order_number, payment.status) == (
        "order",
        Decimal("8.30"),
        order.number,
        "pending",
    )
    assert payment.gateway_reference == "pi_fake_1"
    card = {
        "amount": "8.30",
        "status": "pending",
        "gateway": "fake",
        "gateway_label": "Carte bancaire (test)",
        "is_test": True,
        "client_secret": "pi_fake_1_secret",
        "publishable_key": "pk_test_fake",
        "redirect_url": None,
    }
    regie = payment.regie
    assert body["payment"] == {
        "method": "card",
        "wallet_amount": "0.00",
        "card_amount": "8.30",
        "card": card,
        "steps": [
            {
                "number": 1,
                "of": 1,
                "label": f"Paiement 1/1 — {regie.name} — 8,30\xa0€",
                "regies": [regie.name],
                "amount": "8.30",
                "card": card,
            }
        ],
    }
    assert list(gateway.payments) == [f"order:{order.number}:card:1"]
    assert gateway.payments[f"order:{order.number}:card:1"].amount == Decimal("8.30")
    # Nothing is paid yet: no payment record, the wallet untouched.
    assert not Source.objects.exists()
    assert general_pot(parent) == Decimal("10.00")


def test_a_card_payment_that_succeeds_marks_the_order_paid_and_twice_changes_nothing(
    client, parent, rosieres, gateway
):
    _, _, child_meal, _ = rosieres
    basket = fill_basket(parent, child_meal)
    checkout(client, basket, "card")
    payment = CardPayment.objects.get()

    report(payment, "succeeded")
    report(payment, "succeeded")

    order = Order.objects.get()
    assert order.status == PAID
    source = Source.objects.get(order=order)
    assert (source.source_type.code, source.amount_debited, source.reference) == (
        "card",
        Decimal("3.30"),
        "pi_fake_1",
    )
    assert [(t.txn_type, t.amount) for t in source.transactions.all()] == [
        ("Debit", Decimal("3.30"))
    ]
    assert events(order) == [("Paiement carte", Decimal("3.30"))]
    assert order.status_changes.count() == 1


def test_a_declined_card_leaves_the_order_waiting_for_another_card(
    client, parent, rosieres, gateway, django_capture_on_commit_callbacks
):
    _, _, child_meal, _ = rosieres
    basket = fill_basket(parent, child_meal)
    checkout(client, basket, "card")
    payment = CardPayment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        report(payment, "failed")
    assert Order.objects.get().status == PENDING
    assert gateway.cancelled == []

    with django_capture_on_commit_callbacks(execute=True):
        report(payment, "succeeded")  # the parent paid with another card
    assert Order.objects.get().status == PAID


def test_a_card_payment_left_unpaid_is_cancelled_after_30_minutes(
    client, parent, rosieres, gateway
):
    _, _, child_meal, _ = rosieres
    basket = fill_basket(parent, child_meal)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        checkout(client, basket, "card")

    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert expire_card_payments() == 0
    assert Order.objects.get().status == PENDING

    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert expire_card_payments() == 1
        assert expire_card_payments() == 0

    assert Order.objects.get().status == CANCELLED
    assert CardPayment.objects.get().status == "canceled"
    assert gateway.cancelled == ["pi_fake_1"]


def test_a_card_paid_just_before_it_expires_pays_the_order_instead_of_cancelling_it(
    client, parent, rosieres, gateway
):
    _, _, child_meal, _ = rosieres
    basket = fill_basket(parent, child_meal)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        checkout(client, basket, "card")
    # Paid at the gateway, but its webhook has not arrived yet.
    gateway.paid.add("pi_fake_1")

    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert expire_card_payments() == 0

    assert Order.objects.get().status == PAID
    assert CardPayment.objects.get().status == "succeeded"
    assert gateway.cancelled == []


def test_a_card_payment_that_succeeds_after_its_order_was_cancelled_credits_the_wallet(
    client, parent, rosieres, gateway
):
    _, _, child_meal, _ = rosieres
    basket = fill_basket(parent, child_meal)
    checkout(client, basket, "card")
    payment = CardPayment.objects.get()
    report(payment, "failed")
    # Given up meanwhile on our side while the parent retried another card.
    with transaction.atomic():
        settlement.step_cancelled(Order.objects.select_for_update().get(), payment)

    report(payment, "succeeded")

    assert Order.objects.get().status == CANCELLED
    assert general_pot(parent) == Decimal("3.30")
    # Received by the service's régie, held in a pot of the platform régie, as every general pot.
    pot = LedgerAccount.objects.get(owner=parent, kind=AccountKind.GENERAL_POT)
    assert pot.regie.kind == "platform"
    assert {leg.regie for leg in pot.legs.all()} == {payment.regie}


def test_the_gateway_unreachable_at_checkout_leaves_the_order_waiting_and_a_retry_pays_it(
    client, parent, rosieres, gateway
):
    _, _, child_meal, _ = rosieres
    basket = fill_basket(parent, child_meal)
    gateway.down = True

    refused = checkout(client, basket, "card")

    assert refused.status_code == 503, refused.content
    order = Order.objects.get()
    assert refused.json()["number"] == order.number
    assert "momentanément indisponible" in refused.json()["detail"]

    gateway.down = False
    retried = checkout(client, basket, "card")

    assert retried.status_code == 200, retried.content
    assert retried.json()["number"] == order.number
    assert retried.json()["payment"]["card"]["client_secret"] == "pi_fake_1_secret"
    assert Order.objects.count() == CardPayment.objects.count() == 1


def test_a_card_payment_under_50_cents_is_refused_and_nothing_changes(
    client, parent, gateway, rosieres
):
    commune = rosieres[0]
    _, (snack,) = make_service(commune, "Goûter de Rosières", {"Goûter": "0.40"})
    basket = fill_basket(parent, snack)

    response = checkout(client, basket, "card")

    assert response.status_code == 400, response.content
    assert "au moins 0,50\u00a0€" in response.json()["detail"]
    assert not Order.objects.exists()
    assert not CardPayment.objects.exists()


def test_a_card_remainder_under_50_cents_is_refused_and_the_wallet_is_not_debited(
    client, parent, gateway, rosieres
):
    _, _, child_meal, _ = rosieres
    top_up(parent, "3.00")
    basket = fill_basket(parent, child_meal)

    response = checkout(client, basket, "wallet+card")

    assert response.status_code == 400, response.content
    assert "Il resterait 0,30\u00a0€ à payer par carte" in response.json()["detail"]
    assert general_pot(parent) == Decimal("3.00")
    assert not Order.objects.exists()
    assert not Transfer.objects.filter(kind=TransferKind.PURCHASE).exists()


# --- Wallet + card ----------------------------------------------------------------------------


def test_wallet_and_card_debits_the_wallet_and_leaves_the_rest_to_the_card(
    client, parent, rosieres, gateway
):
    _, _, child_meal, _ = rosieres
    top_up(parent, "5.00")
    basket = fill_basket(parent, (child_meal, 2))

    response = checkout(client, basket, "wallet+card")

    assert response.status_code == 200, response.content
    payment_info = response.json()["payment"]
    assert (payment_info["method"], payment_info["wallet_amount"]) == ("wallet+card", "5.00")
    assert (payment_info["card_amount"], payment_info["card"]["amount"]) == ("1.60", "1.60")
    assert general_pot(parent) == Decimal("0.00")
    order = Order.objects.get()
    assert order.status == PENDING
    assert CardPayment.objects.get().amount == Decimal("1.60")
    assert events(order) == [("Débit porte-monnaie", Decimal("5.00"))]

    report(CardPayment.objects.get(), "succeeded")

    order.refresh_from_db()
    assert order.status == PAID
    assert sorted(order.sources.values_list("source_type__code", "amount_debited")) == [
        ("card", Decimal("1.60")),
        ("wallet", Decimal("5.00")),
    ]


def test_wallet_and_card_with_enough_in_the_wallet_is_paid_by_the_wallet_alone(
    client, parent, rosieres, gateway
):
    _, _, child_meal, _ = rosieres
    top_up(parent, "5.00")
    basket = fill_basket(parent, child_meal)

    response = checkout(client, basket, "wallet+card")

    assert response.status_code == 200, response.content
    assert response.json()["payment"]["card"] is None
    assert Order.objects.get().status == PAID
    assert not CardPayment.objects.exists()
    assert gateway.payments == {}


def test_when_the_card_part_fails_the_wallet_part_goes_back_to_the_pots_it_came_from(
    client, parent, rosieres, gateway
):
    commune, canteen, child_meal, _ = rosieres
    top_up(parent, "3.00")
    credit_service_pot(parent, canteen, commune, "2.00")
    basket = fill_basket(parent, (child_meal, 2))
    checkout(client, basket, "wallet+card")
    assert (service_pot(parent, canteen), general_pot(parent)) == (0, 0)
    payment = CardPayment.objects.get()
    assert payment.amount == Decimal("1.60")

    report(payment, "failed")
    report(payment, "canceled")  # the gateway closes it: the same cancellation, once

    order = Order.objects.get()
    assert order.status == CANCELLED
    assert (service_pot(parent, canteen), general_pot(parent)) == (Decimal("2.00"), 3)
    purchase = Transfer.objects.get(kind=TransferKind.PURCHASE)
    reversal = Transfer.objects.get(kind=TransferKind.REFUND, reference=order.number)
    assert sorted((leg.account_id, -leg.amount) for leg in purchase.legs.all()) == sorted(
        (leg.account_id, leg.amount) for leg in reversal.legs.all()
    )
    source = order.sources.get()
    assert (source.amount_debited, source.amount_refunded) == (Decimal("5.00"), Decimal("5.00"))
    assert events(order) == [
        ("Débit porte-monnaie", Decimal("5.00")),
        ("Remboursement porte-monnaie", Decimal("5.00")),
    ]


def test_reversing_a_transfer_twice_with_the_same_key_moves_the_money_once(parent, rosieres):
    commune, canteen, _, _ = rosieres
    top_up(parent, "10.00")
    paid = ledger.pay_from_wallet(
        parent,
        [ledger.Charge(canteen.pk, commune.pk, Decimal("3.30"))],
        reference="100001",
        idempotency_key="basket:test",
    )

    first = ledger.reverse_transfer(paid.transfer, reason="Annulée", idempotency_key="rev:1")
    again = ledger.reverse_transfer(paid.transfer, reason="Annulée", idempotency_key="rev:1")

    assert first == again
    assert general_pot(parent) == Decimal("10.00")
    assert sum(leg.amount for leg in first.legs.all()) == 0


# --- Refusals ---------------------------------------------------------------------------------


def test_a_client_total_that_differs_from_the_basket_is_refused(client, parent, rosieres):
    _, _, child_meal, _ = rosieres
    top_up(parent, "10.00")
    basket = fill_basket(parent, (child_meal, 2))

    response = checkout(client, basket, "wallet", total="6.00")

    assert response.status_code == 400, response.content
    assert "6,60\u00a0€" in response.json()["total"][0]
    assert not Order.objects.exists()
    assert general_pot(parent) == Decimal("10.00")


@pytest.mark.parametrize("method", ["cheque", "", None])
def test_an_unknown_payment_method_is_refused_in_french(client, parent, rosieres, method):
    _, _, child_meal, _ = rosieres
    basket = fill_basket(parent, child_meal)

    response = checkout(client, basket, method)

    assert response.status_code == 400, response.content
    assert "Choisissez le moyen de paiement" in response.json()["payment_method"][0]
    assert not Order.objects.exists()


def test_an_account_awaiting_validation_cannot_check_out(client, rosieres):
    _, _, child_meal, _ = rosieres
    pending = PendingParentFactory()
    client.force_login(pending)
    basket = fill_basket(pending, child_meal)

    response = checkout(client, basket, "wallet")

    assert response.status_code == 403
    assert "en attente de validation" in response.json()["detail"]
    assert not Order.objects.exists()


def test_another_parents_basket_is_not_found(client, parent, rosieres):
    _, _, child_meal, _ = rosieres
    other = ParentFactory()
    top_up(other, "10.00")
    basket = fill_basket(other, child_meal)

    response = checkout(client, basket, "wallet")

    assert response.status_code == 404
    assert not Order.objects.exists()
    assert general_pot(other) == Decimal("10.00")
