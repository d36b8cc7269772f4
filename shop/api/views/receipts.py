"""/api/receipts/: the signed-in parent's receipts (one per paid régie share of their orders)
and each one's PDF. Another parent's receipt, or a share not paid yet, is a 404."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from shop.receipts import pdf_response, receipt_of
from shop.selectors.receipts import receipts_of_parent
from wallet.models import RegieShare

from ..serializers.receipts import ReceiptSerializer


@extend_schema(tags=["receipts"])
class ReceiptListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReceiptSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return RegieShare.objects.none()
        return receipts_of_parent(self.request.user)

    @extend_schema(
        summary=_("Voir mes quittances"),
        description=_(
            "Une quittance par régie et par commande payée, de la plus récente à la plus "
            "ancienne : son numéro, la régie, le montant, la date du paiement, la commande et "
            "l'adresse du PDF. Une part de commande encore impayée n'a pas de quittance."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["receipts"])
class ReceiptPdfView(APIView):
    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # The PDF is sent whatever the client says it accepts; only errors go through a
        # renderer, and they fall back to JSON rather than a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary=_("Télécharger une quittance"),
        description=_(
            "La quittance en PDF, en pièce jointe nommée d'après son numéro "
            "(CAN-2026-000012.pdf). 404 pour la quittance d'un autre compte ou une part "
            "impayée."
        ),
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description=_("Aucune quittance de ce numéro à votre nom.")),
        },
    )
    def get(self, request, pk):
        share = get_object_or_404(receipts_of_parent(request.user), pk=pk)
        return pdf_response(receipt_of(share))
