from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AccessStatus, DocumentKind
from .selectors import services_for_agent


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
    tariff_bracket = forms.CharField(
        label=_("Tranche tarifaire accordée"),
        max_length=50,
        help_text=_("Par exemple « QF 2 » ou « Tranche B »."),
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
    """Which service and day to count; the services offered are the agent's communes'."""

    service = forms.ModelChoiceField(queryset=None, label=_("Service"))
    date = forms.DateField(label=_("Jour"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_for_agent(agent)


class ClosureForm(ServiceErrorsMixin, forms.Form):
    """An exceptional closure of one of the agent's communes' services (those with a calendar)."""

    service = forms.ModelChoiceField(queryset=None, label=_("Service"))
    date = forms.DateField(label=_("Jour"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Motif"),
        max_length=200,
        help_text=_("Par exemple « Grève » ou « Sortie scolaire » ; envoyé aux familles."),
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_for_agent(agent).filter(calendar__isnull=False)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise ValidationError(
                _("Ce jour est passé : choisissez aujourd'hui ou un jour à venir.")
            )
        return day
