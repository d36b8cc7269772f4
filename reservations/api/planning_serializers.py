"""Shapes of the booking screens' API: meals to add to or remove from the basket, the basket
summary and the month calendar. States are plain strings (documented in help_text) so that
drf-spectacular does not name an enum that could clash with another."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..meals import FIRST_MEAL_DATE, LAST_MEAL_DATE, MAX_MEALS, dates_between, meal_dates_message
from ..month import DAY_STATES


def within_meal_dates(day: date) -> None:
    if not FIRST_MEAL_DATE <= day <= LAST_MEAL_DATE:
        raise serializers.ValidationError(meal_dates_message())


class MealDateField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(validators=[within_meal_dates], **kwargs)


class MealsSerializer(serializers.Serializer):
    """Beneficiaries × dates, or beneficiaries × a weekday pattern between two dates."""

    service = serializers.IntegerField(
        required=False, help_text=_("Le service (produit parent) ; requis pour ajouter.")
    )
    beneficiaries = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    dates = serializers.ListField(child=MealDateField(), required=False)
    # "from" is a Python keyword: the field is renamed in __init__.
    from_ = MealDateField(required=False, help_text=_("Début du motif (inclus)."))
    to = MealDateField(required=False, help_text=_("Fin du motif (incluse)."))
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        required=False,
        help_text=_("Jours ISO du motif, 1 = lundi … 7 = dimanche."),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        pattern = [attrs.get(key) for key in ("from", "to", "weekdays")]
        if attrs.get("dates") is not None:
            if any(value is not None for value in pattern):
                raise serializers.ValidationError(
                    _("Indiquez soit des dates, soit un motif (from, to, weekdays), pas les deux.")
                )
            attrs["skip_closed"] = False
        elif all(value is not None for value in pattern):
            start, end, weekdays = pattern
            if end < start:
                raise serializers.ValidationError({"to": _("La fin précède le début.")})
            if (end - start).days > 366:
                raise serializers.ValidationError({"to": _("Un an au plus à la fois.")})
            attrs["dates"] = dates_between(start, end, weekdays)
            attrs["skip_closed"] = True
        else:
            raise serializers.ValidationError(
                _("Indiquez des dates, ou un motif : from, to et weekdays.")
            )
        if len(attrs["dates"]) * len(attrs["beneficiaries"]) > MAX_MEALS:
            raise serializers.ValidationError(
                _("Pas plus de %(max)s repas par demande.") % {"max": MAX_MEALS}
            )
        return attrs


class AddMealsSerializer(MealsSerializer):
    service = serializers.IntegerField(help_text=_("Le service (produit parent)."))


class RemoveMealsSerializer(MealsSerializer):
    """Lines by id, or the beneficiaries × dates shape of the add."""

    lines = serializers.ListField(child=serializers.IntegerField(), required=False)
    beneficiaries = serializers.ListField(child=serializers.IntegerField(), required=False)

    def validate(self, attrs):
        if attrs.get("lines") is not None:
            return attrs
        if not attrs.get("beneficiaries"):
            raise serializers.ValidationError(
                _("Indiquez les lignes, ou des bénéficiaires et des dates.")
            )
        return super().validate(attrs)


class MealErrorSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField()
    date = serializers.DateField()
    error = serializers.CharField()


class MealsRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = MealErrorSerializer(many=True)


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SummaryLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    beneficiary = NamedSerializer(allow_null=True)
    service = RefSerializer()
    tariff_option = RefSerializer()
    commune = NamedSerializer(allow_null=True)
    price = serializers.DecimalField(max_digits=8, decimal_places=2)
    explanation = serializers.CharField(help_text=_("Pourquoi ce prix, en français."))


class SummaryDaySerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True)
    lines = SummaryLineSerializer(many=True)


class BasketSummarySerializer(serializers.Serializer):
    basket_id = serializers.IntegerField(allow_null=True)
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    lines_count = serializers.IntegerField()
    days = SummaryDaySerializer(many=True)


class RemovedSerializer(BasketSummarySerializer):
    removed = serializers.IntegerField()


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    state = serializers.CharField(help_text=_("Un de : %s.") % ", ".join(DAY_STATES))
    reason = serializers.CharField(help_text=_("Pourquoi le jour est fermé."))
    price = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    explanation = serializers.CharField()
    price_reason = serializers.CharField(
        help_text=_("Pourquoi ce prix, en quelques mots : « QF 600–800, 2e enfant ».")
    )
    booking_deadline = serializers.DateTimeField(allow_null=True)
    cancellation_deadline = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Deadlines as parents read them: Europe/Paris offsets, not UTC.
        for key in ("booking_deadline", "cancellation_deadline"):
            moment = getattr(instance, key)
            data[key] = moment.isoformat() if moment is not None else None
        return data


class ServiceMonthSerializer(serializers.Serializer):
    service = RefSerializer()
    tariff_option = RefSerializer()
    days = CalendarDaySerializer(many=True)


class BeneficiaryMonthSerializer(serializers.Serializer):
    beneficiary = NamedSerializer()
    services = ServiceMonthSerializer(many=True)
