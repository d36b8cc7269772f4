"""/api/payments/stripe/webhook/: signed Stripe events settle card payments once, whatever the
number of deliveries and their order. Events are built and signed by the fake Stripe."""

import random
import time
from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import ParentFactory
from wallet import payments
from wallet.models import (
    AccountKind,
    CardPayment,
    CardPaymentPurpose,
    CardPaymentStatus,
    GatewayEventRecord,
    LedgerAccount,
    Transfer,
)
from wallet.signals import card_payment_settled
from wallet.tasks import process_gateway_event

pytestmark = pytest.mark.django_db
# The fake_stripe fixture.
pytest_plugins = ["tests.fakes"]

WEBHOOK = "/api/payments/stripe/webhook/"


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST one delivery as Stripe does; the Celery task queued on commit runs (eagerly)."""

    def post(body: bytes, signature: str | None):
        headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(WEBHOOK, body, content_type="application/json", **headers)

    return post


@pytest.fixture
def top_up(fake_stripe):
    """A parent's 10 € top-up, started at the fake Stripe: (payment, intent id)."""
    payment = payments.start_top_up(ParentFactory(), "10.00").payment
    return payment, payment.gateway_reference


def general_balance(owner) -> Decimal:
    pot = LedgerAccount.objects.filter(owner=owner, kind=AccountKind.GENERAL_POT).first()
    return pot.balance if pot else Decimal("0.00")


def test_a_succeeded_event_credits_the_general_pot(fake_stripe, deliver, top_up):
    payment, intent_id = top_up
    fake_stripe.succeed(intent_id)
    event = fake_stripe.intent_event("payment_intent.succeeded", intent_id)

    response = deliver(*fake_stripe.webhook(event))

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.SUCCEEDED
    assert payment.settled_at is not None
    assert general_balance(payment.owner) == Decimal("10.00")
    record = GatewayEventRecord.objects.get()
    assert (record.gateway, record.event_id, record.event_type) == (
        "stripe",
        event["id"],
        "payment_intent.succeeded",
    )
    assert record.payload == event
    assert record.processed_at is not None


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body, sig: (body, sig.replace("v1=", "v1=0")), id="wrong-digest"),
        pytest.param(lambda body, sig: (body.replace(b"1000", b"5000"), sig), id="body-changed"),
        pytest.param(lambda body, sig: (body, None), id="no-header"),
        pytest.param(lambda body, sig: (body, ""), id="empty-header"),
        pytest.param(lambda body, sig: (body, "garbage"), id="unreadable-header"),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_recorded(fake_stripe, deliver, top_up, tamper):
    payment, intent_id = top_up
    fake_stripe.succeed(intent_id)
    body, signature = fake_stripe.webhook(
        fake_stripe.intent_event("payment_intent.succeeded", intent_id)
    )

    response = deliver(*tamper(body, signature))

    assert response.status_code == 400
    assert not GatewayEventRecord.objects.exists()
    assert general_balance(payment.owner) == Decimal("0.00")
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.PENDING


def test_an_event_signed_with_another_secret_is_refused(fake_stripe, deliver, top_up):
    _payment, intent_id = top_up
    fake_stripe.succeed(intent_id)
    event = fake_stripe.intent_event("payment_intent.succeeded", intent_id)

    response = deliver(*fake_stripe.webhook(event, secret="whsec_someone_else"))

    assert response.status_code == 400
    assert not GatewayEventRecord.objects.exists()
    assert not Transfer.objects.exists()


def test_a_delivery_signed_more_than_five_minutes_ago_is_refused_as_a_replay(
    fake_stripe, deliver, top_up
):
    _payment, intent_id = top_up
    fake_stripe.succeed(intent_id)
    event = fake_stripe.intent_event("payment_intent.succeeded", intent_id)

    response = deliver(*fake_stripe.webhook(event, timestamp=int(time.time()) - 301))

    assert response.status_code == 400
    assert not Transfer.objects.exists()


def test_webhooks_are_disabled_without_a_webhook_secret(fake_stripe, deliver, top_up, settings):
    _payment, intent_id = top_up
    fake_stripe.succeed(intent_id)
    body, signature = fake_stripe.webhook(
        fake_stripe.intent_event("payment_intent.succeeded", intent_id)
    )
    settings.STRIPE_WEBHOOK_SECRET = None

    response = deliver(body, signature)

    assert response.status_code == 400
    assert "webhooks disabled" in response.json()["detail"]
    assert not GatewayEventRecord.objects.exists()


