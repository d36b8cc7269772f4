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


class TariffRowSerializer(serializers.Serializer):
    """One price of the service's quotient grid; the bracket runs from its minimum included
    to its maximum excluded, an empty end being open."""

    category = serializers.CharField()
    category_label = serializers.CharField()
    residence = serializers.CharField()
    residence_label = serializers.CharField()
    sibling_rank = serializers.IntegerField()
    sibling_rank_label = serializers.CharField()
    family_quotient_min = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    family_quotient_max = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    bracket_label = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=8, decimal_places=2)


class TariffGridSerializer(serializers.Serializer):
    """The quotient grid of a service page (cms.tariff_grid): rows in "grid" mode; in
    "effort_rate" mode, the rate in percent of the family quotient between floor and ceiling."""

    mode = serializers.CharField()
    effort_rate = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    floor = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    ceiling = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    rows = TariffRowSerializer(many=True)
