"""/api/wallet/top-ups/: recharge the general pot by card ("Recréditer mon porte-monnaie").

Start a top-up of an offered amount, pay it in the browser (Stripe.js with the client secret),
then confirm: the webhook credits the pot too, whichever comes first."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsValidatedAccount

from .. import payments
from ..models import CardPayment, CardPaymentPurpose
from .top_up_serializers import TopUpRequestSerializer, TopUpSerializer, WalletDetailSerializer

app_name = "top_ups"

TAGS = ["porte-monnaie"]
REFUSED = OpenApiResponse(
    WalletDetailSerializer,
    description=_("Non connecté, ou compte en attente de validation par la mairie."),
)
NOT_FOUND = OpenApiResponse(
    WalletDetailSerializer, description=_("Aucun rechargement de ce numéro à votre nom.")
)
UNAVAILABLE = OpenApiResponse(
    WalletDetailSerializer, description=_("Le prestataire de paiement ne répond pas.")
)


def top_up_of(user, pk) -> CardPayment:
    """The user's own top-up: another parent's is a 404, as a missing one."""
    try:
        return CardPayment.objects.get(pk=pk, owner=user, purpose=CardPaymentPurpose.TOP_UP)
    except CardPayment.DoesNotExist as error:
        raise Http404 from error


def unavailable(error: payments.GatewayUnavailableError) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)


@extend_schema(tags=TAGS)
class TopUpStartView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary=_("Recharger mon porte-monnaie par carte"),
        description=_(
            "Crée le paiement par carte d'un des montants proposés (1, 5, 10, 25 ou 50 €) pour "
            "le porte-monnaie tous services. Avec Stripe, confirmer ensuite la carte avec "
            "Stripe.js (client_secret, publishable_key), puis appeler confirm/. Un autre montant "
            "est refusé (400) et rien n'est créé."
        ),
        request=TopUpRequestSerializer,
        responses={
            201: TopUpSerializer,
            400: OpenApiResponse(description=_('Montant non proposé : {"amount": ["…"]}.')),
            403: REFUSED,
            503: UNAVAILABLE,
        },
    )
    def post(self, request):
        serializer = TopUpRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            top_up = payments.start_top_up(request.user, serializer.validated_data["amount"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        except payments.GatewayUnavailableError as error:
            return unavailable(error)
        return Response(TopUpSerializer(top_up).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class TopUpDetailView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary=_("Suivre un rechargement"),
        responses={200: TopUpSerializer, 403: REFUSED, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        payment = top_up_of(request.user, pk)
        return Response(TopUpSerializer(payments.describe_top_up(payment)).data)


@extend_schema(tags=TAGS)
class TopUpConfirmView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary=_("Confirmer un rechargement après le paiement"),
        description=_(
            "Demande au prestataire où en est le paiement et crédite le porte-monnaie s'il a "
            "abouti. Sans effet s'il l'est déjà : l'appeler deux fois ne crédite qu'une fois."
        ),
        request=None,
        responses={200: TopUpSerializer, 403: REFUSED, 404: NOT_FOUND, 503: UNAVAILABLE},
    )
    def post(self, request, pk):
        top_up_of(request.user, pk)
        try:
            payment = payments.confirm_card_payment(request.user, pk)
        except payments.GatewayUnavailableError as error:
            return unavailable(error)
        return Response(TopUpSerializer(payments.describe_top_up(payment)).data)


urlpatterns = [
    path("", TopUpStartView.as_view(), name="start"),
    path("<int:pk>/", TopUpDetailView.as_view(), name="detail"),
    path("<int:pk>/confirm/", TopUpConfirmView.as_view(), name="confirm"),
]
