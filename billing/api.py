"""/api/invoices/: a family's invoices of post-paid services (list, detail, PDF), paying one
(wallet, or online through the régie's backend), and its SEPA mandates. Every query is the
family's own: another family's invoice is a 404, as a missing one."""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsValidatedAccount
from wallet import payments as wallet_payments
from wallet.models import CardPayment, CardPaymentPurpose

from . import payments, pdf, rules, selectors, sepa
from .exceptions import BillingError
from .models import Invoice
from .serializers import (
    CardStepSerializer,
    ConfirmRequestSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    MandateRequestSerializer,
    MandateSerializer,
    PayRequestSerializer,
)

app_name = "billing"
TAGS = ["factures"]
NOT_FOUND = OpenApiResponse(description=_("Aucune facture de ce numéro à votre nom."))


def own_invoice(user, pk) -> Invoice:
    try:
        return selectors.invoice_detail(selectors.invoices_of(user), pk)
    except Invoice.DoesNotExist as error:
        raise Http404 from error


@extend_schema(tags=TAGS, summary=_("Mes factures"))
class InvoiceListView(ListAPIView):
    permission_classes = [IsValidatedAccount]
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        return selectors.invoices_of(self.request.user)


@extend_schema(tags=TAGS)
class InvoiceDetailView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary=_("Une facture, ses lignes et ses paiements"),
        responses={200: InvoiceDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        return Response(InvoiceDetailSerializer(own_invoice(request.user, pk)).data)


@extend_schema(tags=TAGS)
class InvoicePdfView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary=_("La facture en PDF"),
        responses={(200, "application/pdf"): OpenApiResponse(description="PDF"), 404: NOT_FOUND},
    )
    def get(self, request, pk):
        return pdf.pdf_response(own_invoice(request.user, pk))


@extend_schema(tags=TAGS)
class InvoicePayView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary=_("Payer une facture"),
        description=_(
            "wallet : le porte-monnaie paie tout ce qui reste dû, ou rien (400). card : crée "
            "le paiement en ligne auprès de la régie (carte ou PayFiP) ; aller à redirect_url "
            "s'il y en a une, sinon confirmer avec confirm/."
        ),
        request=PayRequestSerializer,
        responses={200: InvoiceDetailSerializer, 201: CardStepSerializer, 404: NOT_FOUND},
    )
    def post(self, request, pk):
        invoice = own_invoice(request.user, pk)
        serializer = PayRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            if serializer.validated_data["method"] == "wallet":
                payments.pay_with_wallet(request.user, invoice.pk)
                return Response(InvoiceDetailSerializer(own_invoice(request.user, pk)).data)
            step = payments.start_card_payment(request.user, invoice.pk)
        except BillingError as error:
            raise serializers.ValidationError({"detail": [str(error)]}) from error
        except wallet_payments.GatewayUnavailableError as error:
            return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(CardStepSerializer(step).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class InvoicePayConfirmView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary=_("Confirmer le paiement en ligne d'une facture"),
        request=ConfirmRequestSerializer,
        responses={200: InvoiceDetailSerializer, 404: NOT_FOUND},
    )
    def post(self, request, pk):
        invoice = own_invoice(request.user, pk)
        serializer = ConfirmRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment_id = serializer.validated_data["payment_id"]
        if not CardPayment.objects.filter(
            pk=payment_id,
            owner=request.user,
            purpose=CardPaymentPurpose.INVOICE,
            order_number=invoice.number,
        ).exists():
            raise Http404
        try:
            wallet_payments.confirm_card_payment(request.user, payment_id)
        except wallet_payments.GatewayUnavailableError as error:
            return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(InvoiceDetailSerializer(own_invoice(request.user, pk)).data)


@extend_schema(tags=TAGS)
class MandateListView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(summary=_("Mes mandats de prélèvement"), responses=MandateSerializer(many=True))
    def get(self, request):
        mandates = request.user.sepa_mandates.filter(revoked_at__isnull=True).select_related(
            "regie"
        )
        return Response(MandateSerializer(mandates, many=True).data)

    @extend_schema(
        summary=_("Signer un mandat de prélèvement SEPA"),
        description=_(
            "Pour une régie qui vous a adressé une facture ; remplace le mandat en cours. "
            "IBAN et BIC vérifiés (400 sinon)."
        ),
        request=MandateRequestSerializer,
        responses={201: MandateSerializer},
    )
    def post(self, request):
        serializer = MandateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invoice = selectors.invoices_of(request.user).filter(regie_id=data["regie"]).first()
        if invoice is None:
            raise serializers.ValidationError(
                {"regie": _("Aucune facture de cette régie à votre nom.")}
            )
        try:
            mandate = sepa.sign_mandate(
                request.user,
                invoice.regie,
                holder=data["holder"],
                iban=data["iban"],
                bic=data["bic"],
                signed_on=timezone.localdate(),
            )
        except rules.BankDetailsError as error:
            raise serializers.ValidationError({error.field: [str(error)]}) from error
        return Response(MandateSerializer(mandate).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class MandateDetailView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary=_("Révoquer un mandat de prélèvement"),
        description=_("La régie ne prélève plus ; les factures restent à payer autrement."),
        request=None,
        responses={204: None, 404: OpenApiResponse(description=_("Aucun mandat de ce numéro."))},
    )
    def delete(self, request, pk):
        if not request.user.sepa_mandates.filter(pk=pk, revoked_at__isnull=True).exists():
            raise Http404
        sepa.revoke_mandate(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("invoices/", InvoiceListView.as_view(), name="invoice-list"),
    path("invoices/mandates/", MandateListView.as_view(), name="mandate-list"),
    path("invoices/mandates/<int:pk>/", MandateDetailView.as_view(), name="mandate-detail"),
    path("invoices/<int:pk>/", InvoiceDetailView.as_view(), name="invoice-detail"),
    path("invoices/<int:pk>/pdf/", InvoicePdfView.as_view(), name="invoice-pdf"),
    path("invoices/<int:pk>/pay/", InvoicePayView.as_view(), name="invoice-pay"),
    path(
        "invoices/<int:pk>/pay/confirm/",
        InvoicePayConfirmView.as_view(),
        name="invoice-pay-confirm",
    ),
]
