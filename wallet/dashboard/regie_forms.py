"""The administrator's forms for régies and payment backend accounts, and the régisseurs'
date pickers. Every refusal is in French and says what to do."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ..admin import secret_options
from ..models import PaymentBackendAccount, Regie, RegieKind, ServiceRegie

Product = get_model("catalogue", "Product")


def today() -> datetime.date:
    return timezone.localdate()


class RegieForm(forms.ModelForm):
    """A régie, its régisseurs (by e-mail: a régisseur's account need not be anything else
    yet) and the services it collects for. A service moves here from its former régie; one
    left out is still the régie's until it is attached elsewhere (a service always has one)."""

    regisseur_emails = forms.CharField(
        label=_("Régisseurs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Les adresses e-mail des comptes des régisseurs, une par ligne."),
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services rattachés"),
        queryset=Product.objects.filter(structure=Product.PARENT).order_by("title"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Un service appartient à une seule régie : le choisir ici le retire de sa régie "
            "actuelle. Ses porte-monnaie et comptes déjà ouverts restent à l'ancienne régie : "
            "déplacez un service avant ses premiers paiements."
        ),
    )

    class Meta:
        model = Regie
        fields = ["name", "code", "kind", "site", "commune", "numbering_format", "backend"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["regisseur_emails"].initial = "\n".join(
                self.instance.regisseurs.order_by("email").values_list("email", flat=True)
            )
            self.fields["services"].initial = list(
                self.instance.service_links.values_list("service_id", flat=True)
            )

    def clean_regisseur_emails(self):
        emails = [
            line.strip().lower()
            for line in self.cleaned_data["regisseur_emails"].splitlines()
            if line.strip()
        ]
        users = self._users_by_email(emails)
        unknown = [email for email in emails if email not in users]
        if unknown:
            raise forms.ValidationError(
                gettext("Aucun compte n'a l'adresse %(emails)s : créez d'abord le compte.")
                % {"emails": ", ".join(unknown)}
            )
        return list(users.values())

    @staticmethod
    def _users_by_email(emails) -> dict:
        """The accounts of these e-mails, whatever their case (e-mails are logins so)."""
        users = get_user_model().objects.annotate(login=Lower("email")).filter(login__in=emails)
        return {user.login: user for user in users}

    def clean(self):
        cleaned = super().clean()
        kind, site = cleaned.get("kind"), cleaned.get("site")
        if kind == RegieKind.PLATFORM:
            others = Regie.objects.filter(kind=RegieKind.PLATFORM, site=site)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error(
                    "site",
                    gettext(
                        "Ce territoire a déjà une régie de la plateforme : modifiez-la plutôt "
                        "que d'en créer une autre."
                    ),
                )
        return cleaned

    @transaction.atomic
    def save(self, commit=True):
        regie = super().save(commit=True)
        regie.regisseurs.set(self.cleaned_data["regisseur_emails"])
        # Each link saved drops the cached service → régie map (wallet.apps).
        for service in self.cleaned_data["services"]:
            ServiceRegie.objects.update_or_create(service=service, defaults={"regie": regie})
        return regie


class BackendAccountForm(forms.ModelForm):
    """A payment backend account: its options as eopayment names them, as a JSON object, and
    never a secret (the Django admin's rule, wallet/admin.py): those stay in the environment."""

    options = forms.JSONField(
        label=_("Paramètres"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            'Un objet JSON, par exemple {"numcli": "123456", "saisie": "T"} pour PayFiP. '
            "Les secrets n'y vont pas : nommez le réglage qui les contient."
        ),
        error_messages={"invalid": _("Saisissez un objet JSON valide, par exemple {}.")},
    )

    class Meta:
        model = PaymentBackendAccount
        fields = [
            "name",
            "kind",
            "options",
            "secret_setting",
            "minimum_amount",
            "maximum_amount",
            "is_active",
        ]
        # "1,50" as a French administrator types it.
        localized_fields = ["minimum_amount", "maximum_amount"]

    def clean_options(self):
        options = self.cleaned_data["options"]
        if options in (None, ""):
            return {}
        if not isinstance(options, dict):
            raise forms.ValidationError(
                gettext('Les paramètres sont un objet JSON entre accolades, par exemple {"a": 1}.')
            )
        secrets = secret_options(options)
        if secrets:
            raise forms.ValidationError(
                gettext(
                    "« %(names)s » ressemble à un secret : retirez-le des paramètres et mettez-le "
                    "dans le réglage nommé par « réglage des secrets »."
                )
                % {"names": ", ".join(secrets)}
            )
        return options

    def clean(self):
        cleaned = super().clean()
        minimum, maximum = cleaned.get("minimum_amount"), cleaned.get("maximum_amount")
        if minimum is not None and minimum <= 0:
            self.add_error("minimum_amount", gettext("Le montant minimum doit être positif."))
        if minimum is not None and maximum is not None and maximum < minimum:
            self.add_error(
                "maximum_amount",
                gettext("Le montant maximum doit être au moins le montant minimum."),
            )
        return cleaned

    def validate_constraints(self, exclude=None):
        # clean() above says the same in French; the constraints stay in the database.
        pass


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("Jour"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def day(self) -> datetime.date:
        if self.is_valid() and self.cleaned_data["date"]:
            return self.cleaned_data["date"]
        return today()


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    MAX_DAYS = 400

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError(gettext("La fin de la période précède son début."))
        if start and end and (end - start).days > self.MAX_DAYS:
            raise forms.ValidationError(
                gettext("Choisissez une période d'au plus %(days)s jours.")
                % {"days": self.MAX_DAYS}
            )
        return cleaned

    def bounds(self) -> tuple[datetime.date, datetime.date]:
        """The chosen period, by default the current month up to today."""
        day = today()
        start, end = day.replace(day=1), day
        if self.is_valid():
            start = self.cleaned_data["start"] or start
            end = self.cleaned_data["end"] or max(start, end)
        return start, end
