"""/api/wallet/: the logged-in parent's porte-monnaie — what each pot holds, and the history of
their movements. Open to an account awaiting validation, which sees its (empty) wallet."""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..forecast import forecast_of
from ..models import Leg
from ..selectors import hydrate_movements, movements_of, pots_of, statement_of
from .statement_serializers import MovementFilterSerializer, MovementSerializer, WalletSerializer

app_name = "wallet_statement"


@extend_schema(tags=["wallet"])
class WalletView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("Voir le porte-monnaie"),
        description=_(
            "Le total et chaque porte-monnaie : ceux des services (le crédit d'une annulation y "
            "revient, utilisable pour ce service seulement), puis « Tous services », utilisable "
            "partout. Un porte-monnaie vide n'apparaît que s'il a déjà servi."
        ),
        responses={200: WalletSerializer},
    )
    def get(self, request):
        forecast = forecast_of(request.user, today=timezone.localdate())
        context = {"forecast": forecast}
        return Response(WalletSerializer(statement_of(request.user), context=context).data)


@extend_schema(tags=["wallet"])
class MovementListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MovementSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Leg.objects.none()
        filters = MovementFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        pot_id = filters.validated_data.get("pot")
        if pot_id is None:
            return movements_of(self.request.user)
        # Another parent's pot is unknown here, as a pot that does not exist.
        if not pots_of(self.request.user).filter(pk=pot_id).exists():
            raise Http404
        return movements_of(self.request.user, pot_ids=[pot_id])

    @extend_schema(
        summary=_("Voir les mouvements du porte-monnaie"),
        description=_(
            "Du plus récent au plus ancien : rechargements, paiements, remboursements "
            "d'annulations et ajustements, avec le porte-monnaie concerné, le montant signé, le "
            "motif et qui a agi (« Vous », l'agent qui a réservé ou ajusté pour vous, ou "
            "« Portail Famille »)."
        ),
        parameters=[
            OpenApiParameter(
                "pot",
                int,
                OpenApiParameter.QUERY,
                description=_("Le numéro d'un de vos porte-monnaie, pour ne voir que les siens."),
            )
        ],
        responses={
            200: MovementSerializer(many=True),
            400: OpenApiResponse(description=_("Paramètre pot invalide.")),
            404: OpenApiResponse(description=_("Aucun de vos porte-monnaie n'a ce numéro.")),
        },
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        movements = hydrate_movements(page)
        return self.get_paginated_response(self.get_serializer(movements, many=True).data)


urlpatterns = [
    path("", WalletView.as_view(), name="wallet"),
    path("movements/", MovementListView.as_view(), name="movements"),
]
