"""POST /api/checkout/: the basket placed as an order and paid with the porte-monnaie, a card,
or both, by shop.checkout (the same use case as the parent's checkout page and the agent's
booking screen). This view reads the input, calls it and shapes the answer; the card gateway is
asked after the checkout has committed, never under a row lock."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.core.loading import get_model
from oscarapi.signals import oscarapi_post_checkout
from oscarapi.views import checkout as oscarapi_checkout
from rest_framework import generics, status
from rest_framework.response import Response

from accounts.permissions import IsValidatedAccount
from reservations.exceptions import BookingRefused
from shop.api.serializers.checkout import (
    CheckoutRefusedSerializer,
    CheckoutSerializer,
    CheckoutUnavailableSerializer,
    PlacedOrderSerializer,
)
from shop.checkout import checkout
from shop.payment import processing
from shop.payment.exceptions import BasketNotFound, CheckoutRefused, WalletShortfall
from wallet.payments import GatewayUnavailableError

from .owned import OwnedReadOnly

__all__ = [
    "CheckoutView",
    "OrderDetail",
    "OrderLineList",
    "OrderLineDetail",
    "OrderLineAttributeDetail",
]

Order = get_model("order", "Order")


class CheckoutView(oscarapi_checkout.CheckoutView):
    permission_classes = (IsValidatedAccount,)
    serializer_class = CheckoutSerializer
    order_serializer_class = PlacedOrderSerializer

    @extend_schema(
        summary="Payer le panier",
        description=(
            "Passe la commande du panier et la paie. `payment_method` : `wallet` (le "
            "porte-monnaie de chaque service d'abord, puis le porte-monnaie tous services ; s'il "
            "manque de l'argent, refus avec `missing` et rien ne change), `card` (la commande "
            "attend le paiement par carte, à confirmer dans le navigateur avec `payment.card`) "
            "ou `wallet+card` (le porte-monnaie paie ce qu'il peut, la carte le reste). Aucune "
            "adresse de livraison : les services ne sont pas livrés. Un `total` différent de "
            "celui du panier est refusé. La même demande renvoyée (double clic) répond avec la "
            "commande déjà passée pour ce panier, payée une seule fois."
        ),
        request=CheckoutSerializer,
        responses={
            200: PlacedOrderSerializer,
            400: OpenApiResponse(
                CheckoutRefusedSerializer,
                description=(
                    "Paiement refusé (porte-monnaie insuffisant : `missing`), ou demande "
                    "invalide ({champ: [messages]}). Rien n'a changé."
                ),
            ),
            403: OpenApiResponse(
                description="Non connecté, ou compte en attente de validation par la mairie."
            ),
            404: OpenApiResponse(description="Aucun panier de ce numéro à votre nom."),
            503: OpenApiResponse(
                CheckoutUnavailableSerializer,
                description=(
                    "La commande est passée mais le prestataire de paiement ne répond pas : "
                    "renvoyer la même demande pour obtenir le paiement par carte."
                ),
            ),
        },
    )
    def post(self, request, format=None, *args, **kwargs):
        asked = self.serializer_class(data=request.data, context={"request": request})
        asked.is_valid(raise_exception=True)
        try:
            result = checkout(
                asked.validated_data["basket"],
                payer=request.user,
                payment_method=asked.validated_data["payment_method"],
                expected_total=asked.validated_data.get("total"),
            )
        except BasketNotFound as error:
            raise Http404 from error
        except CheckoutRefused as error:
            return Response({error.field: [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        except UnableToTakePayment as error:
            body = {"detail": str(error)}
            if isinstance(error, WalletShortfall):
                body["missing"] = f"{error.missing:.2f}"
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        except BookingRefused as error:
            # Raised on `order_placed` (reservations/receivers.py): the transaction rolled back,
            # so no order, no debit, and the basket is still open.
            return Response(
                {"detail": error.detail, "errors": error.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return self._answer(request, result)

    def _answer(self, request, result):
        """The order and how it is paid; for a card part, what the browser needs to pay it."""
        order, outcome = result.order, result.outcome
        steps = []
        try:
            for step in outcome.steps:
                steps.append(
                    {
                        "number": step.number,
                        "of": step.of,
                        "label": step.label,
                        "regies": [share.regie.name for share in step.shares],
                        "amount": step.amount,
                        "card": processing.card_details(step.card_payment),
                    }
                )
        except GatewayUnavailableError as error:
            return Response(
                {"detail": str(error), "number": str(order.number)},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        payment = {
            "method": outcome.method,
            "wallet_amount": outcome.wallet_amount,
            "card_amount": outcome.card_amount,
            "card": steps[0]["card"] if steps else None,
            "steps": steps,
        }
        data = self.order_serializer_class(
            order, context={"request": request, "payment": payment}
        ).data
        response = Response(data)
        if result.placed_now:
            oscarapi_post_checkout.send(
                sender=self, order=order, user=request.user, request=request, response=response
            )
        return response


# Orders are read by their owner only: another parent's order is a 404, as a missing one
# (oscar-api answers 403 for an order, and an empty list or a 500 for its lines).


class OrderDetail(OwnedReadOnly, oscarapi_checkout.OrderDetail):
    def get_queryset(self):
        return super().get_queryset().filter(user=self.request.user)


class OrderLineList(OwnedReadOnly, oscarapi_checkout.OrderLineList):
    def get_queryset(self):
        order = generics.get_object_or_404(
            Order.objects.filter(user=self.request.user), pk=self.kwargs["pk"]
        )
        return order.lines.all()


class OrderLineDetail(OwnedReadOnly, oscarapi_checkout.OrderLineDetail):
    pass


class OrderLineAttributeDetail(OwnedReadOnly, oscarapi_checkout.OrderLineAttributeDetail):
    def get_queryset(self):
        return super().get_queryset().filter(line__order__user=self.request.user)

    def get_serializer(self, *args, **kwargs):
        # The fields the order line shows: oscar-api's `line` links a route it does not have
        # (`line-detail`), so its own answer was a 500.
        return super().get_serializer(*args, fields=("url", "option", "type", "value"), **kwargs)
