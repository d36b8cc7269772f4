"""Shapes of the top-up and webhook endpoints. Amounts are strings in euros ("10.00")."""

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import CardPaymentStatus


class TopUpRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        help_text=format_lazy(
            _("Montant en euros, parmi les montants proposés : {amounts}."),
            amounts=", ".join(settings.WALLET_TOP_UP_AMOUNTS),
        ),
    )


# The status values as an enum in the schema (TopUpStatusEnum); the labels are in status_label.
@extend_schema_field({"type": "string", "enum": list(CardPaymentStatus.values)})
class CardPaymentStatusField(serializers.CharField):
    pass


class TopUpSerializer(serializers.Serializer):
    """Read from a wallet.payments.TopUp."""

    id = serializers.IntegerField(source="payment.pk")
    amount = serializers.DecimalField(source="payment.amount", max_digits=12, decimal_places=2)
    status = CardPaymentStatusField(
        source="payment.status",
        help_text=_(
            "pending : en attente du paiement ; succeeded : payé, porte-monnaie crédité ; "
            "failed : carte refusée (le paiement peut encore aboutir avec une autre carte) ; "
            "canceled : annulé."
        ),
    )
    status_label = serializers.CharField(source="payment.get_status_display")
    gateway = serializers.CharField(source="payment.gateway", help_text="stripe, offline")
    gateway_label = serializers.CharField()
    is_test = serializers.BooleanField(
        help_text=_("Vrai pour un paiement de test : aucun argent réel n'est débité.")
    )
    client_secret = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Secret du PaymentIntent, pour confirmer la carte avec Stripe.js ; donné seulement à "
            "la création, null ensuite et pour la passerelle de test."
        ),
    )
    publishable_key = serializers.CharField(
        allow_null=True, help_text=_("Clé publique Stripe pour Stripe.js ; null sinon.")
    )
    redirect_url = serializers.CharField(
        allow_null=True,
        default=None,
        help_text=_(
            "La page de paiement de la passerelle (PayFiP) où envoyer le payeur, à la création ; "
            "null sinon."
        ),
    )
    created_at = serializers.DateTimeField(source="payment.created_at")
    settled_at = serializers.DateTimeField(source="payment.settled_at", allow_null=True)


class WalletDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class WebhookAcknowledgementSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(
        help_text=_("Vrai si cet événement avait déjà été reçu : il n'est pas traité deux fois.")
    )
