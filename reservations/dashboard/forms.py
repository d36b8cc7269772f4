from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..closures import ClosureRequest
from ..models import AccessStatus, CatererRecipient, DocumentKind, SchoolClass
from ..rules import MAX_TAX_SHARES
from .selectors import groups_for_agent, services_for_agent


class AccessSearchForm(forms.Form):
    """Filters of the access requests list; the services offered are the agent's communes'."""

    service = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Service"), empty_label=_("Tous les services")
    )
    status = forms.ChoiceField(
        choices=[("", _("Tous les statuts")), *AccessStatus.choices],
        required=False,
        label=_("Statut"),
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_for_agent(agent)


class ServiceErrorsMixin:
    """Shows a service's ValidationError on the form: on the field it names when the form has
    it, above the form otherwise."""

    def add_service_error(self, error: ValidationError):
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class AcceptAccessForm(ServiceErrorsMixin, forms.Form):
    """The figures the agent checked against the documents: left as the family gave them, or
    corrected with a reason. Pricing reads the quotient; the bracket follows from the grid."""

    # The model's sizes: a figure too long is a form error, never a database one.
    reference_tax_income = forms.DecimalField(
        label=_("Revenu fiscal de référence"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    tax_shares = forms.DecimalField(
        label=_("Nombre de parts"),
        required=False,
        min_value=Decimal("0.25"),
        max_value=MAX_TAX_SHARES,
        max_digits=5,
        decimal_places=2,
    )
    family_quotient = forms.DecimalField(
        label=_("Quotient familial"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Vide : calculé à partir du revenu et des parts."),
    )
    correction_reason = forms.CharField(
        label=_("Motif de la correction"),
        required=False,
        max_length=200,
        help_text=_("Obligatoire si vous modifiez les chiffres donnés par la famille."),
    )
    tariff_bracket = forms.CharField(
        label=_("Tranche tarifaire (facultatif)"),
        max_length=50,
        required=False,
        help_text=_("Vide : la tranche de la grille du service pour ce quotient."),
    )


class RefuseAccessForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Envoyé à la famille par e-mail."),
    )


class RequestDocumentForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Pièce demandée"), choices=DocumentKind.choices)
    message = forms.CharField(
        label=_("Message à la famille"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HeadcountForm(forms.Form):
    """Which service and day to count, both optional: the agent's first service and its next
    service day by default. The services offered are the agent's communes'."""

    service = forms.ModelChoiceField(
        queryset=None, label=_("Service"), required=False, empty_label=None
    )
    date = forms.DateField(
        label=_("Jour"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_for_agent(agent)


class ClosureForm(ServiceErrorsMixin, forms.Form):
    """An exceptional closure of one of the agent's communes' services (those with a calendar):
    a day or a range of days, for every child or one class and/or group. `token` is the
    preview's, carried by the confirmation."""

    service = forms.ModelChoiceField(queryset=None, label=_("Service"))
    date = forms.DateField(
        label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("Au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Vide : un seul jour."),
    )
    school_class = forms.ChoiceField(
        label=_("Classe"),
        required=False,
        choices=[("", _("Toutes les classes")), *SchoolClass.choices],
    )
    group = forms.CharField(
        label=_("Groupe"),
        required=False,
        max_length=100,
        help_text=_("Vide : tous les groupes. Tel qu'il figure sur la fiche des enfants."),
        widget=forms.TextInput(attrs={"list": "closure_groups", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=200,
        help_text=_("Par exemple « Grève » ou « Sortie scolaire » ; envoyé aux familles."),
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent = agent
        self.fields["service"].queryset = services_for_agent(agent).filter(calendar__isnull=False)

    def group_suggestions(self) -> list[str]:
        """The groups of the children booked at the agent's communes, offered as the group
        field's datalist: a closure matches a child's group exactly."""
        return groups_for_agent(self.agent)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise ValidationError(
                _("Ce jour est passé : choisissez aujourd'hui ou un jour à venir.")
            )
        return day

    def clean_group(self):
        return " ".join(self.cleaned_data["group"].split())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("Choisissez un dernier jour égal ou postérieur au premier."))
        return cleaned

    def closure_request(self) -> ClosureRequest:
        data = self.cleaned_data
        return ClosureRequest(
            service=data["service"],
            start=data["date"],
            end=data["end"] or data["date"],
            reason=data["reason"],
            school_class=data["school_class"],
            group=data["group"],
        )


class CatererRecipientForm(forms.Form):
    """An address that receives a service's frozen headcount; services of the agent's
    communes only."""

    service = forms.ModelChoiceField(queryset=None, label=_("Service"), empty_label=None)
    email = forms.EmailField(label=_("Adresse e-mail"))
    label = forms.CharField(
        label=_("Destinataire"),
        required=False,
        max_length=100,
        help_text=_("Par exemple « Cuisine centrale » ou « Prestataire »."),
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_for_agent(agent).filter(calendar__isnull=False)

    def clean(self):
        cleaned = super().clean()
        service, email = cleaned.get("service"), cleaned.get("email")
        if (
            service
            and email
            and CatererRecipient.objects.filter(service=service, email__iexact=email).exists()
        ):
            self.add_error("email", _("Cette adresse reçoit déjà l'effectif de ce service."))
        return cleaned
