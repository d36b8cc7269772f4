"""Forms of the money pages: topping the porte-monnaie up, filtering and cancelling bookings.

They only read what the parent sent; the rules (offered amounts, filters, deadlines) stay in the
services the JSON API calls, whose errors the views put back on these forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reservations.models import BookingStatus
from reservations.selectors import beneficiaries_of, filter_bookings

from .base import AccessibleFormMixin

LIST_VIEW = "liste"
CALENDAR_VIEW = "calendrier"


class TopUpForm(AccessibleFormMixin, forms.Form):
    """One button per offered amount, each submitting its own `amount`: no JavaScript needed.
    Whether the amount is offered is wallet.payments' decision."""

    amount = forms.DecimalField(
        label=_("Montant du rechargement"),
        max_digits=6,
        decimal_places=2,
        error_messages={"required": _("Choisissez un montant."), "invalid": _("Montant invalide.")},
    )


class BookingFilterForm(AccessibleFormMixin, forms.Form):
    """The filters of "Mes réservations"; their parameters are the API's (beneficiary, month,
    status), read by the same `filter_bookings`."""

    beneficiary = forms.TypedChoiceField(label=_("Enfant"), required=False, coerce=int)
    month = forms.CharField(
        label=_("Mois"),
        required=False,
        help_text=_("Au format AAAA-MM, par exemple 2026-01."),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}),
    )
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous les statuts")), *BookingStatus.choices],
    )
    vue = forms.ChoiceField(
        required=False,
        choices=[(LIST_VIEW, _("Liste")), (CALENDAR_VIEW, _("Calendrier"))],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        children = beneficiaries_of(account, include_archived=True).order_by("first_name", "pk")
        self.fields["beneficiary"].choices = [
            ("", _("Tous les enfants")),
            *((child.pk, child.first_name) for child in children),
        ]

    def filter(self, bookings):
        """The bookings the valid filters keep; errors of `filter_bookings` go on their field."""
        self.is_valid()
        params = {name: self.data.get(name, "") for name in ("beneficiary", "month", "status")}
        bookings, errors = filter_bookings(bookings, params)
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field, message)
        return bookings

    @property
    def view(self) -> str:
        return self.data.get("vue") if self.data.get("vue") == CALENDAR_VIEW else LIST_VIEW


class BookingIdsField(forms.Field):
    """The ids of the bookings ticked on the list (`reservations=1&reservations=2`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return list(dict.fromkeys(int(item) for item in values))
        except (TypeError, ValueError) as error:
            message = _("Choisissez des réservations de la liste.")
            raise ValidationError(message, "invalid") from error


class BulkCancelForm(AccessibleFormMixin, forms.Form):
    reservations = BookingIdsField(
        label=_("Réservations à annuler"),
        error_messages={"required": _("Choisissez au moins une réservation à annuler.")},
    )
