"""Shapes of /api/receipts/: one paid régie share of an order and where its PDF is. Amounts are
strings with two decimals ("12.00"); `amount_display` is ready to show ("12,00 €")."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from wallet.money import euros


class ReceiptRegieSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    commune = serializers.CharField(
        source="commune.name", allow_null=True, default=None, help_text=_("Null : la plateforme.")
    )


class ReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_("Le numéro de la quittance : CAN-2026-000012."))
    regie = ReceiptRegieSerializer()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount_display = serializers.SerializerMethodField(help_text=_("« 12,00 € »"))
    wallet_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    card_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_at = serializers.DateTimeField()
    order_number = serializers.CharField()
    pdf = serializers.SerializerMethodField(help_text=_("L'adresse de la quittance en PDF."))

    def get_amount_display(self, share) -> str:
        return euros(share.amount)

    def get_pdf(self, share) -> str:
        path = reverse("api-receipt-pdf", kwargs={"pk": share.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
