"""The account pages' forms. They only parse what was typed: the rules (unique e-mail, password
policy, current password, reset link) are the API's, run by the views through
accounts.serializers and accounts.services."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Civility

from .base import AccessibleFormMixin

PASSWORD_HELP = _("Votre mot de passe doit respecter ces règles :")


def password_field(label, *, autocomplete="new-password", with_rules=True):
    # Never stripped: spaces count as special characters in the policy (as in the API).
    return forms.CharField(
        label=label,
        strip=False,
        max_length=4096,
        help_text=PASSWORD_HELP if with_rules else "",
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


EMAIL_LABEL = _("Adresse e-mail")


def email_field(label=EMAIL_LABEL, *, autocomplete="email"):
    return forms.EmailField(
        label=label,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": autocomplete, "spellcheck": "false"}),
    )


def civility_field():
    return forms.ChoiceField(
        label=_("Civilité"),
        choices=[("", _("Non précisée")), *Civility.choices],
        required=False,
    )


def birth_date_field():
    return forms.DateField(
        label=_("Date de naissance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )


def add_service_errors(form, errors) -> None:
    """Show errors keyed by field (a service's ValidationError, a serializer's `errors`) next to
    their field, or at the top of the form when the form has no such field."""
    if isinstance(errors, ValidationError):
        errors = errors.message_dict
    for name, messages in errors.items():
        # A hidden field (the reset link's token) has no place to show its error: at the top.
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        field = name if shown else None
        for message in messages:
            form.add_error(field, str(message))


def password_rule_checks(password: str, account) -> list[dict]:
    """Each rule of the password policy (the validators of AUTH_PASSWORD_VALIDATORS, in their
    order) with whether this password meets it: the page lists the same rules the server checks.
    `account` may be unsaved: the similarity rule compares the password with its names."""
    checks = []
    for validator in password_validation.get_default_password_validators():
        try:
            validator.validate(password, account)
        except ValidationError:
            met = False
        else:
            met = True
        checks.append({"text": str(validator.get_help_text()), "met": met})
    return checks


class LoginForm(AccessibleFormMixin, forms.Form):
    email = email_field(autocomplete="username")
    password = password_field(_("Mot de passe"), autocomplete="current-password", with_rules=False)


class RegistrationForm(AccessibleFormMixin, forms.Form):
    """ "Créer un compte", the fields of the seed's form and of POST /api/accounts/register/."""

    civility = civility_field()
    first_name = forms.CharField(
        label=_("Prénom"), max_length=255, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=255, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    email = email_field()
    password = password_field(_("Mot de passe"))
    birth_date = birth_date_field()
    newsletter = forms.BooleanField(label=_("S'inscrire à la newsletter"), required=False)
    is_company = forms.BooleanField(label=_("Je suis une société"), required=False)
    # Not required here: the service refuses it with its own message when unchecked.
    accept_terms = forms.BooleanField(
        label=_("J'accepte les conditions générales et la politique de confidentialité."),
        required=False,
    )

    def api_data(self) -> dict:
        """What POST /api/accounts/register/ would receive."""
        data = dict(self.cleaned_data)
        if data["birth_date"]:
            data["birth_date"] = data["birth_date"].isoformat()
        return data


class PasswordResetRequestForm(AccessibleFormMixin, forms.Form):
    email = email_field(autocomplete="username")


class PasswordResetConfirmForm(AccessibleFormMixin, forms.Form):
    uid = forms.CharField(max_length=64, widget=forms.HiddenInput)
    token = forms.CharField(max_length=128, widget=forms.HiddenInput)
    new_password = password_field(_("Nouveau mot de passe"))


class ProfileForm(AccessibleFormMixin, forms.Form):
    """The personal information of GET/PATCH /api/accounts/me/."""

    civility = civility_field()
    first_name = forms.CharField(
        label=_("Prénom"), max_length=255, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=255, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    birth_date = birth_date_field()
    newsletter = forms.BooleanField(label=_("S'inscrire à la newsletter"), required=False)
    is_company = forms.BooleanField(label=_("Je suis une société"), required=False)

    def api_data(self) -> dict:
        data = dict(self.cleaned_data)
        if data["birth_date"]:
            data["birth_date"] = data["birth_date"].isoformat()
        return data


class EmailChangeForm(AccessibleFormMixin, forms.Form):
    new_email = email_field(_("Nouvelle adresse e-mail"))
    current_password = password_field(
        _("Mot de passe actuel"), autocomplete="current-password", with_rules=False
    )


class PasswordChangeForm(AccessibleFormMixin, forms.Form):
    current_password = password_field(
        _("Mot de passe actuel"), autocomplete="current-password", with_rules=False
    )
    new_password = password_field(_("Nouveau mot de passe"))
