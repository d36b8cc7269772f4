from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


class PaymentStatus:
    """Where a card payment stands at the gateway (Stripe's PaymentIntent statuses, reduced)."""

    PENDING = "pending"  # created, the card not (yet) charged
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class GatewayPayment:
    """A payment as the gateway knows it."""

    gateway: str
    reference: str  # the gateway's id (a PaymentIntent id for Stripe)
    amount: Decimal | None  # None: the gateway keeps no amount (the offline test gateway)
    currency: str
    status: str
    client_secret: str | None = None  # what a browser needs to confirm the card payment
    metadata: dict = field(default_factory=dict)
    # Where to send the payer to pay (PayFiP's page, a bank's), for gateways that need it.
    redirect_url: str | None = None


@dataclass(frozen=True)
class GatewayEvent:
    """A verified notification from the gateway (a webhook)."""

    id: str
    type: str
    payment: GatewayPayment | None
    created: int = 0


class InvalidWebhookSignature(Exception):
    pass


class GatewayError(Exception):
    """The gateway could not be reached or refused the call (network, credentials, API error)."""


class PaymentGateway(Protocol):
    code: str
    label: str
    is_test: bool  # shown to the user: a test payment moves no real money
    publishable_key: str | None  # what a browser needs to talk to the gateway, if anything

    def create_payment(
        self, *, amount: Decimal, reference: str, description: str, idempotency_key: str
    ) -> GatewayPayment: ...

    def retrieve_payment(self, gateway_reference: str) -> GatewayPayment: ...

    def cancel_payment(self, gateway_reference: str) -> GatewayPayment: ...

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent: ...
