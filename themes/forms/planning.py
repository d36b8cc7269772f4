"""Forms of the booking pages: which month to show, the meals ticked in it, the basket lines to
remove and the payment method. They only parse and check shapes; every rule is the services'."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reservations.meals import FIRST_MEAL_DATE, LAST_MEAL_DATE
from shop.payment.constants import PaymentMethod

from .base import AccessibleFormMixin


def parse_month(value: str) -> date:
    """ "2026-12" → 1 December 2026; ValueError otherwise."""
    if not isinstance(value, str) or len(value) != 7:
        raise ValueError(value)
    return date.fromisoformat(f"{value}-01")


class MonthField(forms.CharField):
    """A month as YYYY-MM, cleaned to its first day."""

    default_error_messages = {"invalid": _("Indiquez un mois au format AAAA-MM.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_month(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class IdsField(forms.Field):
    """Repeated integer ids (?enfant=1&enfant=2): whose they are is the service's business."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Identifiant invalide.")}

    def to_python(self, value):
        if not value:
            return []
        try:
            return list(dict.fromkeys(int(item) for item in value))
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class MealsField(forms.Field):
    """Ticked days of the calendar: "<beneficiary id>:<YYYY-MM-DD>" each, cleaned to pairs."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Jour invalide : rechargez le calendrier.")}

    def to_python(self, value):
        meals = []
        for item in value or ():
            beneficiary, _sep, day = str(item).partition(":")
            try:
                meal = (int(beneficiary), date.fromisoformat(day))
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
            # No calendar opens so far away; its deadline would overflow the date type.
            if not FIRST_MEAL_DATE <= meal[1] <= LAST_MEAL_DATE:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            meals.append(meal)
        return list(dict.fromkeys(meals))


class CalendarForm(AccessibleFormMixin, forms.Form):
    """The calendar shown (GET): a service among the family's, a month, some children."""

    service = forms.TypedChoiceField(
        label=_("Service"), coerce=int, required=False, empty_value=None
    )
    mois = MonthField(
        label=_("Mois"),
        required=False,
        help_text=_("Au format AAAA-MM, par exemple 2026-12."),
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    enfant = IdsField(label=_("Enfants"), required=False)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [(pk, title) for pk, title in services]


class AddMealsForm(AccessibleFormMixin, forms.Form):
    """The calendar's booking form (POST): the days ticked, or a whole week or month at once
    (the buttons "Toute la semaine" / "Tout le mois", which work without JavaScript)."""

    service = forms.IntegerField(widget=forms.HiddenInput)
    mois = MonthField(widget=forms.HiddenInput)
    enfant = IdsField(required=False)
    repas = MealsField(required=False)
    semaine = forms.DateField(required=False, widget=forms.HiddenInput)
    mois_entier = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("repas") and not data.get("semaine") and not data.get("mois_entier"):
            raise ValidationError(
                _("Cochez au moins un jour à réserver, puis « Ajouter au panier »."),
                code="empty",
            )
        if (data.get("semaine") or data.get("mois_entier")) and not data.get("enfant"):
            raise ValidationError(_("Choisissez au moins un enfant."), code="no_child")
        return data


class RemoveLinesForm(AccessibleFormMixin, forms.Form):
    """Basket lines to remove: those ticked, or the one whose "Retirer" button was pressed."""

    ligne = IdsField(required=False)
    retirer = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        lines = [data["retirer"]] if data.get("retirer") else data.get("ligne") or []
        if not lines:
            raise ValidationError(_("Cochez au moins un repas à retirer."), code="empty")
        data["lines"] = lines
        return data


class CheckoutForm(AccessibleFormMixin, forms.Form):
    """How to pay the basket shown: its number and total travel with the form so that a basket
    changed meanwhile (another tab) is refused rather than paid unseen."""

    payment_method = forms.ChoiceField(
        label=_("Moyen de paiement"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un moyen de paiement.")},
    )
    basket = forms.IntegerField(widget=forms.HiddenInput)
    total = forms.DecimalField(widget=forms.HiddenInput, max_digits=12, decimal_places=2)
