"""Forms of the family pages ("Mes filiations", "Mes services"). They only parse what the parent
typed; the rules (names, ages per class, PAI, documents, family quotient) are the use cases' in
reservations/beneficiaries.py and reservations/access.py, and their refusals come back on the
matching field through `add_refusals`."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reservations.models import Diet, DocumentKind, Relation, SchoolClass
from reservations.selectors import beneficiaries_of

from .base import AccessibleFormMixin

DOCUMENT_HELP = _("PDF, JPEG ou PNG, 10 Mo au plus.")
PHOTO_HELP = _("Photo d'identité, JPEG ou PNG de 10 Mo au plus.")
# Spaces a parent may type or paste inside a number: "24 000", with a no-break or narrow no-break
# space as French formatting puts them.
_DIGIT_GROUPING = re.compile(r"[\s\u00a0\u202f]")


def add_refusals(form: forms.Form, error: ValidationError) -> None:
    """Show a use case's refusal next to the field it names, or at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class DateInput(forms.DateInput):
    """The browser's date picker; its value travels as AAAA-MM-JJ, which Django always reads."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class FrenchDecimalField(forms.DecimalField):
    """A decimal that also accepts the French way of writing it: "2,5", "24 000,50"."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = _DIGIT_GROUPING.sub("", value).replace(",", ".")
        return super().to_python(value)


