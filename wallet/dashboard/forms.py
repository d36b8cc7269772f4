import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

CREDIT = "credit"
DEBIT = "debit"


class WalletSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Nom ou e-mail"),
        widget=forms.TextInput(attrs={"placeholder": _("Martin, claire@…")}),
    )


class AdjustmentForm(forms.Form):
    """An agent's credit or debit of one pot. `token` is drawn when the form is shown and sent
    back hidden: submitting the same form twice (a double click, a reload) moves money once."""

    amount = forms.DecimalField(
        label=_("Montant (€)"),
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        error_messages={
            "min_value": _("Indiquez un montant positif ; choisissez « Débit » pour retirer."),
            "max_decimal_places": _("Indiquez le montant en euros et centimes (2 décimales)."),
        },
    )
    direction = forms.ChoiceField(
        label=_("Sens"),
        choices=[(CREDIT, _("Crédit")), (DEBIT, _("Débit"))],
        initial=CREDIT,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Visible par la famille dans l'historique de son porte-monnaie."),
        error_messages={"required": _("Indiquez le motif de l'ajustement.")},
    )
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def clean(self):
        cleaned_data = super().clean()
        if "token" in self.errors:  # a hidden field: say it above the form
            raise forms.ValidationError(
                _("Ce formulaire n'est plus valable : rechargez la page et recommencez.")
            )
        return cleaned_data

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Indiquez le motif de l'ajustement."))
        return reason

    @property
    def signed_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        return -amount if self.cleaned_data.get("direction") == DEBIT else amount

    def idempotency_key(self, agent, pot) -> str:
        # Scoped to the agent and the pot: a token replayed elsewhere moves money there, once.
        return f"adjust:{agent.pk}:{pot.pk}:{self.cleaned_data['token']}"


class ServiceCreditForm(AdjustmentForm):
    """Credit the family's pot of one of the agent's communes' services, opened if need be."""

    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez un service de votre commune.")},
    )
    direction = None

    field_order = ["service", "amount", "reason", "token"]

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
