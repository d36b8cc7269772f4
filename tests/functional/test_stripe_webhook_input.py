"""/api/payments/stripe/webhook/ with a valid signature over a body that is not a readable Stripe
event (found by tests/functional/test_api_fuzz.py): refused with a 400, never a server error,
and nothing is recorded."""

import json

import pytest

from tests.fakes import sign
from wallet.models import GatewayEventRecord

pytestmark = pytest.mark.django_db


WEBHOOK = "/api/payments/stripe/webhook/"
WEBHOOK_SECRET = "whsec_test"


def intent_event(**changes) -> dict:
    """A payment_intent.succeeded event as Stripe sends it, with `changes` to the event."""
    event = {
        "id": "evt_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": 1_900_000_000,
        "data": {
            "object": {
                "id": "pi_1",
                "object": "payment_intent",
                "amount": 1000,
                "currency": "eur",
                "status": "succeeded",
                "metadata": {},
            }
        },
    }
    intent = changes.pop("intent", {})
    event["data"]["object"].update(intent)
    event.update(changes)
    return event


def deliver_signed(client, body: bytes):
    return client.post(
        WEBHOOK,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, WEBHOOK_SECRET),
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(json.dumps(intent_event(intent={"amount": "abc"})), id="non-numeric-amount"),
        pytest.param(json.dumps(intent_event(intent={"amount": 10**40})), id="huge-amount"),
        pytest.param(json.dumps(intent_event(intent={"amount": float("nan")})), id="nan-amount"),
        pytest.param(json.dumps(intent_event(id="evt_" + "x" * 400)), id="400-character-id"),
        pytest.param(
            json.dumps(intent_event(type="payment_intent." + "x" * 200)), id="200-character-type"
        ),
        pytest.param(json.dumps(intent_event(intent={"currency": "\x00"})), id="nul-character"),
        pytest.param(json.dumps(intent_event(id=["evt_1"])), id="id-not-a-string"),
        pytest.param(json.dumps([intent_event()]), id="not-an-object"),
    ],
)
def test_a_signed_webhook_that_is_not_a_readable_event_is_refused_and_nothing_is_recorded(
    client, settings, body
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET

    response = deliver_signed(client, body.encode())

    assert response.status_code == 400
    assert response.json()["detail"] == "Signature invalide ou événement illisible : refusé."
    assert not GatewayEventRecord.objects.exists()


def test_a_readable_signed_webhook_is_still_recorded(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET

    response = deliver_signed(client, json.dumps(intent_event()).encode())

    assert response.status_code == 200
    assert GatewayEventRecord.objects.get().event_id == "evt_1"