class BeneficiaryForm(AccessibleFormMixin, forms.Form):
    """A child (or the account holder) as the seed guides' "Ajouter une filiation" form asks."""

    last_name = forms.CharField(
        label=_("Nom du bénéficiaire"),
        max_length=150,
        error_messages={"required": _("Indiquez le nom du bénéficiaire.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    first_name = forms.CharField(
        label=_("Prénom du bénéficiaire"),
        max_length=150,
        error_messages={"required": _("Indiquez le prénom du bénéficiaire.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        help_text=_("Format JJ/MM/AAAA."),
        widget=DateInput(),
        error_messages={
            "required": _("Indiquez la date de naissance."),
            "invalid": _("Date de naissance invalide : utilisez le format JJ/MM/AAAA."),
        },
    )
    relation = forms.ChoiceField(
        label=_("Type de filiation"),
        help_text=_("Qui êtes-vous par rapport à ce bénéficiaire ?"),
        choices=[("", _("— Choisir —")), *Relation.choices],
        error_messages={
            "required": _("Choisissez le type de filiation."),
            "invalid_choice": _("Choisissez le type de filiation dans la liste."),
        },
    )
    school_class = forms.ChoiceField(
        label=_("Classe"),
        required=False,
        choices=[("", _("Non scolarisé")), *SchoolClass.choices],
        error_messages={"invalid_choice": _("Choisissez une classe de la liste.")},
    )
    group = forms.CharField(label=_("Groupe"), max_length=100, required=False)
    has_pai = forms.BooleanField(
        label=_("PAI (projet d'accueil individualisé)"),
        required=False,
    )
    pai_details = forms.CharField(
        label=_("Allergies, protocole médical"),
        help_text=_("Obligatoire en cas de PAI : allergies, traitement ou protocole à connaître."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    diet = forms.ChoiceField(
        label=_("Régime"),
        required=False,
        choices=Diet.choices,
        help_text=_("Le repas servi à la place du menu ; un régime médical relève d'un PAI."),
        error_messages={"invalid_choice": _("Choisissez un régime de la liste.")},
    )
    additional_information = forms.CharField(
        label=_("Informations complémentaires"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label=_("Photo d'identité"),
        help_text=PHOTO_HELP,
        required=False,
        error_messages={"empty": _("La photo envoyée est vide.")},
    )

    # Everything but the photo, which the use cases take separately.
    FIELDS = (
        "last_name",
        "first_name",
        "birth_date",
        "relation",
        "school_class",
        "group",
        "has_pai",
        "pai_details",
        "diet",
        "additional_information",
    )

    def __init__(self, *args, has_photo=False, **kwargs):
        super().__init__(*args, **kwargs)
        # A plain file input: replacing and removing the photo are two separate choices.
        self.fields["photo"].widget = forms.FileInput(
            attrs={
                "accept": "image/jpeg,image/png",
                "data-preview-alt": _("Aperçu de la photo choisie"),
            }
        )
        if has_photo:
            self.fields["photo"].label = _("Remplacer la photo d'identité")
            self.fields["remove_photo"] = forms.BooleanField(
                label=_("Supprimer la photo actuelle"), required=False
            )

    def beneficiary_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class AccessRequestForm(AccessibleFormMixin, forms.Form):
    """Asking access to one tariff option: the children, the documents the option asks for, and
    the tax figures when it needs them (the family quotient is computed from them)."""

    beneficiaries = forms.ModelMultipleChoiceField(
        label=_("Bénéficiaires"),
        help_text=_("Cochez les enfants (ou vous-même) qui utiliseront ce service."),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins un bénéficiaire."),
            "invalid_choice": _("Bénéficiaire inconnu."),
            "invalid_pk_value": _("Bénéficiaire inconnu."),
        },
    )

    def __init__(self, *args, account, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiaries"].queryset = beneficiaries_of(account)
        self.document_kinds = [kind.value for kind in requirements.document_kinds]
        for kind in requirements.document_kinds:
            self.fields[kind.value] = forms.FileField(
                label=kind.label,
                help_text=DOCUMENT_HELP,
                # The use case refuses a missing document too; said here first, with its words.
                error_messages={
                    "required": _("Joignez ce justificatif : %s.") % kind.label,
                    "empty": _("Le fichier envoyé est vide."),
                },
                widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
            )
        if requirements.requires_tax_figures:
            self.fields["reference_tax_income"] = FrenchDecimalField(
                label=_("Revenu fiscal de référence (€)"),
                help_text=_(
                    "Revenus annuels après déductions, réductions et imputations diverses "
                    "(ligne 25 de l'avis d'imposition)."
                ),
                max_digits=12,
                decimal_places=2,
                error_messages={
                    "required": _("Indiquez votre revenu fiscal de référence."),
                    "invalid": _("Indiquez un montant en euros, par exemple 24 000 ou 24000,50."),
                },
            )
            self.fields["tax_shares"] = FrenchDecimalField(
                label=_("Nombre de parts fiscales"),
                help_text=_(
                    "Parts qui figurent sur l'avis d'imposition selon le nombre d'enfants ou de "
                    "personnes à charge (par exemple 2,5)."
                ),
                max_digits=5,
                decimal_places=2,
                error_messages={
                    "required": _("Indiquez votre nombre de parts fiscales."),
                    "invalid": _("Indiquez un nombre, par exemple 2 ou 2,5."),
                },
            )

    @property
    def document_fields(self):
        return [self[kind] for kind in self.document_kinds]

    @property
    def tax_fields(self):
        names = ("reference_tax_income", "tax_shares")
        return [self[name] for name in names if name in self.fields]

    def documents(self) -> dict:
        return {kind: self.cleaned_data[kind] for kind in self.document_kinds}

    def tax_figures(self) -> dict:
        return {
            "reference_tax_income": self.cleaned_data.get("reference_tax_income"),
            "tax_shares": self.cleaned_data.get("tax_shares"),
        }


class DocumentUploadForm(AccessibleFormMixin, forms.Form):
    """A new supporting document for a request being examined (the agent may have asked)."""

    kind = forms.ChoiceField(
        label=_("Type de pièce"),
        choices=DocumentKind.choices,
        error_messages={"invalid_choice": _("Choisissez un type de pièce de la liste.")},
    )
    file = forms.FileField(
        label=_("Fichier"),
        help_text=DOCUMENT_HELP,
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        error_messages={
            "required": _("Choisissez le fichier à envoyer."),
            "empty": _("Le fichier envoyé est vide."),
        },
    )
