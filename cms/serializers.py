"""Shapes of the API fields that are not plain columns (see `api_fields` on the page models)."""

from rest_framework import serializers


class PartnerSerializer(serializers.Serializer):
    """The commune (Oscar partner) of a commune page: what /api/services/ calls it."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ServiceProductSerializer(serializers.Serializer):
    """The catalogue service of a service page: its id in /api/services/."""

    id = serializers.IntegerField()
    title = serializers.CharField()


class TariffOptionFactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class ServiceFactsSerializer(serializers.Serializer):
    options = TariffOptionFactSerializer(many=True)
    # Shaped by the Reservations issue (reservations/rules.py); None until then.
    booking_deadline = serializers.ReadOnlyField()
    cancellation_deadline = serializers.ReadOnlyField()
