"""The wallet's API, mounted under /api/ by config/urls.py."""

from django.urls import include, path

urlpatterns = [
    path("wallet/top-ups/", include("wallet.api.top_ups")),
    path("wallet/", include("wallet.api.statement")),
    path("payments/stripe/webhook/", include("wallet.api.webhooks")),
]
