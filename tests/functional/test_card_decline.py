"""A split payment (porte-monnaie + card) whose card is declined, through the fake Stripe at the
HTTP boundary: the order stays payable with Stripe's card form until its hold expires after 30
minutes, when it is cancelled and the porte-monnaie part returned (shop/FORKS.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from oscar.core.loading import get_model

from tests.booking_factories import make_canteen, top_up
from tests.factories import ParentFactory
from tests.functional.test_checkout_payment import checkout, fill_basket, general_pot
from wallet.models import CardPayment, CardPaymentStatus
from wallet.tasks import expire_card_payments

pytestmark = pytest.mark.django_db
# The fake_stripe fixture.
pytest_plugins = ["tests.fakes"]

Order = get_model("order", "Order")

WEBHOOK = "/api/payments/stripe/webhook/"
PENDING, PAID, CANCELLED = "En attente de paiement", "Payée", "Annulée"


@pytest.fixture
def parent(client):
    parent = ParentFactory()
    client.force_login(parent)
    return parent


@pytest.fixture
def split_order(client, parent, fake_stripe):
    """A 3.30 € meal paid 2.00 € from the porte-monnaie and 1.30 € by card (pending at Stripe):
    (order, card payment)."""
    top_up(parent, "2.00")
    _, meal, _ = make_canteen()
    basket = fill_basket(parent, meal)
    response = checkout(client, basket, "wallet+card")
    assert response.status_code == 200, response.content
    return Order.objects.get(user=parent), CardPayment.objects.get()


def stripe_says(client, fake_stripe, event_type, intent_id, django_capture_on_commit_callbacks):
    """Stripe's webhook for the intent as it now stands; the task queued on commit runs."""
    body, signature = fake_stripe.webhook(fake_stripe.intent_event(event_type, intent_id))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
    assert response.status_code == 200, response.content


def decline(client, fake_stripe, payment, capture):
    fake_stripe.fail(payment.gateway_reference)
    stripe_says(
        client, fake_stripe, "payment_intent.payment_failed", payment.gateway_reference, capture
    )
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.FAILED


def test_a_declined_card_leaves_the_order_payable_with_stripes_card_form(
    client, parent, fake_stripe, split_order, django_capture_on_commit_callbacks
):
    order, payment = split_order
    decline(client, fake_stripe, payment, django_capture_on_commit_callbacks)

    page = client.get(f"/espace/commandes/{order.number}/paiement/")

    assert page.status_code == 200
    html = page.content.decode()
    intent = fake_stripe.intents[payment.gateway_reference]
    # Stripe's own form, with the same payment's secret: another card pays the same intent.
    assert "data-stripe-form" in html
    assert f'data-client-secret="{intent["client_secret"]}"' in html
    assert '<script src="https://js.stripe.com/v3/" defer></script>' in html
    assert "paiement de test" not in html
    assert "Votre carte a été refusée" in html
    # The order waits, its porte-monnaie part held.
    order.refresh_from_db()
    assert order.status == PENDING
    assert general_pot(parent) == Decimal("0.00")


def test_another_card_after_a_decline_pays_the_order(
    client, parent, fake_stripe, split_order, django_capture_on_commit_callbacks
):
    order, payment = split_order
    decline(client, fake_stripe, payment, django_capture_on_commit_callbacks)

    fake_stripe.succeed(payment.gateway_reference)  # the parent's second card
    stripe_says(
        client,
        fake_stripe,
        "payment_intent.succeeded",
        payment.gateway_reference,
        django_capture_on_commit_callbacks,
    )

    order.refresh_from_db()
    assert order.status == PAID
    assert general_pot(parent) == Decimal("0.00")
    assert client.get(f"/espace/commandes/{order.number}/paiement/").status_code == 302


def test_a_declined_order_left_unpaid_is_cancelled_after_30_minutes_and_the_wallet_refunded(
    client, parent, fake_stripe, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        top_up(parent, "2.00")
        _, meal, _ = make_canteen()
        checkout(client, fill_basket(parent, meal), "wallet+card")
    order, payment = Order.objects.get(user=parent), CardPayment.objects.get()
    decline(client, fake_stripe, payment, django_capture_on_commit_callbacks)

    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert expire_card_payments() == 0
    order.refresh_from_db()
    assert order.status == PENDING

    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert expire_card_payments() == 1

    order.refresh_from_db()
    assert order.status == CANCELLED
    assert general_pot(parent) == Decimal("2.00")
    assert fake_stripe.intents[payment.gateway_reference]["status"] == "canceled"
