"""Read queries on accounts: who counts as a parent (usager)."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from oscar.core.loading import get_model

from .roles import PARENTS

Partner = get_model("partner", "Partner")


def parents() -> QuerySet:
    """Accounts of families: no back-office right of any kind. Staff and administrators, agents
    (listed by a commune, or in any group but "Usagers", such as agents and officers) and
    accounts given a permission of their own are not parents, even before they are validated."""
    User = get_user_model()
    agent_of_a_commune = Partner.users.through.objects.filter(user_id=OuterRef("pk"))
    other_role = User.groups.through.objects.filter(user_id=OuterRef("pk")).exclude(
        group__name=PARENTS
    )
    own_permission = User.user_permissions.through.objects.filter(user_id=OuterRef("pk"))
    return User.objects.filter(is_staff=False, is_superuser=False).exclude(
        Exists(agent_of_a_commune) | Exists(other_role) | Exists(own_permission)
    )


def communes_of(agent) -> QuerySet:
    """The communes (Oscar partners) an agent works for; an administrator works for all."""
    if agent.is_superuser:
        return Partner.objects.all()
    return Partner.objects.filter(users=agent)
