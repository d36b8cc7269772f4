"""Amounts as the reader writes them: "3,30 €" for a French page, "€3.30" for an English one.

The one formatter for display (pages, e-mails, statements); APIs send `Decimal` strings."""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation

CENT = Decimal("0.01")


def euros(amount: Decimal | int | None, language: str | None = None) -> str:
    """`amount` in the active Django language unless `language` is given; "" for None.

    Sub-cent values round half away from zero, as a French receipt does (0,005 € → 0,01 €),
    rather than Babel's default half-to-even."""
    if amount is None:
        return ""
    return format_currency(_to_cents(amount), "EUR", locale=_babel_locale(language))


def signed_euros(amount: Decimal | int | None, language: str | None = None) -> str:
    """Like `euros`, with a "+" before a credit: "+12,50 €", "-3,30 €", "0,00 €"."""
    if amount is None:
        return ""
    text = euros(amount, language)
    return f"+{text}" if _to_cents(amount) > 0 else text


def _to_cents(amount: Decimal | int) -> Decimal:
    # A float already carries a binary rounding error: money must arrive as Decimal (or int).
    if isinstance(amount, float) or not isinstance(amount, Decimal | int):
        raise TypeError(f"euros() takes a Decimal, not {type(amount).__name__}")
    cents = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    # -0.001 rounds to "-0.00": nobody owes minus nothing.
    return cents if cents else abs(cents)


def _babel_locale(language: str | None) -> str:
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return translation.to_locale(language)
