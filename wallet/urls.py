"""The wallet's API, mounted under /api/ by config/urls.py."""

from django.urls import include, path

from .gateways import return_views

urlpatterns = [
    path("wallet/top-ups/", include("wallet.api.top_ups")),
    path("wallet/", include("wallet.api.statement")),
    path("payments/stripe/webhook/", include("wallet.api.webhooks")),
    # PayFiP's and the bank gateways' server notifications (the payer's return: /paiement/…).
    path(
        "payments/notify/<int:backend_id>/",
        return_views.notification,
        name="wallet_payment_notify",
    ),
]
