"""One euro formatter for display: French "3,30 €", English "€3.30", in the active language."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from wallet.money import euros, signed_euros

D = Decimal
NBSP = "\u00a0"  # before "€" in French
NNBSP = "\u202f"  # French thousands separator


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (D("3.30"), "fr", f"3,30{NBSP}€"),
        (D("3.3"), "en", "€3.30"),
        (D("-3.30"), "fr", f"-3,30{NBSP}€"),
        (D("-3.30"), "en", "-€3.30"),
        (D("1234.5"), "fr", f"1{NNBSP}234,50{NBSP}€"),
        (D("1234.5"), "en", "€1,234.50"),
        (D("1234567"), "fr", f"1{NNBSP}234{NNBSP}567,00{NBSP}€"),
        (12, "fr", f"12,00{NBSP}€"),
        (D("0"), "en", "€0.00"),
        # Half a cent rounds away from zero (Babel alone would give 0,00 € and 0,02 €).
        (D("0.005"), "fr", f"0,01{NBSP}€"),
        (D("0.015"), "fr", f"0,02{NBSP}€"),
        (D("0.025"), "en", "€0.03"),
        (D("-0.005"), "fr", f"-0,01{NBSP}€"),
        (D("3.304"), "fr", f"3,30{NBSP}€"),
        # Below half a cent is nothing, and nothing is not negative.
        (D("-0.001"), "fr", f"0,00{NBSP}€"),
        (None, "fr", ""),
    ],
)
def test_euros_in_the_given_language(amount, language, expected):
    assert euros(amount, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", f"3,30{NBSP}€"), ("en", "€3.30"), ("fr-fr", f"3,30{NBSP}€")]
)
def test_euros_follow_the_active_language(language, expected):
    with translation.override(language):
        assert euros(D("3.30")) == expected


def test_euros_without_an_active_language_are_french():
    with translation.override(None):
        assert euros(D("3.30")) == f"3,30{NBSP}€"


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (D("12.5"), "fr", f"+12,50{NBSP}€"),
        (D("12.5"), "en", "+€12.50"),
        (D("-3.3"), "fr", f"-3,30{NBSP}€"),
        (D("0"), "fr", f"0,00{NBSP}€"),
        (D("0.004"), "fr", f"0,00{NBSP}€"),
        (None, "fr", ""),
    ],
)
def test_signed_euros_mark_credits(amount, language, expected):
    assert signed_euros(amount, language) == expected


@pytest.mark.parametrize("amount", [3.3, "3.30"])
def test_euros_refuse_what_is_not_a_decimal(amount):
    with pytest.raises(TypeError):
        euros(amount, "fr")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", f"3,30{NBSP}€ / +1,00{NBSP}€ / "), ("en", "€3.30 / +€1.00 / ")],
)
def test_template_filters_use_the_page_language(language, expected):
    template = Template(
        "{% load money %}{{ price|euros }} / {{ credit|signed_euros }} / {{ missing|euros }}"
    )
    with translation.override(language):
        rendered = template.render(Context({"price": D("3.30"), "credit": D("1")}))
    assert rendered == expected
