"""The forecast of /api/wallet/ (wallet/forecast.py): the balance after the unpaid meals and the
basket, and until when it lasts at the family's pace."""

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..money import euros


class ForecastSerializer(serializers.Serializer):
    balance = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Ce que contiennent les porte-monnaie.")
    )
    unpaid = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Repas réservés en attente de paiement.")
    )
    basket = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Repas dans le panier.")
    )
    after = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=_(
            "Le solde une fois les repas non payés et le panier payés (peut être négatif)."
        ),
    )
    status = serializers.ChoiceField(
        choices=["no_habit", "short", "until", "beyond"],
        help_text=_(
            "no_habit : aucune réservation ces 4 dernières semaines ; short : le solde ne couvre "
            "pas les repas non payés et le panier ; until : assez jusqu'à enough_until ; beyond : "
            "plus d'un an."
        ),
    )
    enough_until = serializers.DateField(allow_null=True)
    display = serializers.SerializerMethodField(help_text=_("« assez jusqu'au 14 janvier 2027 »"))

    def get_display(self, forecast) -> str:
        if forecast.status == "until":
            return _("assez jusqu'au %(date)s") % {
                "date": date_format(forecast.enough_until, "j F Y")
            }
        if forecast.status == "short":
            return _("il manque %(amount)s") % {"amount": euros(forecast.missing)}
        if forecast.status == "beyond":
            return str(_("assez pour plus d'un an"))
        return ""
