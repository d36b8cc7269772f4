"""Shapes of the parent's bookings API (reservations/api/bookings.py)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..bookings import can_cancel
from ..models import Booking


class BookedBeneficiarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class BookedServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class BookedCommuneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ParentBookingSerializer(serializers.ModelSerializer):
    """A booking as the parent sees it. The view passes each booking's cancellation deadline
    and the clock in the context (`deadlines`, `now`): no query per booking."""

    beneficiary = BookedBeneficiarySerializer()
    service = BookedServiceSerializer()
    commune = BookedCommuneSerializer()
    # Plain strings: an enum here would clash with other BookingStatus-like components.
    status = serializers.CharField(
        help_text="pending_payment (en attente du paiement), confirmed (réservée) or cancelled."
    )
    status_label = serializers.CharField(source="get_status_display", help_text="In French.")
    unit_price = serializers.DecimalField(max_digits=8, decimal_places=2)
    price_explanation = serializers.JSONField(
        help_text="Why this price: unit_price, bracket_label, rank, residence, explanation_fr."
    )
    cancellation_deadline = serializers.SerializerMethodField(
        help_text="Until when the parent may cancel (ISO 8601); null: no deadline."
    )
    can_cancel = serializers.SerializerMethodField(
        help_text="Paid and before the cancellation deadline."
    )

    class Meta:
        model = Booking
        fields = (
            "id",
            "beneficiary",
            "service",
            "commune",
            "date",
            "status",
            "status_label",
            "unit_price",
            "price_explanation",
            "order_number",
            "cancellation_deadline",
            "can_cancel",
            "created_at",
            "confirmed_at",
            "cancelled_at",
        )
        read_only_fields = fields

    def _deadline(self, booking):
        return self.context["deadlines"].get(booking.pk)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_cancellation_deadline(self, booking):
        deadline = self._deadline(booking)
        return None if deadline is None else serializers.DateTimeField().to_representation(deadline)

    def get_can_cancel(self, booking) -> bool:
        return can_cancel(booking, self._deadline(booking), self.context["now"])


class BulkCancellationSerializer(serializers.Serializer):
    bookings = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=500,
        help_text="Ids of the bookings to cancel: all of them, or none.",
        error_messages={
            "empty": _("Choisissez au moins une réservation à annuler."),
            "min_length": _("Choisissez au moins une réservation à annuler."),
        },
    )


class CancelledBookingsSerializer(serializers.Serializer):
    bookings = ParentBookingSerializer(many=True)
    refunded = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text="Credited to the services' wallet pots."
    )


class CancellationErrorSerializer(serializers.Serializer):
    booking = serializers.IntegerField()
    message = serializers.CharField()


class CancellationRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = CancellationErrorSerializer(many=True)