def test_the_webhook_needs_no_csrf_token_nor_session(fake_stripe, top_up):
    _payment, intent_id = top_up
    fake_stripe.succeed(intent_id)
    body, signature = fake_stripe.webhook(
        fake_stripe.intent_event("payment_intent.succeeded", intent_id)
    )

    response = Client(enforce_csrf_checks=True).post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )

    assert response.status_code == 200


def test_the_same_succeeded_event_delivered_ten_times_among_others_credits_once(
    fake_stripe, deliver, top_up
):
    payment, intent_id = top_up
    other = payments.start_top_up(ParentFactory(), "25.00").payment
    fake_stripe.fail(other.gateway_reference)
    failed_elsewhere = fake_stripe.intent_event(
        "payment_intent.payment_failed", other.gateway_reference
    )
    fake_stripe.succeed(intent_id)
    succeeded = fake_stripe.intent_event("payment_intent.succeeded", intent_id)
    unknown = fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer"})
    charge = fake_stripe.event(
        "charge.succeeded",
        {"id": "ch_1", "object": "charge", "payment_intent": intent_id, "amount": 1000},
    )
    deliveries = [succeeded] * 10 + [failed_elsewhere, unknown, charge]
    random.Random(20260522).shuffle(deliveries)

    responses = [deliver(*fake_stripe.webhook(event)) for event in deliveries]

    assert [r.status_code for r in responses] == [200] * 13
    assert sum(not r.json()["duplicate"] for r in responses) == 4
    assert general_balance(payment.owner) == Decimal("10.00")
    assert Transfer.objects.count() == 1
    assert GatewayEventRecord.objects.count() == 4
    assert not GatewayEventRecord.objects.filter(processed_at=None).exists()
    payment.refresh_from_db()
    other.refresh_from_db()
    assert payment.status == CardPaymentStatus.SUCCEEDED
    assert other.status == CardPaymentStatus.FAILED
    assert general_balance(other.owner) == Decimal("0.00")


def test_a_payment_failed_then_succeeded_for_the_same_intent_credits_once(
    fake_stripe, deliver, top_up
):
    payment, intent_id = top_up
    fake_stripe.fail(intent_id)
    failed = fake_stripe.intent_event("payment_intent.payment_failed", intent_id)
    fake_stripe.succeed(intent_id)  # the parent paid the same intent with another card
    succeeded = fake_stripe.intent_event("payment_intent.succeeded", intent_id)

    deliver(*fake_stripe.webhook(failed))
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.FAILED

    deliver(*fake_stripe.webhook(succeeded))
    deliver(*fake_stripe.webhook(failed))  # Stripe retries the older event

    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.SUCCEEDED
    assert general_balance(payment.owner) == Decimal("10.00")
    assert Transfer.objects.count() == 1


def test_a_succeeded_event_arriving_before_the_payment_failed_one_still_credits_once(
    fake_stripe, deliver, top_up
):
    payment, intent_id = top_up
    fake_stripe.fail(intent_id)
    failed = fake_stripe.intent_event("payment_intent.payment_failed", intent_id)
    fake_stripe.succeed(intent_id)
    succeeded = fake_stripe.intent_event("payment_intent.succeeded", intent_id)

    deliver(*fake_stripe.webhook(succeeded))
    deliver(*fake_stripe.webhook(failed))

    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.SUCCEEDED
    assert general_balance(payment.owner) == Decimal("10.00")


def test_the_webhook_and_a_confirm_call_together_credit_once(fake_stripe, deliver, top_up):
    payment, intent_id = top_up
    fake_stripe.succeed(intent_id)

    payments.confirm_card_payment(payment.owner, payment.pk)
    deliver(*fake_stripe.webhook(fake_stripe.intent_event("payment_intent.succeeded", intent_id)))

    assert general_balance(payment.owner) == Decimal("10.00")
    assert Transfer.objects.count() == 1


