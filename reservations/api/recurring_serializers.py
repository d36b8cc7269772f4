"""Shapes of the recurring bookings' API: a weekly pattern (or "repeat last week / month") to
preview or add, and the preview's answer: meals bookable with their price, refused with why,
days not offered because the service is closed."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..recurrence import FREQUENCIES, MONTH, WEEK
from .planning_serializers import (
    BasketSummarySerializer,
    MealDateField,
    NamedSerializer,
    RefSerializer,
)


class _AddOrPreviewSerializer(serializers.Serializer):
    service = serializers.IntegerField(help_text=_("Le service (produit parent)."))
    beneficiaries = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, max_length=50
    )
    preview = serializers.BooleanField(
        default=True,
        help_text=_("Vrai : ne rien ajouter, dire ce qui serait ajouté et ce qui est refusé."),
    )
    skip_refused = serializers.BooleanField(
        default=False,
        help_text=_(
            "Pour un ajout (preview faux) : laisser de côté les repas refusés et ajouter les "
            "autres, tout ou rien. Faux : un seul repas refusé et rien n'est ajouté."
        ),
    )


class RecurringSerializer(_AddOrPreviewSerializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        allow_empty=False,
        max_length=7,
        help_text=_("Jours ISO, 1 = lundi … 7 = dimanche."),
    )
    frequency = serializers.ChoiceField(
        choices=FREQUENCIES,
        default=FREQUENCIES[0],
        help_text=_(
            "every_week, every_other_week (une semaine sur deux à partir de celle du début), "
            "even_weeks ou odd_weeks (semaines ISO paires ou impaires)."
        ),
    )
    start = MealDateField(required=False, help_text=_("Début (inclus) ; aujourd'hui par défaut."))
    end = MealDateField(
        required=False,
        help_text=_(
            "Fin (incluse), au plus la fin de l'année scolaire ; la fin de la période scolaire "
            "par défaut."
        ),
    )


class RepeatSerializer(_AddOrPreviewSerializer):
    what = serializers.ChoiceField(
        choices=(WEEK, MONTH),
        help_text=_(
            "week : les jours réservés la semaine dernière, sur la semaine qui vient ; month : "
            "ceux du mois dernier, sur le mois qui vient."
        ),
    )


class PreviewMealSerializer(serializers.Serializer):
    beneficiary = NamedSerializer()
    date = serializers.DateField()
    price = serializers.DecimalField(max_digits=8, decimal_places=2)
    explanation = serializers.CharField(help_text=_("Pourquoi ce prix, en français."))


class RefusedMealSerializer(serializers.Serializer):
    beneficiary = NamedSerializer()
    date = serializers.DateField()
    reason = serializers.CharField(help_text=_("Pourquoi ce repas ne peut pas être réservé."))


class ClosedDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField(help_text=_("Pourquoi le service est fermé ce jour-là."))


class PatternSerializer(serializers.Serializer):
    """One child's weekly pattern."""

    beneficiary = serializers.IntegerField()
    weekdays = serializers.ListField(child=serializers.IntegerField())
    frequency = serializers.CharField()


class RecurringPreviewSerializer(serializers.Serializer):
    service = RefSerializer()
    start = serializers.DateField()
    end = serializers.DateField()
    patterns = PatternSerializer(many=True)
    bookable = PreviewMealSerializer(many=True)
    refused = RefusedMealSerializer(many=True)
    closed = ClosedDaySerializer(many=True, help_text=_("Jours non proposés : service fermé."))
    total = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text=_("Le prix des repas réservables.")
    )
    basket_total = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text=_("Le total du panier une fois ceux-ci ajoutés.")
    )


class RecurringAddedSerializer(BasketSummarySerializer):
    added = serializers.IntegerField(help_text=_("Le nombre de repas ajoutés."))
    refused = RefusedMealSerializer(many=True, help_text=_("Les repas laissés de côté."))


def preview_data(preview) -> dict:
    """A reservations.recurring.Preview as the serializers above read it."""

    def named(meal):
        return {"id": meal.beneficiary_id, "name": meal.beneficiary}

    return {
        "service": {"id": preview.service_id, "title": preview.service_title},
        "start": preview.start,
        "end": preview.end,
        "patterns": [
            {"beneficiary": pk, "weekdays": sorted(p.weekdays), "frequency": p.frequency}
            for pk, p in preview.patterns.items()
        ],
        "bookable": [
            {
                "beneficiary": named(meal),
                "date": meal.date,
                "price": meal.price,
                "explanation": meal.explanation,
            }
            for meal in preview.bookable
        ],
        "refused": refused_data(preview),
        "closed": [{"date": day.date, "reason": day.reason} for day in preview.closed],
        "total": preview.total,
        "basket_total": preview.basket_total,
    }


def refused_data(preview) -> list[dict]:
    return [
        {
            "beneficiary": {"id": meal.beneficiary_id, "name": meal.beneficiary},
            "date": meal.date,
            "reason": meal.reason,
        }
        for meal in preview.refused
    ]
