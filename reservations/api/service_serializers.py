"""Shapes of the services catalogue (read-only): communes, their services, the tariff options."""

from rest_framework import serializers


class RequiredDocumentSerializer(serializers.Serializer):
    code = serializers.CharField(
        source="value", help_text="Name of the file field to send with the access request."
    )
    label = serializers.CharField()


class TariffOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="What to send as `tariff_option` of an access request.")
    title = serializers.CharField()
    price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="Unit price in euros, from the commune's stock record.",
    )
    currency = serializers.CharField()
    required_documents = RequiredDocumentSerializer(many=True)
    requires_tax_figures = serializers.BooleanField(
        help_text="The request must give the reference tax income and the number of tax shares."
    )


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    options = TariffOptionSerializer(many=True)


class CommuneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="Value of the `?commune=` filter.")
    name = serializers.CharField()


class CommuneServicesSerializer(CommuneSerializer):
    services = ServiceSerializer(many=True)


class ServiceDetailSerializer(ServiceSerializer):
    commune = CommuneSerializer()
