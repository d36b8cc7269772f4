"""Template helpers of the front end: the parent's space menu and money/dates the French way."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from ..views.space import SPACE_MENU

register = template.Library()


@register.inclusion_tag("themes/includes/space_nav.html", takes_context=True)
def space_nav(context):
    """The parent's space menu; the current area (same URL or a sub-path of it) is marked."""
    path = context["request"].path
    items = []
    for url_name, label in SPACE_MENU:
        url = reverse(url_name)
        current = path == url if url_name == "portail:space" else path.startswith(url)
        items.append({"url": url, "label": label, "current": current})
    return {"items": items}


@register.filter
def translated(stored_name):
    """A name Oscar stores in French (an order status, a payment source or event type), in the
    reader's language when the catalogue has it (shop/payment/constants.py marks them)."""
    return gettext(stored_name) if stored_name else stored_name
