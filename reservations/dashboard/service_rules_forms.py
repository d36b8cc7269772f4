"""Forms of a service's rules in the agents' dashboard: its calendar and deadlines, its tariff
grid, the documents each tariff option asks for. They replace the admin's raw JSON with typed
fields, and validate with the same code the bookings use (rules.deadline_rule, the models'
constraints), so that what they save is what the admin's JSON would have been."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..models import (
    AccessRequirements,
    DeadlineKind,
    DocumentKind,
    OpeningPeriod,
    ServiceCalendar,
    TariffCategory,
    TariffGrid,
    TariffMode,
    TariffRow,
)
from ..models.calendars import DUPLICATE_TARIFF_ROW

WEEKDAYS = [
    (1, _("Lundi")),
    (2, _("Mardi")),
    (3, _("Mercredi")),
    (4, _("Jeudi")),
    (5, _("Vendredi")),
    (6, _("Samedi")),
    (7, _("Dimanche")),
]
RULES = {"booking": _("Date limite de réservation"), "cancellation": _("Date limite d'annulation")}


def _rule_fields(prefix: str, label) -> dict[str, forms.Field]:
    """A deadline rule as a kind and the typed fields of each kind (only the kind's are read)."""
    return {
        f"{prefix}_kind": forms.ChoiceField(label=label, choices=DeadlineKind.choices),
        f"{prefix}_days": forms.IntegerField(
            label=_("Nombre de jours avant"),
            min_value=0,
            max_value=366,
            required=False,
            help_text=_("Pour « N jours avant » : 2 pour J-2."),
        ),
        f"{prefix}_working_days": forms.BooleanField(
            label=_("Compter les jours ouvrés"),
            required=False,
            help_text=_("Ni samedi, ni dimanche, ni jour férié."),
        ),
        f"{prefix}_weekday": forms.TypedChoiceField(
            label=_("Jour de la semaine précédente"),
            choices=[("", "—"), *WEEKDAYS],
            coerce=int,
            empty_value=None,
            required=False,
        ),
        f"{prefix}_day": forms.IntegerField(
            label=_("Jour du mois précédent"),
            min_value=1,
            max_value=31,
            required=False,
            help_text=_("Le dernier jour du mois quand celui-ci est plus court."),
        ),
        f"{prefix}_at": forms.TimeField(
            label=_("Heure limite"),
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            help_text=_("Heure de Paris, par exemple 10:00."),
        ),
    }


# The typed field each kind needs, and the message when it is empty.
NEEDED = {
    rules.DAYS_BEFORE: ("days", _("Indiquez le nombre de jours avant le repas.")),
    rules.WEEKDAY_OF_PREVIOUS_WEEK: ("weekday", _("Choisissez le jour de la semaine précédente.")),
    rules.DAY_OF_PREVIOUS_MONTH: ("day", _("Indiquez le jour du mois précédent (1 à 31).")),
}


class CalendarRulesForm(forms.ModelForm):
    """A service's calendar: open weekdays as checkboxes, school holidays, capacity, and its
    booking and cancellation deadlines as typed fields instead of JSON."""

    open_weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours d'ouverture"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Cochez au moins un jour d'ouverture.")},
    )

    class Meta:
        model = ServiceCalendar
        fields = ["open_weekdays", "closed_during_school_holidays", "school_zone", "daily_capacity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["daily_capacity"].min_value = 1
        self.fields["daily_capacity"].widget.attrs["min"] = 1
        for prefix, label in RULES.items():
            self.fields.update(_rule_fields(prefix, label))
            # Also when bound: has_changed() compares with it (the admin's log says what changed).
            try:
                rule = getattr(self.instance, f"{prefix}_rule")
            except ValidationError:  # a rule mistyped in the admin: the agent types it again
                continue
            self.initial.update(
                {f"{prefix}_kind": rule.kind, f"{prefix}_at": rule.at}
                | {
                    f"{prefix}_{name}": value
                    for name, value in rules.deadline_rule_params(rule).items()
                    if name != "at"
                }
            )

    def rule_fieldsets(self):
        """(legend, [(bound field, the kind it belongs to or "" for all)]) of each rule, for the
        template: a script shows only the fields of the kind chosen."""
        kinds = {name: kind for kind, (name, _message) in NEEDED.items()}
        kinds["working_days"] = rules.DAYS_BEFORE
        return [
            (
                label,
                [
                    (self[name], kinds.get(name.removeprefix(f"{prefix}_"), ""))
                    for name in self.fields
                    if name.startswith(f"{prefix}_")
                ],
            )
            for prefix, label in RULES.items()
        ]

    def calendar_fields(self):
        """The calendar's fields but the weekdays, which the template shows as checkboxes."""
        return [self[name] for name in self.Meta.fields if name != "open_weekdays"]

    def clean_daily_capacity(self):
        capacity = self.cleaned_data.get("daily_capacity")
        if capacity is not None and capacity < 1:
            raise ValidationError(_("Indiquez au moins une place, ou laissez vide : sans limite."))
        return capacity

    def clean(self):
        data = super().clean()
        for prefix in RULES:
            kind = data.get(f"{prefix}_kind")
            at = data.get(f"{prefix}_at")
            if kind not in NEEDED or at is None:
                continue
            name, message = NEEDED[kind]
            value = data.get(f"{prefix}_{name}")
            if value is None:
                self.add_error(f"{prefix}_{name}", message)
                continue
            params = {"at": at.strftime("%H:%M"), name: value}
            if kind == rules.DAYS_BEFORE:
                params["working_days"] = bool(data.get(f"{prefix}_working_days"))
            try:
                rule = rules.deadline_rule(kind, params)  # the rule the bookings will read
            except ValidationError as error:
                self.add_error(f"{prefix}_kind", error)
                continue
            setattr(self.instance, f"{prefix}_rule_kind", kind)
            setattr(self.instance, f"{prefix}_rule_params", rules.deadline_rule_params(rule))
        return data


class OpeningPeriodForm(forms.ModelForm):
    class Meta:
        model = OpeningPeriod
        fields = ["start", "end", "label"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _checked_here(self.instance)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error(
                "end", _("La fin de la période doit être le même jour ou après son début.")
            )
        return data


OpeningPeriodFormSet = inlineformset_factory(
    ServiceCalendar, OpeningPeriod, form=OpeningPeriodForm, extra=1, can_delete=True
)


def _checked_here(instance):
    """The form checks the model's constraints itself, in French (Django's default message is
    "Constraint … is violated."); the database still enforces them."""
    instance.validate_constraints = lambda exclude=None: None


ATTENDANCE_PERCENTS = [
    "present_percent",
    "absent_percent",
    "absent_justified_percent",
    "present_unbooked_percent",
]


class TariffGridForm(forms.ModelForm):
    """The grid's mode; in effort-rate mode its rate, floor and ceiling; and what each
    attendance state costs, in percent of the day's price (reservations/attendance_pricing.py)."""

    class Meta:
        model = TariffGrid
        fields = ["mode", "effort_rate", "floor", "ceiling", *ATTENDANCE_PERCENTS]

    def mode_fields(self):
        return [self[name] for name in self.fields if name not in ATTENDANCE_PERCENTS]

    def attendance_fields(self):
        return [self[name] for name in ATTENDANCE_PERCENTS]

    def clean(self):
        data = super().clean()
        rate, floor, ceiling = data.get("effort_rate"), data.get("floor"), data.get("ceiling")
        if data.get("mode") == TariffMode.EFFORT_RATE and not rate:
            self.add_error(
                "effort_rate", _("Indiquez le taux d'effort, en pourcentage du quotient familial.")
            )
        if rate is not None and rate <= 0:
            self.add_error("effort_rate", _("Le taux d'effort doit être supérieur à zéro."))
        if floor is not None and floor < 0:
            self.add_error("floor", _("Le prix plancher ne peut pas être négatif."))
        if floor is not None and ceiling is not None and ceiling < floor:
            self.add_error("ceiling", _("Le prix plafond doit être au moins égal au plancher."))
        for name in ATTENDANCE_PERCENTS:
            if data.get(name) is None:
                # Left empty (or a form from before these fields): the grid keeps its value.
                data[name] = getattr(self.instance, name)
            elif data[name] < 0:
                self.add_error(name, _("Un pourcentage ne peut pas être négatif."))
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _checked_here(self.instance)
        for name in ATTENDANCE_PERCENTS:
            self.fields[name].required = False


class TariffRowForm(forms.ModelForm):
    class Meta:
        model = TariffRow
        fields = [
            "category",
            "residence",
            "family_quotient_min",
            "family_quotient_max",
            "sibling_rank",
            "unit_price",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _checked_here(self.instance)
        # A new row is a child's unless said otherwise: no blank choice to pick first.
        self.fields["category"].choices = TariffCategory.choices
        self.fields["category"].initial = TariffCategory.CHILD

    def clean(self):
        data = super().clean()
        low, high = data.get("family_quotient_min"), data.get("family_quotient_max")
        if low is not None and low < 0:
            self.add_error("family_quotient_min", _("Un quotient familial n'est pas négatif."))
        if low is not None and high is not None and high <= low:
            self.add_error(
                "family_quotient_max",
                _("Le QF « inférieur à » doit être plus grand que le QF « à partir de »."),
            )
        price = data.get("unit_price")
        if price is not None and price < 0:
            self.add_error("unit_price", _("Le prix ne peut pas être négatif."))
        return data


def _overlap(a, b) -> bool:
    low_a, high_a = a
    low_b, high_b = b
    return (high_a is None or low_b is None or low_b < high_a) and (
        high_b is None or low_a is None or low_a < high_b
    )


class BaseTariffRowFormSet(BaseInlineFormSet):
    """Refuses two rows of the same category, residence and sibling rank whose brackets overlap
    (a quotient would have two prices), in French, naming the rows."""

    def clean(self):
        super().clean()
        kept = []
        for number, form in enumerate(self.forms, start=1):
            data = getattr(form, "cleaned_data", None)
            if not data or (self.can_delete and self._should_delete_form(form)):
                continue
            if not form.has_changed() and not form.instance.pk:
                continue
            key = (data.get("category"), data.get("residence"), data.get("sibling_rank"))
            bracket = (data.get("family_quotient_min"), data.get("family_quotient_max"))
            for other_number, other_key, other_bracket in kept:
                if key == other_key and _overlap(bracket, other_bracket):
                    raise ValidationError(
                        _(
                            "Les lignes %(first)d et %(second)d se chevauchent : même catégorie, "
                            "même résidence, même rang et des tranches de QF communes. "
                            "Corrigez les bornes pour qu'un QF n'ait qu'un prix."
                        )
                        % {"first": other_number, "second": number},
                        code="overlap",
                    )
            kept.append((number, key, bracket))


TariffRowFormSet = inlineformset_factory(
    TariffGrid,
    TariffRow,
    form=TariffRowForm,
    formset=BaseTariffRowFormSet,
    extra=2,
    can_delete=True,
)
DUPLICATE_MESSAGE = DUPLICATE_TARIFF_ROW  # what a save refused by the database shows


class RequirementsForm(forms.ModelForm):
    """The documents a tariff option asks of the parent, as checkboxes."""

    required_documents = forms.MultipleChoiceField(
        label=_("Pièces justificatives demandées"),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )

    class Meta:
        model = AccessRequirements
        fields = ["required_documents", "requires_tax_figures"]
        labels = {"requires_tax_figures": _("Revenus fiscaux demandés (calcul du QF)")}
