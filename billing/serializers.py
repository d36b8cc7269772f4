"""Shapes of /api/invoices/. Amounts are strings in euros ("3.30")."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Invoice, InvoiceLine, InvoicePayment, PaymentMethod, SepaMandate

MONEY = {"max_digits": 12, "decimal_places": 2, "read_only": True}


# An enum in the schema; the invoice's status is a plain string (spectacular would name its
# enum after "status", which other endpoints' enums of other values are named after).
@extend_schema_field({"type": "string", "enum": list(PaymentMethod.values)})
class InvoicePaymentMethodField(serializers.CharField):
    pass


class InvoiceLineSerializer(serializers.ModelSerializer):
    beneficiary = serializers.CharField(source="beneficiary.first_name")
    service = serializers.CharField(source="service.title")
    state_label = serializers.SerializerMethodField()

    class Meta:
        model = InvoiceLine
        fields = ["date", "beneficiary", "service", "state", "state_label", "base_price"]
        fields += ["amount", "explanation"]

    def get_state_label(self, line) -> str:
        from reservations.attendance_pricing import STATE_LABELS

        return str(STATE_LABELS.get(line.state, line.state))


class InvoicePaymentSerializer(serializers.ModelSerializer):
    method = InvoicePaymentMethodField(read_only=True)
    method_label = serializers.CharField(source="get_method_display")

    class Meta:
        model = InvoicePayment
        fields = ["method", "method_label", "amount", "created_at", "rejected_at"]


class InvoiceSerializer(serializers.ModelSerializer):
    regie = serializers.CharField(source="regie.name")
    status = serializers.CharField(
        read_only=True,
        help_text=_("issued : à payer ; partly_paid : payée en partie ; paid : payée."),
    )
    status_label = serializers.CharField(source="get_status_display")
    balance_due = serializers.DecimalField(**MONEY)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = ["id", "number", "regie", "period", "status", "status_label", "total"]
        fields += ["paid_amount", "balance_due", "issued_at", "due_date", "pdf_url"]

    def get_pdf_url(self, invoice) -> str:
        return f"/api/invoices/{invoice.pk}/pdf/"


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = InvoicePaymentSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines", "payments"]


class PayRequestSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=[("wallet", _("Porte-monnaie")), ("card", _("Carte bancaire ou PayFiP"))],
        help_text=_("wallet : payé tout de suite ; card : paiement en ligne auprès de la régie."),
    )


class CardStepSerializer(serializers.Serializer):
    """Read from billing.payments.InvoiceCardPayment."""

    payment_id = serializers.IntegerField(source="payment.pk")
    amount = serializers.DecimalField(source="payment.amount", max_digits=12, decimal_places=2)
    status = serializers.CharField(source="payment.status")
    is_test = serializers.BooleanField()
    client_secret = serializers.CharField(allow_null=True)
    publishable_key = serializers.CharField(allow_null=True)
    redirect_url = serializers.CharField(allow_null=True)


class ConfirmRequestSerializer(serializers.Serializer):
    payment_id = serializers.IntegerField()


class MandateSerializer(serializers.ModelSerializer):
    regie = serializers.CharField(source="regie.name", read_only=True)
    iban = serializers.CharField(source="masked_iban", read_only=True)

    class Meta:
        model = SepaMandate
        fields = ["id", "regie", "holder", "iban", "bic", "rum", "signed_on", "sequence_type"]
        read_only_fields = fields


class MandateRequestSerializer(serializers.Serializer):
    regie = serializers.IntegerField(help_text=_("La régie qui prélèvera (celle d'une facture)."))
    holder = serializers.CharField(max_length=70)
    iban = serializers.CharField(max_length=42)
    bic = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")
