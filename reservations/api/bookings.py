"""/api/reservations/: the family's bookings ("Mes réservations") and their cancellation.

Mounted by `path("reservations/", include("reservations.api.bookings"))` under /api/."""

from decimal import Decimal

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import ActorRole

from ..bookings import cancel_bookings, cancellation_deadlines
from ..exceptions import CancellationRefused
from ..models import Booking
from ..selectors import bookings_of, filter_bookings
from .booking_serializers import (
    BulkCancellationSerializer,
    CancellationRefusedSerializer,
    CancelledBookingsSerializer,
    ParentBookingSerializer,
)

REFUSED = OpenApiResponse(
    CancellationRefusedSerializer,
    description=_(
        "Annulation refusée, rien n'a changé : date limite d'annulation passée (« La date "
        "limite d'annulation était le 12/01 à 10:00. »), réservation pas encore payée ou déjà "
        "annulée. Un message par réservation dans `errors`."
    ),
)
NOT_FOUND = OpenApiResponse(description=_("Aucune réservation de ce numéro dans votre famille."))


def serialized(bookings, request, now):
    bookings = list(bookings)
    context = {"request": request, "now": now, "deadlines": cancellation_deadlines(bookings)}
    return ParentBookingSerializer(bookings, many=True, context=context).data


@extend_schema(tags=["reservations"])
class BookingList(generics.ListAPIView):
    """The family's bookings, by date."""

    serializer_class = ParentBookingSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Booking.objects.none()
        bookings, errors = filter_bookings(
            bookings_of(self.request.user), self.request.query_params
        )
        if errors:
            raise serializers.ValidationError(errors)
        return bookings

    @extend_schema(
        operation_id="reservations_list",
        summary=_("Mes réservations"),
        description=_(
            "Les réservations de la famille, par date, avec leur prix et son détail, la date "
            "limite d'annulation et `can_cancel`. Filtres : `beneficiary`, `month` (AAAA-MM), "
            "`status`."
        ),
        parameters=[
            OpenApiParameter("beneficiary", OpenApiTypes.INT, description=_("Un bénéficiaire.")),
            OpenApiParameter("month", OpenApiTypes.STR, description=_("Un mois : AAAA-MM.")),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                description=_("pending_payment, confirmed ou cancelled."),
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(serialized(page, request, timezone.now()))


class CancelView(APIView):
    permission_classes = [IsAuthenticated]

    def cancel(self, request, ids):
        found = list(bookings_of(request.user).filter(pk__in=ids))
        missing = sorted(set(ids) - {booking.pk for booking in found})
        if missing:
            raise NotFound(
                _("Aucune réservation n° %(ids)s dans votre famille.")
                % {"ids": ", ".join(map(str, missing))}
            )
        now = timezone.now()
        try:
            cancelled = cancel_bookings(found, by=request.user, role=ActorRole.PARENT, now=now)
        except CancellationRefused as error:
            return None, Response(
                {"detail": error.detail, "errors": error.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return cancelled, None


@extend_schema(tags=["reservations"])
class BookingCancel(CancelView):
    @extend_schema(
        operation_id="reservations_cancel",
        summary=_("Annuler une réservation"),
        description=_(
            "Avant la date limite d'annulation : la réservation est annulée et son prix est "
            "crédité sur le porte-monnaie du service, quel que soit le moyen de paiement."
        ),
        request=None,
        responses={200: ParentBookingSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request, pk):
        cancelled, refused = self.cancel(request, [pk])
        if refused:
            return refused
        return Response(serialized(cancelled, request, timezone.now())[0])


@extend_schema(tags=["reservations"])
class BookingBulkCancel(CancelView):
    @extend_schema(
        operation_id="reservations_cancel_many",
        summary=_("Annuler plusieurs réservations"),
        description=_(
            "Toutes ou aucune : si l'une ne peut pas être annulée, rien ne change. Chaque prix "
            "est crédité sur le porte-monnaie de son service."
        ),
        request=BulkCancellationSerializer,
        responses={200: CancelledBookingsSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request):
        payload = BulkCancellationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(payload.validated_data["bookings"]))
        cancelled, refused = self.cancel(request, ids)
        if refused:
            return refused
        refunded = sum((booking.unit_price for booking in cancelled), Decimal("0.00"))
        return Response(
            {
                "bookings": serialized(cancelled, request, timezone.now()),
                "refunded": f"{refunded:.2f}",
            }
        )


urlpatterns = [
    path("", BookingList.as_view(), name="booking-list"),
    path("<int:pk>/cancel/", BookingCancel.as_view(), name="booking-cancel"),
    path("cancel/", BookingBulkCancel.as_view(), name="booking-bulk-cancel"),
]
