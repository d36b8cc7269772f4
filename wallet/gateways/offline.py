"""A card gateway that charges nothing, for `make run` without Stripe keys.

Stateless: every "offline_…" payment is paid as soon as it is confirmed. It is labelled as a test
payment wherever the parent sees it, and must never be what production runs."""

import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .base import GatewayEvent, GatewayPayment, InvalidWebhookSignature, PaymentStatus

PREFIX = "offline_"


class OfflineGateway:
    code = "offline"
    label = _("Paiement de test (aucun débit réel)")
    is_test = True
    publishable_key = None

    def create_payment(
        self, *, amount: Decimal, reference: str, description: str, idempotency_key: str
    ) -> GatewayPayment:
        return GatewayPayment(
            gateway=self.code,
            reference=f"{PREFIX}{uuid.uuid4().hex}",
            amount=amount,
            currency="EUR",
            status=PaymentStatus.PENDING,
            metadata={"reference": reference},
        )

    def retrieve_payment(self, gateway_reference: str) -> GatewayPayment:
        return self._answer(gateway_reference, PaymentStatus.SUCCEEDED)

    def cancel_payment(self, gateway_reference: str) -> GatewayPayment:
        return self._answer(gateway_reference, PaymentStatus.CANCELED)

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        raise InvalidWebhookSignature("The offline gateway sends no webhooks.")

    def _answer(self, gateway_reference: str, status: str) -> GatewayPayment:
        if not gateway_reference.startswith(PREFIX):
            raise LookupError(f"Not an offline payment: {gateway_reference}")
        # Nothing is kept, so the amount is unknown here: wallet.payments then trusts its own.
        return GatewayPayment(
            gateway=self.code,
            reference=gateway_reference,
            amount=None,
            currency="EUR",
            status=status,
        )
