from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import COUNTER_METHODS, PaymentMethod


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Mois"),
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("Par exemple 2026-12."),
    )

    def clean_month(self):
        value = self.cleaned_data["month"]
        try:
            year, month = (int(part) for part in value.split("-"))
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("Indiquez un mois, par exemple 2026-12.")) from None


def last_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


class CounterPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Moyen de paiement"),
        choices=[(m.value, m.label) for m in PaymentMethod if m in COUNTER_METHODS],
    )
    amount = forms.DecimalField(label=_("Montant (€)"), max_digits=10, decimal_places=2)
    reference = forms.CharField(
        label=_("Référence (n° de chèque, de titre CESU)"), max_length=100, required=False
    )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError(_("Le montant est positif."))
        return amount


class BatchForm(forms.Form):
    collection_date = forms.DateField(
        label=_("Date d'échéance"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du rejet (code de la banque)"), max_length=100, initial="AM04"
    )


class MandateForm(forms.Form):
    """A paper mandate the family signed at the régie's counter, typed in by an agent."""

    owner = forms.ModelChoiceField(label=_("Famille"), queryset=None)
    holder = forms.CharField(label=_("Titulaire du compte"), max_length=70)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    bic = forms.CharField(label=_("BIC (facultatif)"), max_length=11, required=False)
    signed_on = forms.DateField(label=_("Signé le"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, families=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = families
        self.fields["owner"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.email} ({user.email})"
        )
