"""Money in the page's language: `{{ amount|euros }}` → "12,50 €" on a French page, "€12.50" on
an English one; `|signed_euros` → "+12,50 €" / "-3,30 €" (see wallet.money)."""

from django import template

from wallet import money

from ..ledger_reasons import reason_in_language

register = template.Library()


@register.filter
def euros(amount) -> str:
    if amount == "":
        return ""  # a missing template variable, as Django renders it
    return money.euros(amount)


@register.filter
def signed_euros(amount) -> str:
    if amount == "":
        return ""
    return money.signed_euros(amount)


@register.filter
def ledger_reason(reason) -> str:
    """A wallet movement's reason in the page's language (themes.ledger_reasons)."""
    return reason_in_language(reason)
