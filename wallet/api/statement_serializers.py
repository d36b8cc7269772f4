"""Shapes of the wallet statement ("Mon porte-monnaie"): the pots with their balances, and the
history of their movements. Amounts are strings with two decimals ("15.00"); `display` fields
are ready to show, in French ("15,00 €")."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..money import euros, signed_euros
from ..selectors import pot_name
from .forecast_serializers import ForecastSerializer


class PotCommuneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("general_pot (tous services) ou service_pot."))
    name = serializers.SerializerMethodField(
        help_text=_("Le service du porte-monnaie, ou « Tous services »."),
    )
    service = serializers.IntegerField(
        source="service_id",
        allow_null=True,
        help_text=_("Le service (produit parent) d'un porte-monnaie de service ; null sinon."),
    )
    commune = PotCommuneSerializer(
        allow_null=True, help_text=_("La commune du service ; null pour « Tous services ».")
    )
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    display = serializers.SerializerMethodField(
        help_text=_("« Cantine de Saint-Marcel-en-Dombes : 15,00 € »")
    )

    def get_name(self, pot) -> str:
        return pot_name(pot)

    def get_display(self, pot) -> str:
        return f"{pot_name(pot)} : {euros(pot.balance)}"


class WalletSerializer(serializers.Serializer):
    total = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("La somme de tous les porte-monnaie.")
    )
    total_display = serializers.SerializerMethodField(help_text=_("« 40,00 € »"))
    pots = PotSerializer(many=True)
    forecast = serializers.SerializerMethodField(
        help_text=_("La prévision : le solde après les repas non payés et le panier, et sa durée.")
    )

    def get_total_display(self, statement) -> str:
        return euros(statement.total)

    @extend_schema_field(ForecastSerializer(allow_null=True))
    def get_forecast(self, statement) -> dict | None:
        forecast = self.context.get("forecast")
        return None if forecast is None else ForecastSerializer(forecast).data


class MovementPotSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()

    def get_name(self, pot) -> str:
        return pot_name(pot)


class MovementSerializer(serializers.Serializer):
    """One line of the history: what one transfer did to one of the parent's pots."""

    transfer = serializers.IntegerField(
        source="transfer.pk",
        help_text=_(
            "Le numéro du mouvement ; un paiement pris sur deux porte-monnaie donne deux lignes "
            "de même numéro."
        ),
    )
    date = serializers.DateTimeField()
    pot = MovementPotSerializer()
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=_("Positif quand le porte-monnaie est crédité, négatif quand il est débité."),
    )
    amount_display = serializers.SerializerMethodField(help_text=_("« +15,00 € », « -3,50 € »"))
    kind = serializers.CharField(source="transfer.kind")
    kind_label = serializers.CharField(source="transfer.get_kind_display")
    reason = serializers.CharField(source="transfer.reason")
    reference = serializers.CharField(source="transfer.reference")
    who = serializers.CharField(
        source="who_for_owner",
        help_text=_(
            "« Vous », l'agent de la commune qui a agi pour vous (« L'agent de Rosières »), "
            "ou « Portail Famille »."
        ),
    )
    who_role = serializers.CharField(
        source="transfer.actor_role", help_text=_("parent, agent ou system.")
    )

    def get_amount_display(self, movement) -> str:
        return signed_euros(movement.amount)


class MovementFilterSerializer(serializers.Serializer):
    pot = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("Le numéro d'un de vos porte-monnaie, pour ne voir que ses mouvements."),
        error_messages={"invalid": _("Indiquez le numéro d'un de vos porte-monnaie.")},
    )
