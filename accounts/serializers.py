"""Shapes of the accounts API. The rules (unique e-mail, password policy, current password, reset
token) live in accounts.services; the serializers run the cheap ones too, so that one answer lists
every field to correct."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import services
from .models import Civility, User


def password_field(**kwargs):
    # Never trimmed: spaces count as special characters in the policy.
    return serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, **kwargs
    )


class ProfileSerializer(serializers.ModelSerializer):
    """The personal information a parent edits ("Mes informations personnelles")."""

    is_validated = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "email",
            "civility",
            "first_name",
            "last_name",
            "birth_date",
            "newsletter",
            "is_company",
            "terms_accepted_at",
            "is_validated",
            "validated_at",
        ]
        # Changing the e-mail asks for the current password: not through this serializer.
        read_only_fields = ["email", "terms_accepted_at", "is_validated", "validated_at"]


class RegistrationSerializer(serializers.Serializer):
    """The registration form ("Créer un compte")."""

    email = serializers.EmailField(max_length=254, label=_("Adresse e-mail"))
    civility = serializers.ChoiceField(
        choices=Civility.choices, required=False, allow_blank=True, default=""
    )
    first_name = serializers.CharField(max_length=255, label=_("Prénom"))
    last_name = serializers.CharField(max_length=255, label=_("Nom"))
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    newsletter = serializers.BooleanField(required=False, default=False)
    is_company = serializers.BooleanField(required=False, default=False)
    password = password_field(
        label=_("Mot de passe"),
        help_text=_(
            "Au moins 12 caractères, avec un chiffre, une lettre, une majuscule, une minuscule et "
            "un caractère spécial."
        ),
    )
    accept_terms = serializers.BooleanField(
        write_only=True,
        help_text=_(
            "J'accepte les conditions générales et la politique de confidentialité : doit valoir "
            "true."
        ),
    )

    def validate_email(self, value):
        value = services.normalize_email(value)
        if services.email_is_taken(value):
            raise serializers.ValidationError(services.EMAIL_TAKEN)
        return value

    def validate_birth_date(self, value):
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError(_("La date de naissance ne peut pas être future."))
        return value

    def validate_accept_terms(self, value):
        if not value:
            raise serializers.ValidationError(services.TERMS_NOT_ACCEPTED)
        return value

    def validate_password(self, value):
        # Checked field by field, not in validate(), so that the policy's messages come with the
        # other fields' errors. The similarity rule compares the password with the e-mail and the
        # names as typed.
        typed = {name: str(self.initial_data.get(name) or "") for name in _COMPARED_WITH_PASSWORD}
        if problems := services.password_errors(value, User(**typed)):
            raise serializers.ValidationError(problems)
        return value


_COMPARED_WITH_PASSWORD = ("email", "first_name", "last_name")


class EmailChangeSerializer(serializers.Serializer):
    new_email = serializers.EmailField(max_length=254, label=_("Nouvelle adresse e-mail"))
    current_password = password_field(label=_("Mot de passe actuel"))


class PasswordChangeSerializer(serializers.Serializer):
    current_password = password_field(label=_("Mot de passe actuel"))
    new_password = password_field(label=_("Nouveau mot de passe"))


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, label=_("Adresse e-mail"))


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text=_("Le paramètre uid du lien reçu."))
    token = serializers.CharField(max_length=128, help_text=_("Le paramètre token du lien reçu."))
    new_password = password_field(label=_("Nouveau mot de passe"))


class DetailSerializer(serializers.Serializer):
    """A message to show to the parent."""

    detail = serializers.CharField()


class CsrfTokenSerializer(serializers.Serializer):
    # camelCase: the name the front end reads.
    csrfToken = serializers.CharField(
        help_text=_("À renvoyer dans l'en-tête X-CSRFToken de chaque requête POST, PATCH, DELETE.")
    )
