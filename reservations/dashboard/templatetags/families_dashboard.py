from django import template

from ..selectors import pending_counts

register = template.Library()


@register.inclusion_tag("reservations/dashboard/pending_counts.html", takes_context=True)
def families_pending_counts(context):
    """What waits for the signed-in agent on the dashboard home, each count linking to its queue."""
    return {"counts": pending_counts(context["request"].user)}
