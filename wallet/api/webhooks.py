"""/api/payments/stripe/webhook/: Stripe tells us how card payments ended.

Anonymous and CSRF-exempt: the Stripe-Signature header (HMAC with the endpoint's secret) is the
only proof of origin, so nothing is stored before it is verified. Each event is recorded once and
processed by a Celery task after commit; Stripe only needs a quick 2xx."""

from django.conf import settings
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import payments
from ..gateways import InvalidWebhookSignature
from ..gateways.stripe import StripeGateway
from .top_up_serializers import WalletDetailSerializer, WebhookAcknowledgementSerializer

app_name = "stripe_webhook"


def webhook_gateway() -> StripeGateway | None:
    """The gateway that verifies webhooks, or None when no webhook secret is configured."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        return None
    return StripeGateway(
        # Verifying a signature needs only the webhook secret; the API key may be unset.
        secret_key=settings.STRIPE_SECRET_KEY or "",
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        api_base=settings.STRIPE_API_BASE,
    )


class StripeWebhookView(APIView):
    # No session, hence no CSRF check (DRF's views are csrf_exempt): the signature authenticates.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["paiements"],
        summary=_("Recevoir un webhook Stripe"),
        description=_(
            "Appelé par Stripe. Le corps est l'événement JSON, signé dans l'en-tête "
            "Stripe-Signature ; une signature invalide est refusée (400) et rien n'est "
            "enregistré. Chaque événement est traité une fois, quel que soit le nombre de "
            "livraisons ; les types d'événements inutiles ici sont acquittés et ignorés."
        ),
        auth=[],
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="t=<horodatage>,v1=<HMAC-SHA256>",
            )
        ],
        responses={
            200: WebhookAcknowledgementSerializer,
            400: OpenApiResponse(
                WalletDetailSerializer,
                description=_(
                    "Signature invalide, événement illisible (signé mais pas un événement "
                    "Stripe), ou webhooks désactivés (pas de secret)."
                ),
            ),
        },
    )
    def post(self, request):
        gateway = webhook_gateway()
        if gateway is None:
            return Response(
                {"detail": "webhooks disabled: STRIPE_WEBHOOK_SECRET is not set"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            _record, created = payments.receive_webhook(
                gateway, request.body, request.headers.get("Stripe-Signature", "")
            )
        except InvalidWebhookSignature:
            return Response(
                {"detail": _("Signature invalide ou événement illisible : refusé.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"received": True, "duplicate": not created})


urlpatterns = [path("", StripeWebhookView.as_view(), name="stripe")]
