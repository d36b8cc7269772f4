"""The seeds' password policy, rule by rule (no database)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

GOOD_PASSWORDS = [
    "Correct-Horse-42!",
    "Abcdefghij1!",  # exactly 12 characters
    "Écoledes Pins 2026",  # accents count as letters, the space as a special character
    "MotDePasse#Long9",
]

# Each bad password breaks one rule, so each rule is shown to be enforced on its own. A password
# with no letter at all necessarily has no upper-case and no lower-case letter either.
BAD_PASSWORDS = [
    ("Abcdefgh1!x", {"password_too_short"}, "au moins 12 caractères"),
    ("Abcdefghijk!", {"password_no_digit"}, "au moins un chiffre"),
    (
        "123456789012!",
        {"password_no_letter", "password_no_upper", "password_no_lower"},
        "au moins une lettre",
    ),
    ("abcdefghij1!", {"password_no_upper"}, "au moins une majuscule"),
    ("ABCDEFGHIJ1!", {"password_no_lower"}, "au moins une minuscule"),
    ("Abcdefghijk1", {"password_no_special"}, "au moins un caractère spécial"),
]


@pytest.mark.parametrize("password", GOOD_PASSWORDS)
def test_a_password_meeting_every_rule_is_accepted(password):
    validate_password(password)


@pytest.mark.parametrize(("password", "codes", "french_message"), BAD_PASSWORDS)
def test_a_password_breaking_one_rule_is_refused_with_that_rule_in_french(
    password, codes, french_message
):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert {error.code for error in refused.value.error_list} == codes
    assert any(french_message in message for message in refused.value.messages)


def test_every_rule_broken_at_once_lists_every_message():
    with pytest.raises(ValidationError) as refused:
        validate_password("       ")
    codes = {error.code for error in refused.value.error_list}
    assert {
        "password_too_short",
        "password_no_digit",
        "password_no_letter",
        "password_no_upper",
        "password_no_lower",
    } <= codes
