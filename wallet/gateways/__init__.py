"""Card payment gateways behind one interface, one per payment backend account.

`gateway_for(backend)` gives the gateway of a régie's backend account: `stripe` (a thin wrapper
around the Stripe SDK), `offline` (a test gateway that `make run` uses and that the user sees
labelled as a test payment), and PayFiP and the French bank gateways (Paybox, Systempay …)
through eopayment (eopayment.py). Without an account: the platform's configured gateway,
Stripe when its keys are set, else offline."""

from django.conf import settings

from .base import GatewayEvent, GatewayPayment, InvalidWebhookSignature, PaymentGateway

EOPAYMENT_KINDS = ("payfip_ws", "paybox", "systempayv2")


def gateway_for(backend=None) -> PaymentGateway:
    kind = backend.kind if backend is not None else None
    if kind is None:
        kind = "stripe" if settings.STRIPE_SECRET_KEY else "offline"
    if kind == "stripe":
        from .stripe import StripeGateway

        return StripeGateway(
            secret_key=settings.STRIPE_SECRET_KEY,
            publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            api_base=settings.STRIPE_API_BASE,
        )
    if kind in EOPAYMENT_KINDS:
        from .eopayment import EopaymentGateway

        return EopaymentGateway(backend)
    from .offline import OfflineGateway

    return OfflineGateway()


def gateway_of_payment(payment) -> PaymentGateway:
    """The gateway that takes `payment`: its backend account's (the platform's before régies)."""
    backend = payment.backend if payment.backend_id else None
    return gateway_for(backend)


__all__ = [
    "GatewayEvent",
    "GatewayPayment",
    "InvalidWebhookSignature",
    "PaymentGateway",
    "gateway_for",
    "gateway_of_payment",
]
