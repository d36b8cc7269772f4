"""Money the French way in the money pages: `{{ amount|euros }}` → "12,50 €", `|signed_euros`
→ "+12,50 €" / "-3,30 €" (the wallet's own formatting, whatever the page's language)."""

from django import template

from wallet.selectors import format_euros

register = template.Library()


@register.filter
def euros(amount) -> str:
    if amount is None or amount == "":
        return ""
    return format_euros(amount)


@register.filter
def signed_euros(amount) -> str:
    if amount is None or amount == "":
        return ""
    return f"+{format_euros(amount)}" if amount > 0 else format_euros(amount)
