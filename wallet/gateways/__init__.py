"""Card payment gateways behind one interface.

`stripe` (a thin wrapper around the Stripe SDK) when Stripe keys are set, otherwise `offline`,
a test gateway that `make run` uses and that the user sees labelled as a test payment. PayFiP
(the Treasury's gateway for communes, one account per régie) fits as a third implementation:
`gateway_for(commune)` is where a commune's own gateway would be chosen."""

from django.conf import settings

from .base import GatewayEvent, GatewayPayment, InvalidWebhookSignature, PaymentGateway


def gateway_for(commune=None) -> PaymentGateway:
    # Every commune uses the platform's gateway for now; PayFiP would be looked up per régie here.
    if settings.STRIPE_SECRET_KEY:
        from .stripe import StripeGateway

        return StripeGateway(
            secret_key=settings.STRIPE_SECRET_KEY,
            publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            api_base=settings.STRIPE_API_BASE,
        )
    from .offline import OfflineGateway

    return OfflineGateway()


__all__ = [
    "GatewayEvent",
    "GatewayPayment",
    "InvalidWebhookSignature",
    "PaymentGateway",
    "gateway_for",
]