def test_a_canceled_event_cancels_the_top_up_and_a_later_success_changes_nothing(
    fake_stripe, deliver, top_up
):
    payment, intent_id = top_up
    canceled = fake_stripe.event(
        "payment_intent.canceled", {**fake_stripe.intents[intent_id], "status": "canceled"}
    )
    succeeded = fake_stripe.event(
        "payment_intent.succeeded", {**fake_stripe.intents[intent_id], "status": "succeeded"}
    )

    deliver(*fake_stripe.webhook(canceled))
    deliver(*fake_stripe.webhook(succeeded))

    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.CANCELED
    assert not Transfer.objects.exists()


def test_an_unknown_event_type_is_acknowledged_recorded_and_moves_no_money(
    fake_stripe, deliver, top_up
):
    payment, _intent_id = top_up
    event = fake_stripe.event("payout.paid", {"id": "po_1", "object": "payout", "amount": 1000})

    response = deliver(*fake_stripe.webhook(event))

    assert response.status_code == 200
    record = GatewayEventRecord.objects.get()
    assert record.event_type == "payout.paid"
    assert record.processed_at is not None
    assert not Transfer.objects.exists()
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.PENDING


def test_an_event_about_an_intent_we_never_created_is_acknowledged_and_ignored(
    fake_stripe, deliver
):
    stranger = {
        "id": "pi_not_ours",
        "object": "payment_intent",
        "amount": 1000,
        "currency": "eur",
        "status": "succeeded",
        "metadata": {},
    }
    event = fake_stripe.event("payment_intent.succeeded", stranger)

    response = deliver(*fake_stripe.webhook(event))

    assert response.status_code == 200
    assert GatewayEventRecord.objects.get().processed_at is not None
    assert not Transfer.objects.exists()


def test_a_succeeded_event_for_another_amount_than_asked_credits_nothing(
    fake_stripe, deliver, top_up
):
    payment, intent_id = top_up
    tampered = {**fake_stripe.succeed(intent_id), "amount": 5000}

    deliver(*fake_stripe.webhook(fake_stripe.event("payment_intent.succeeded", tampered)))

    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.PENDING
    assert not Transfer.objects.exists()


def test_a_payment_whose_intent_id_was_never_stored_is_found_by_its_metadata(
    fake_stripe, deliver, top_up
):
    payment, intent_id = top_up
    # As if the process died between Stripe's answer and saving the intent id.
    CardPayment.objects.filter(pk=payment.pk).update(gateway_reference=None)
    fake_stripe.succeed(intent_id)

    deliver(*fake_stripe.webhook(fake_stripe.intent_event("payment_intent.succeeded", intent_id)))

    payment.refresh_from_db()
    assert payment.gateway_reference == intent_id
    assert payment.status == CardPaymentStatus.SUCCEEDED
    assert general_balance(payment.owner) == Decimal("10.00")


def test_an_order_payment_is_announced_to_the_commerce_layer_once_and_credits_no_pot(
    fake_stripe, deliver
):
    parent = ParentFactory()
    intent = payments.gateway_for().create_payment(
        amount=Decimal("7.00"),
        reference="order:100042",
        description="Commande 100042",
        idempotency_key="order-100042",
    )
    payment = CardPayment.objects.create(
        owner=parent,
        purpose=CardPaymentPurpose.ORDER,
        order_number="100042",
        amount=Decimal("7.00"),
        gateway="stripe",
        gateway_reference=intent.reference,
        idempotency_key="order-100042",
    )
    heard = []

    def listener(sender, payment, **kwargs):
        heard.append((payment.pk, payment.status))

    card_payment_settled.connect(listener)
    try:
        fake_stripe.succeed(intent.reference)
        event = fake_stripe.intent_event("payment_intent.succeeded", intent.reference)
        for _ in range(3):
            deliver(*fake_stripe.webhook(event))
    finally:
        card_payment_settled.disconnect(listener)

    assert heard == [(payment.pk, CardPaymentStatus.SUCCEEDED)]
    assert general_balance(parent) == Decimal("0.00")
    assert not Transfer.objects.exists()


def test_processing_a_recorded_event_twice_settles_once(fake_stripe, deliver, top_up):
    payment, intent_id = top_up
    fake_stripe.succeed(intent_id)
    deliver(*fake_stripe.webhook(fake_stripe.intent_event("payment_intent.succeeded", intent_id)))
    record = GatewayEventRecord.objects.get()

    process_gateway_event.delay(record.pk)
    process_gateway_event.delay(record.pk)

    assert Transfer.objects.count() == 1
    assert general_balance(payment.owner) == Decimal("10.00")
