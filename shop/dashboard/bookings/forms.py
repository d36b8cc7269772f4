import re
from datetime import date, datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from reservations.meals import (
    FIRST_MEAL_DATE,
    LAST_MEAL_DATE,
    MAX_MEALS,
    dates_between,
    meal_dates_message,
)
from reservations.selectors import beneficiaries_of

WEEKDAYS = [
    (1, _("Lundi")),
    (2, _("Mardi")),
    (3, _("Mercredi")),
    (4, _("Jeudi")),
    (5, _("Vendredi")),
    (6, _("Samedi")),
    (7, _("Dimanche")),
]
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


class FamilySearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Nom ou e-mail"),
        widget=forms.TextInput(attrs={"placeholder": _("Martin, claire@…")}),
    )


class BeneficiariesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.first_name} {obj.last_name}"


class BookForFamilyForm(forms.Form):
    """Meals of one service for some of the family's beneficiaries: a list of dates, or the
    weekdays between two dates (closed days of the pattern are left out, as for parents)."""

    service = forms.ModelChoiceField(
        queryset=None,
        label=_("Service"),
        error_messages={"invalid_choice": _("Choisissez un service de votre commune.")},
    )
    beneficiaries = BeneficiariesField(
        queryset=None,
        label=_("Enfants"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Cochez au moins un enfant."),
            "invalid_choice": _("Choisissez parmi les enfants de cette famille."),
        },
    )
    dates = forms.CharField(
        required=False,
        label=_("Dates"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "01/12/2026, 03/12/2026"}),
        help_text=_("Au format JJ/MM/AAAA, séparées par des virgules ou des espaces."),
    )
    start = forms.DateField(
        required=False, label=_("Ou bien, du"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label=_("Jusqu'au"), widget=forms.DateInput(attrs={"type": "date"})
    )
    weekdays = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        choices=WEEKDAYS,
        label=_("Jours de la semaine"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, family, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["beneficiaries"].queryset = beneficiaries_of(family).order_by(
            "birth_date", "pk"
        )

    def clean_dates(self) -> list[date]:
        days = []
        for text in re.split(r"[\s,;]+", self.cleaned_data["dates"].strip()):
            if text:
                days.append(_parse_date(text))
        return days

    def clean(self):
        data = super().clean()
        pattern = [data.get(key) for key in ("start", "end")]
        weekdays = data.get("weekdays") or []
        uses_pattern = any(pattern) or bool(weekdays)
        if data.get("dates") and uses_pattern:
            raise forms.ValidationError(
                _("Indiquez soit des dates, soit des jours entre deux dates, pas les deux.")
            )
        if uses_pattern:
            start, end = pattern
            if not (start and end and weekdays):
                raise forms.ValidationError(
                    _("Pour des jours entre deux dates, indiquez le début, la fin et les jours.")
                )
            if end < start:
                self.add_error("end", _("La fin précède le début."))
                return data
            if (end - start).days > 366:
                self.add_error("end", _("Un an au plus à la fois."))
                return data
            data["days"] = dates_between(start, end, weekdays)
            data["skip_closed"] = True
        elif "dates" in data:
            if not data["dates"]:
                raise forms.ValidationError(_("Indiquez des dates, ou des jours entre deux dates."))
            data["days"] = data["dates"]
            data["skip_closed"] = False
        # No calendar opens so far away; its deadline would overflow the date type.
        if any(not FIRST_MEAL_DATE <= day <= LAST_MEAL_DATE for day in data.get("days", [])):
            raise forms.ValidationError(meal_dates_message())
        beneficiaries = data.get("beneficiaries") or []
        if len(data.get("days", [])) * len(beneficiaries) > MAX_MEALS:
            raise forms.ValidationError(
                _("Pas plus de %(max)s repas à la fois.") % {"max": MAX_MEALS}
            )
        return data


def _parse_date(text: str) -> date:
    for date_format in DATE_FORMATS:
        try:
            return datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise forms.ValidationError(
        _("« %(text)s » n'est pas une date : écrivez-la JJ/MM/AAAA.") % {"text": text}
    )
