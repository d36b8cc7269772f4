"""/api/wallet/top-ups/ ("Recréditer mon porte-monnaie"): a validated parent tops the general pot
up by card with one of the offered amounts, against a fake Stripe on 127.0.0.1."""

from decimal import Decimal

import pytest

from tests.factories import ParentFactory, PendingParentFactory
from wallet import ledger, payments
from wallet.models import (
    AccountKind,
    CardPayment,
    CardPaymentStatus,
    LedgerAccount,
    Leg,
    RegieKind,
    Transfer,
)

pytestmark = pytest.mark.django_db
# The fake_stripe fixture.
pytest_plugins = ["tests.fakes"]

START = "/api/wallet/top-ups/"
INTENTS = "/v1/payment_intents"


def detail(payment_id):
    return f"/api/wallet/top-ups/{payment_id}/"


def confirm(payment_id):
    return f"/api/wallet/top-ups/{payment_id}/confirm/"


def general_balance(parent) -> Decimal:
    pot = LedgerAccount.objects.filter(owner=parent, kind=AccountKind.GENERAL_POT).first()
    return pot.balance if pot else Decimal("0.00")


@pytest.fixture
def parent_client(client):
    parent = ParentFactory()
    client.force_login(parent)
    client.parent = parent
    return client


@pytest.fixture
def offline(settings):
    # No Stripe key: `make run`'s offline test gateway.
    settings.STRIPE_SECRET_KEY = None
    settings.STRIPE_PUBLISHABLE_KEY = None
    settings.STRIPE_WEBHOOK_SECRET = None


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("1.00", 100), ("5.00", 500), ("10.00", 1000), ("25.00", 2500), ("50.00", 5000)],
)
def test_a_top_up_of_each_offered_amount_starts_a_payment_intent_in_cents(
    parent_client, fake_stripe, amount, cents
):
    response = parent_client.post(START, {"amount": amount}, content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    payment = CardPayment.objects.get()
    assert payment.owner == parent_client.parent
    assert payment.status == CardPaymentStatus.PENDING
    assert payment.amount == Decimal(amount)
    (created,) = fake_stripe.requests_to("POST", INTENTS)
    assert created["authorization"] == "Bearer sk_test_fake"
    assert created["idempotency_key"] == payment.idempotency_key
    assert created["params"] == {
        "amount": str(cents),
        "currency": "eur",
        "automatic_payment_methods": {"enabled": "true"},
        "description": "Rechargement du porte-monnaie",
        "metadata": {"reference": f"card-payment:{payment.pk}"},
    }
    intent = fake_stripe.intents[payment.gateway_reference]
    assert body == {
        "id": payment.pk,
        "amount": amount,
        "status": "pending",
        "status_label": "En attente du paiement",
        "gateway": "stripe",
        "gateway_label": "Carte bancaire",
        "is_test": True,
        "client_secret": intent["client_secret"],
        "publishable_key": "pk_test_fake",
        "redirect_url": None,
        "created_at": body["created_at"],
        "settled_at": None,
    }
    assert general_balance(parent_client.parent) == Decimal("0.00")


@pytest.mark.parametrize("amount", ["7.00", "7", "0", "-10.00", "100.00", "10.001", "dix", ""])
def test_an_amount_not_offered_is_refused_and_nothing_is_created(
    parent_client, fake_stripe, amount
):
    response = parent_client.post(START, {"amount": amount}, content_type="application/json")

    assert response.status_code == 400
    assert "amount" in response.json()
    assert not CardPayment.objects.exists()
    assert fake_stripe.requests == []


def test_seven_euros_is_refused_with_the_offered_amounts_in_french(parent_client, fake_stripe):
    response = parent_client.post(START, {"amount": "7.00"}, content_type="application/json")

    # French money as every page writes it: a no-break space before the sign.
    offered = "1,00 €, 5,00 €, 10,00 €, 25,00 € ou 50,00 €".replace(" €", "\u00a0€")
    assert response.json() == {"amount": [f"Montant non proposé : choisissez {offered}."]}


def test_an_account_awaiting_validation_cannot_top_up(client, fake_stripe):
    client.force_login(PendingParentFactory())

    response = client.post(START, {"amount": "10.00"}, content_type="application/json")

    assert response.status_code == 403
    assert "en attente de validation" in response.json()["detail"]
    assert not CardPayment.objects.exists()
    assert fake_stripe.requests == []


def test_an_anonymous_visitor_cannot_top_up(client, fake_stripe):
    response = client.post(START, {"amount": "10.00"}, content_type="application/json")

    assert response.status_code == 403
    assert not CardPayment.objects.exists()


def test_another_parents_top_up_is_not_found(parent_client, fake_stripe):
    other = ParentFactory()
    theirs = payments.start_top_up(other, "10.00").payment
    fake_stripe.succeed(theirs.gateway_reference)
    requests_before = len(fake_stripe.requests)

    assert parent_client.get(detail(theirs.pk)).status_code == 404
    assert parent_client.post(confirm(theirs.pk)).status_code == 404
    assert len(fake_stripe.requests) == requests_before
    assert general_balance(other) == Decimal("0.00")
    assert general_balance(parent_client.parent) == Decimal("0.00")


def test_the_service_refuses_to_confirm_another_parents_payment(fake_stripe):
    theirs = payments.start_top_up(ParentFactory(), "10.00").payment

    with pytest.raises(CardPayment.DoesNotExist):
        payments.confirm_card_payment(ParentFactory(), theirs.pk)


def test_confirm_after_stripe_marks_the_intent_succeeded_credits_the_general_pot_once(
    parent_client, fake_stripe
):
    started = parent_client.post(START, {"amount": "10.00"}, content_type="application/json")
    payment_id = started.json()["id"]
    intent_id = CardPayment.objects.get(pk=payment_id).gateway_reference
    fake_stripe.succeed(intent_id)

    first = parent_client.post(confirm(payment_id))
    second = parent_client.post(confirm(payment_id))

    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "succeeded"
    assert general_balance(parent_client.parent) == Decimal("10.00")
    payment = CardPayment.objects.get(pk=payment_id)
    assert payment.transfer == Transfer.objects.get(idempotency_key=f"card-payment:{payment_id}")
    assert Transfer.objects.count() == 1
    # Settled: the second confirm does not even ask Stripe.
    assert len(fake_stripe.requests_to("GET", f"{INTENTS}/{intent_id}")) == 1
    assert parent_client.get(detail(payment_id)).json()["status"] == "succeeded"


def test_confirm_while_the_card_is_not_yet_paid_changes_nothing(parent_client, fake_stripe):
    payment_id = parent_client.post(
        START, {"amount": "25.00"}, content_type="application/json"
    ).json()["id"]

    response = parent_client.post(confirm(payment_id))

    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    assert general_balance(parent_client.parent) == Decimal("0.00")


def test_confirm_after_a_declined_card_leaves_the_top_up_pending_for_another_card(
    parent_client, fake_stripe
):
    payment_id = parent_client.post(
        START, {"amount": "5.00"}, content_type="application/json"
    ).json()["id"]
    fake_stripe.fail(CardPayment.objects.get(pk=payment_id).gateway_reference)

    response = parent_client.post(confirm(payment_id))

    assert response.json()["status"] == "pending"
    assert not Transfer.objects.exists()


def test_confirm_of_a_canceled_intent_marks_the_top_up_canceled_and_credits_nothing(
    parent_client, fake_stripe
):
    top_up = payments.start_top_up(parent_client.parent, "50.00")
    payments.gateway_for().cancel_payment(top_up.payment.gateway_reference)

    response = parent_client.post(confirm(top_up.payment.pk))

    assert response.json()["status"] == "canceled"
    assert general_balance(parent_client.parent) == Decimal("0.00")


def test_stripe_refusing_our_key_fails_the_top_up_with_a_503_and_debits_nothing(
    parent_client, fake_stripe, settings
):
    settings.STRIPE_SECRET_KEY = "sk_test_revoked"

    response = parent_client.post(START, {"amount": "10.00"}, content_type="application/json")

    assert response.status_code == 503
    assert "rien n'a été débité" in response.json()["detail"]
    assert CardPayment.objects.get().status == CardPaymentStatus.FAILED
    assert fake_stripe.intents == {}


def test_the_same_idempotency_key_gives_back_the_same_payment_intent(fake_stripe):
    gateway = payments.gateway_for()
    ask = dict(
        amount=Decimal("10.00"), reference="card-payment:1", description="x", idempotency_key="k"
    )

    assert gateway.create_payment(**ask).reference == gateway.create_payment(**ask).reference
    assert len(fake_stripe.intents) == 1


def test_a_live_key_is_not_labelled_a_test_payment(fake_stripe, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_abc"

    assert payments.gateway_for().is_test is False


def test_the_offline_gateway_credits_on_confirm_and_is_labelled_a_test_payment(
    parent_client, offline
):
    started = parent_client.post(START, {"amount": "10.00"}, content_type="application/json")

    assert started.status_code == 201
    body = started.json()
    assert body["gateway"] == "offline"
    assert body["gateway_label"] == "Paiement de test (aucun débit réel)"
    assert body["is_test"] is True
    assert body["client_secret"] is None
    assert body["publishable_key"] is None
    assert CardPayment.objects.get().gateway_reference.startswith("offline_")

    confirmed = parent_client.post(confirm(body["id"]))
    parent_client.post(confirm(body["id"]))

    assert confirmed.json()["status"] == "succeeded"
    assert confirmed.json()["is_test"] is True
    assert general_balance(parent_client.parent) == Decimal("10.00")
    assert Transfer.objects.count() == 1


def test_a_paid_top_up_moves_money_from_card_receipts_to_the_general_pot(parent_client, offline):
    payment_id = parent_client.post(
        START, {"amount": "5.00"}, content_type="application/json"
    ).json()["id"]
    parent_client.post(confirm(payment_id))

    # The platform régie receives top-ups: its card receipts, and the pot it holds.
    regie = CardPayment.objects.get(pk=payment_id).regie
    assert regie.kind == RegieKind.PLATFORM
    receipts = ledger.system_account(AccountKind.CARD_RECEIPTS, regie_id=regie.pk)
    assert ledger.balance_of(receipts) == Decimal("-5.00")
    assert general_balance(parent_client.parent) == Decimal("5.00")
    assert set(Leg.objects.values_list("regie_id", flat=True)) == {regie.pk}
