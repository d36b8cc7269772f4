"""Forms of "Réserver sur une période": the pattern asked for (GET: service, children, weekdays,
frequency, from, until) and the meals of its preview the parent accepts (POST). They parse and
check shapes; the period's limits and every booking rule are reservations.recurring's."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reservations.meals import FIRST_MEAL_DATE, LAST_MEAL_DATE
from reservations.recurrence import EVEN_WEEKS, EVERY_OTHER_WEEK, EVERY_WEEK, MONTH, ODD_WEEKS, WEEK

from .base import AccessibleFormMixin
from .planning import MealsField

WEEKDAYS = (
    (1, _("Lundi")),
    (2, _("Mardi")),
    (3, _("Mercredi")),
    (4, _("Jeudi")),
    (5, _("Vendredi")),
    (6, _("Samedi")),
    (7, _("Dimanche")),
)
FREQUENCIES = (
    (EVERY_WEEK, _("Toutes les semaines")),
    (EVERY_OTHER_WEEK, _("Une semaine sur deux, à partir de la première")),
    (EVEN_WEEKS, _("Les semaines paires")),
    (ODD_WEEKS, _("Les semaines impaires")),
)
REPEATS = ((WEEK, _("la semaine dernière")), (MONTH, _("le mois dernier")))


def _within_meal_dates(value):
    if value is not None and not FIRST_MEAL_DATE <= value <= LAST_MEAL_DATE:
        raise ValidationError(_("Choisissez une date plus proche."), code="far")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class PatternForm(AccessibleFormMixin, forms.Form):
    """The pattern: which service, which children, which weekdays, how often, from when until
    when. "Répéter la semaine dernière / le mois dernier" sends `repeter` instead of the days."""

    service = forms.TypedChoiceField(label=_("Service"), coerce=int)
    enfant = forms.TypedMultipleChoiceField(
        label=_("Enfants"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un enfant.")},
    )
    jour = forms.TypedMultipleChoiceField(
        label=_("Jours de la semaine"),
        coerce=int,
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    frequence = forms.ChoiceField(
        label=_("Fréquence"),
        choices=FREQUENCIES,
        initial=EVERY_WEEK,
        required=False,
        widget=forms.RadioSelect,
    )
    du = forms.DateField(
        label=_("À partir du"), required=False, widget=DateInput(), validators=[_within_meal_dates]
    )
    au = forms.DateField(
        label=_("Jusqu'au"), required=False, widget=DateInput(), validators=[_within_meal_dates]
    )
    repeter = forms.ChoiceField(choices=REPEATS, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, services=(), children=(), weekdays=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = list(services)
        self.fields["enfant"].choices = list(children)
        if weekdays is not None:
            # The service's open days, and any day asked for (another service's).
            self.fields["jour"].choices = [(n, label) for n, label in WEEKDAYS if n in weekdays]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("repeter") and not data.get("jour"):
            self.add_error("jour", _("Cochez au moins un jour de la semaine."))
        data["frequence"] = data.get("frequence") or EVERY_WEEK
        return data


class AcceptPreviewForm(AccessibleFormMixin, forms.Form):
    """The meals of a preview the parent accepts, the basket's total they saw with them, and
    whether to pay it from the porte-monnaie at once."""

    service = forms.IntegerField(widget=forms.HiddenInput)
    repas = MealsField()
    total = forms.DecimalField(widget=forms.HiddenInput, max_digits=12, decimal_places=2)
    payer = forms.BooleanField(required=False, widget=forms.HiddenInput)
    apercu = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)
