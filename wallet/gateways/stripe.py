"""Stripe, through its SDK: PaymentIntents for card payments, signed webhooks for their outcome.

A thin wrapper: it builds requests, verifies signatures and maps Stripe's objects to the
gateway-neutral `GatewayPayment` / `GatewayEvent`; what to do with them is wallet.payments'."""

import json
from collections.abc import Mapping
from contextlib import contextmanager
from decimal import Decimal

import stripe
from django.utils.translation import gettext_lazy as _

from .base import (
    GatewayError,
    GatewayEvent,
    GatewayPayment,
    InvalidWebhookSignature,
    PaymentStatus,
)

# The SDK otherwise writes a telemetry id under the server user's home directory and reports the
# platform to Stripe on each request: neither is wanted on a web node.
stripe.enable_telemetry = False

CENTS = Decimal(100)

# Events whose object is a PaymentIntent; the wallet settles on three of them (wallet.payments).
PAYMENT_INTENT_EVENT_PREFIX = "payment_intent."
PAYMENT_FAILED_EVENT = "payment_intent.payment_failed"

_FINAL_STATUSES = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "canceled": PaymentStatus.CANCELED,
}


def payment_status(intent_status: str, event_type: str | None = None) -> str:
    """Reduce a PaymentIntent status to ours.

    `requires_payment_method` is both "no card yet" and "the last card was declined": only a
    payment_failed event tells the two apart. Read on its own (a confirm call), it stays
    PENDING, because the parent may still pay the same intent with another card."""
    if intent_status in _FINAL_STATUSES:
        return _FINAL_STATUSES[intent_status]
    if intent_status == "requires_payment_method" and event_type == PAYMENT_FAILED_EVENT:
        return PaymentStatus.FAILED
    return PaymentStatus.PENDING


def payment_from_intent(intent: Mapping, event_type: str | None = None) -> GatewayPayment:
    """A PaymentIntent (its JSON, as a dict) as a GatewayPayment."""
    return GatewayPayment(
        gateway=StripeGateway.code,
        reference=intent["id"],
        amount=(Decimal(intent["amount"]) / CENTS).quantize(Decimal("0.01")),
        currency=str(intent["currency"]).upper(),
        status=payment_status(intent["status"], event_type),
        client_secret=intent.get("client_secret"),
        metadata=dict(intent.get("metadata") or {}),
    )


# Stripe's ids and event types are short ASCII words; anything longer is not from Stripe, and
# would not fit GatewayEventRecord's columns either.
MAX_ID_LENGTH = 255
MAX_TYPE_LENGTH = 100


def event_from_payload(data: Mapping) -> GatewayEvent:
    """An event already verified (the webhook view checked its signature before storing it)."""
    event_type = data["type"]
    if not _is_short_text(data["id"], MAX_ID_LENGTH) or not _is_short_text(
        event_type, MAX_TYPE_LENGTH
    ):
        raise ValueError("event id or type is not a short string")
    obj = (data.get("data") or {}).get("object") or {}
    payment = None
    if event_type.startswith(PAYMENT_INTENT_EVENT_PREFIX) and obj.get("object") == "payment_intent":
        payment = payment_from_intent(obj, event_type)
    return GatewayEvent(
        id=data["id"], type=event_type, payment=payment, created=int(data.get("created") or 0)
    )


def _is_short_text(value, max_length: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_length


def _refuse_constant(name: str):
    # json.loads reads NaN and Infinity, which are not JSON and which PostgreSQL will not store.
    raise ValueError(f"{name} is not JSON")


@contextmanager
def _as_gateway_error():
    """The SDK's errors (network, credentials, API) become the protocol's GatewayError."""
    try:
        yield
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


class StripeGateway:
    code = "stripe"
    label = _("Carte bancaire")

    def __init__(
        self,
        *,
        secret_key: str,
        publishable_key: str | None = None,
        webhook_secret: str | None = None,
        api_base: str = stripe.DEFAULT_API_BASE,
        max_network_retries: int = 2,
    ):
        # A test key (sk_test_…) moves no real money: the parent is told so.
        self.is_test = secret_key.startswith("sk_test_")
        self.publishable_key = publishable_key
        self._webhook_secret = webhook_secret
        # The SDK retries POSTs safely: each carries an Idempotency-Key.
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base},
            max_network_retries=max_network_retries,
        )

    def create_payment(
        self, *, amount: Decimal, reference: str, description: str, idempotency_key: str
    ) -> GatewayPayment:
        cents = amount * CENTS
        if cents != cents.to_integral_value():
            raise ValueError("Stripe takes amounts in whole cents.")
        with _as_gateway_error():
            intent = self._client.v1.payment_intents.create(
                {
                    "amount": int(cents),
                    "currency": "eur",
                    "automatic_payment_methods": {"enabled": True},
                    "description": description,
                    "metadata": {"reference": reference},
                },
                # The same key twice (a retried request) gives back the same PaymentIntent.
                {"idempotency_key": idempotency_key},
            )
        return payment_from_intent(intent.to_dict())

    def retrieve_payment(self, gateway_reference: str) -> GatewayPayment:
        with _as_gateway_error():
            intent = self._client.v1.payment_intents.retrieve(gateway_reference)
        return payment_from_intent(intent.to_dict())

    def cancel_payment(self, gateway_reference: str) -> GatewayPayment:
        with _as_gateway_error():
            intent = self._client.v1.payment_intents.cancel(gateway_reference)
        return payment_from_intent(intent.to_dict())

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        """Verify the Stripe-Signature header (HMAC of the body with the endpoint's secret,
        timestamp within the SDK's 5-minute tolerance), then read the event."""
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature_header, self._webhook_secret, stripe.Webhook.DEFAULT_TOLERANCE
            )
            if b"\\u0000" in payload or b"\x00" in payload:
                # PostgreSQL's jsonb cannot hold a NUL character, and Stripe never sends one.
                raise ValueError("NUL character in the event")
            return event_from_payload(json.loads(payload, parse_constant=_refuse_constant))
        except stripe.SignatureVerificationError as error:
            raise InvalidWebhookSignature(str(error)) from error
        # ArithmeticError: decimal.InvalidOperation, an amount that is not a number of cents.
        except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as error:
            # Signed, yet not an event we can read: refused the same way, never stored.
            raise InvalidWebhookSignature(str(error)) from error
