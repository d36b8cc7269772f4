from django import template
from django.utils.translation import gettext

from accounts.selectors import communes_of

from ..selectors import pending_counts

register = template.Library()


@register.inclusion_tag("reservations/dashboard/pending_counts.html", takes_context=True)
def families_pending_counts(context):
    """What waits for the signed-in agent on the dashboard home, each count linking to its queue."""
    return {"counts": pending_counts(context["request"].user)}


@register.simple_tag
def agent_space_label(user) -> str:
    """What the dashboard's bar says under the platform's name: whose space it is, in the
    commune's words ("Espace des agents — Rosières")."""
    if user.is_superuser:
        return gettext("Administration de la plateforme")
    names = ", ".join(communes_of(user).order_by("name").values_list("name", flat=True))
    if not names:
        return gettext("Espace des agents")
    return gettext("Espace des agents — %(communes)s") % {"communes": names}
