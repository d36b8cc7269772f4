"""The seeds' password policy (seed 002): at least 12 characters, a digit, a letter, an upper-case
and a lower-case letter, and a special character. One validator per rule so that each unmet
rule gets its own message, shown live next to the field."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def __init__(self, min_length=12):
        super().__init__(min_length=min_length)

    def get_error_message(self):
        return ngettext(
            "Le mot de passe doit contenir au moins %(min_length)d caractère.",
            "Le mot de passe doit contenir au moins %(min_length)d caractères.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return _("Longueur minimale de %(min_length)d caractères.") % {
            "min_length": self.min_length
        }


class _CharacterClassValidator:
    """Refuses a password with no character for which `counts` is true."""

    code: str
    message: str
    help_text: str

    @staticmethod
    def counts(char: str) -> bool:
        return False

    def validate(self, password, user=None):
        if not any(self.counts(char) for char in password):
            raise ValidationError(str(self.message), code=self.code)

    def get_help_text(self):
        return str(self.help_text)


class ContainsDigitValidator(_CharacterClassValidator):
    code = "password_no_digit"
    message = gettext_lazy("Le mot de passe doit contenir au moins un chiffre.")
    help_text = gettext_lazy("Contient au moins 1 chiffre.")

    @staticmethod
    def counts(char):
        return char.isdigit()


class ContainsLetterValidator(_CharacterClassValidator):
    code = "password_no_letter"
    message = gettext_lazy("Le mot de passe doit contenir au moins une lettre.")
    help_text = gettext_lazy("Contient au moins 1 lettre.")

    @staticmethod
    def counts(char):
        return char.isalpha()


class ContainsUppercaseValidator(_CharacterClassValidator):
    code = "password_no_upper"
    message = gettext_lazy("Le mot de passe doit contenir au moins une majuscule.")
    help_text = gettext_lazy("Contient au moins 1 majuscule.")

    @staticmethod
    def counts(char):
        return char.isupper()


class ContainsLowercaseValidator(_CharacterClassValidator):
    code = "password_no_lower"
    message = gettext_lazy("Le mot de passe doit contenir au moins une minuscule.")
    help_text = gettext_lazy("Contient au moins 1 minuscule.")

    @staticmethod
    def counts(char):
        return char.islower()


class ContainsSpecialCharacterValidator(_CharacterClassValidator):
    code = "password_no_special"
    message = gettext_lazy(
        "Le mot de passe doit contenir au moins un caractère spécial (par exemple ! ? # @ -)."
    )
    help_text = gettext_lazy("Contient au moins 1 caractère spécial.")

    @staticmethod
    def counts(char):
        # Punctuation, symbols and spaces: anything that is neither a letter nor a digit.
        return not char.isalnum()
