"""French is the source language; English comes from locale/en (no database)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import override

from accounts.permissions import IsValidatedAccount
from accounts.throttling import lockout_message

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def _digit_message() -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_password("Abcdefghijk!")  # long enough, upper, lower, special: only no digit
    return " ".join(excinfo.value.messages)


def test_english_strings_come_out_in_english():
    with override("en"):
        assert "The password must contain at least one digit." in _digit_message()
        assert str(IsValidatedAccount.message).startswith(
            "Your account is awaiting validation by the town hall."
        )
        assert lockout_message(15) == (
            "Too many failed login attempts: logging in to this account is blocked for 15 "
            "minutes. Try again later or use “Forgotten your password?”."
        )


def test_french_strings_stay_french():
    with override("fr"):
        assert "Le mot de passe doit contenir au moins un chiffre." in _digit_message()
        assert str(IsValidatedAccount.message).startswith(
            "Votre compte est en attente de validation par la mairie."
        )
        assert lockout_message(15).startswith(
            "Trop de tentatives de connexion échouées : la connexion à ce compte est bloquée "
            "pendant 15 minutes."
        )


def _po_entries(path: Path):
    """Yield (msgid, [msgstr, ...]) for each entry, header included, of a .po file."""
    entry, field = None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            if entry:
                yield entry
            entry, field = {"msgid": ast.literal_eval(line[6:]), "msgstr": {}}, "msgid"
        elif line.startswith("msgid_plural "):
            field = "msgid_plural"
        elif line.startswith("msgstr"):
            key, _, value = line.partition(" ")
            field = key
            entry["msgstr"][key] = ast.literal_eval(value)
        elif line.startswith('"') and entry is not None:
            if field == "msgid":
                entry["msgid"] += ast.literal_eval(line)
            elif field.startswith("msgstr"):
                entry["msgstr"][field] += ast.literal_eval(line)
        elif line.startswith("#, ") and "fuzzy" in line:
            raise AssertionError(f"fuzzy flag left in {path}: {line}")
    if entry:
        yield entry


def test_english_catalogue_is_complete_and_compiled():
    entries = [e for e in _po_entries(PO_FILE) if e["msgid"]]  # skip the header
    assert len(entries) > 700
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    assert untranslated == []
    assert MO_FILE.exists(), "run manage.py compilemessages -l en"


def test_oscars_french_is_corrected_where_an_agent_reads_it():
    from django.utils.translation import gettext

    with override("fr"):
        assert gettext("Allocation") == "Montant alloué"
        assert gettext("Admin") == "Auteur"
        assert gettext("Login") == "Se connecter"
