"""Pure tables: Stripe's PaymentIntent statuses reduced to ours, and which reports may still
change a card payment."""

import pytest

from wallet.gateways.base import PaymentStatus
from wallet.gateways.stripe import event_from_payload, payment_status
from wallet.models import CardPaymentStatus
from wallet.payments import FINAL_STATUSES, next_status

FAILED_EVENT = "payment_intent.payment_failed"


@pytest.mark.parametrize(
    ("intent_status", "event_type", "expected"),
    [
        ("succeeded", None, PaymentStatus.SUCCEEDED),
        ("succeeded", "payment_intent.succeeded", PaymentStatus.SUCCEEDED),
        ("canceled", None, PaymentStatus.CANCELED),
        ("canceled", "payment_intent.canceled", PaymentStatus.CANCELED),
        ("requires_payment_method", FAILED_EVENT, PaymentStatus.FAILED),
        # Read on its own, "requires_payment_method" may be "no card yet": still payable.
        ("requires_payment_method", None, PaymentStatus.PENDING),
        ("requires_payment_method", "payment_intent.created", PaymentStatus.PENDING),
        ("requires_confirmation", None, PaymentStatus.PENDING),
        ("requires_action", "payment_intent.requires_action", PaymentStatus.PENDING),
        ("processing", "payment_intent.processing", PaymentStatus.PENDING),
        ("requires_capture", None, PaymentStatus.PENDING),
        # A status Stripe may add one day is no news, not money.
        ("some_future_status", None, PaymentStatus.PENDING),
    ],
)
def test_stripe_statuses_map_to_ours(intent_status, event_type, expected):
    assert payment_status(intent_status, event_type) == expected


def intent(**fields):
    return {
        "id": "pi_1",
        "object": "payment_intent",
        "amount": 2500,
        "currency": "eur",
        "status": "succeeded",
        "metadata": {"reference": "card-payment:7"},
        **fields,
    }


def test_a_payment_intent_event_carries_the_payment_in_euros():
    event = event_from_payload(
        {
            "id": "evt_1",
            "type": "payment_intent.succeeded",
            "created": 5,
            "data": {"object": intent()},
        }
    )

    assert (event.id, event.type, event.created) == ("evt_1", "payment_intent.succeeded", 5)
    assert str(event.payment.amount) == "25.00"
    assert event.payment.currency == "EUR"
    assert event.payment.status == PaymentStatus.SUCCEEDED
    assert event.payment.metadata == {"reference": "card-payment:7"}


@pytest.mark.parametrize(
    ("event_type", "obj"),
    [
        ("charge.succeeded", {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"}),
        ("payout.paid", {"id": "po_1", "object": "payout"}),
        # A payment_intent.* type whose object is something else is not trusted as a payment.
        ("payment_intent.succeeded", {"id": "ch_1", "object": "charge"}),
    ],
)
def test_other_events_carry_no_payment(event_type, obj):
    event = event_from_payload({"id": "evt_1", "type": event_type, "data": {"object": obj}})

    assert event.payment is None


S = CardPaymentStatus


@pytest.mark.parametrize(
    ("current", "reported", "expected"),
    [
        (S.PENDING, S.PENDING, None),
        (S.PENDING, S.SUCCEEDED, S.SUCCEEDED),
        (S.PENDING, S.FAILED, S.FAILED),
        (S.PENDING, S.CANCELED, S.CANCELED),
        # A declined card does not end the intent: it may still succeed, or be canceled.
        (S.FAILED, S.SUCCEEDED, S.SUCCEEDED),
        (S.FAILED, S.CANCELED, S.CANCELED),
        (S.FAILED, S.FAILED, None),
        (S.FAILED, S.PENDING, None),
        # Final: late or repeated reports change nothing.
        (S.SUCCEEDED, S.SUCCEEDED, None),
        (S.SUCCEEDED, S.FAILED, None),
        (S.SUCCEEDED, S.CANCELED, None),
        (S.SUCCEEDED, S.PENDING, None),
        (S.CANCELED, S.SUCCEEDED, None),
        (S.CANCELED, S.FAILED, None),
        (S.CANCELED, S.CANCELED, None),
    ],
)
def test_which_reports_still_change_a_card_payment(current, reported, expected):
    assert next_status(current, reported) == expected


def test_succeeded_and_canceled_are_the_final_statuses():
    assert FINAL_STATUSES == {S.SUCCEEDED, S.CANCELED}


def test_every_status_of_the_gateway_is_a_status_of_the_card_payment():
    reported = {PaymentStatus.PENDING, PaymentStatus.SUCCEEDED, PaymentStatus.FAILED}
    assert reported | {PaymentStatus.CANCELED} == set(S.values)
