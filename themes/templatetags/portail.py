"""Template helpers of the front end: the parent's space menu and money/dates the French way."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from ..selectors import header_figures
from ..text import elide as elide_text
from ..views.space import PENDING_MENU, SPACE_MENU

register = template.Library()


@register.inclusion_tag("themes/includes/space_nav.html", takes_context=True)
def space_nav(context):
    """The parent's space menu; the current area (same URL or a sub-path of it) is marked."""
    request = context["request"]
    path = request.path
    # An account awaiting validation prepares its family; booking and paying wait.
    validated = getattr(request.user, "is_validated", False)
    items = []
    for url_name, label in SPACE_MENU if validated else PENDING_MENU:
        url = reverse(url_name)
        home = url_name in ("portail:space", "portail:awaiting_validation")
        current = path == url if home else path.startswith(url)
        items.append({"url": url, "label": label, "current": current})
    return {"items": items}


@register.filter
def translated(stored_name):
    """A name Oscar stores in French (an order status, a payment source or event type), in the
    reader's language when the catalogue has it (shop/payment/constants.py marks them)."""
    return gettext(stored_name) if stored_name else stored_name


@register.inclusion_tag("themes/includes/account_header.html", takes_context=True)
def account_header(context):
    """The wallet's balance and the basket's count in the header, for a validated account."""
    user = context["request"].user
    if not getattr(user, "is_validated", False):
        return {"figures": None}
    return {"figures": header_figures(user)}


@register.filter(is_safe=True)
def elide(text):
    """`{% filter elide %}… de {{ name }}{% endfilter %}`: "d'Alice", "de Léa" (themes.text)."""
    return elide_text(text)
