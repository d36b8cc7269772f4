"""Read queries of the agents' wallet screens, scoped to the agent's communes.

A family is the agent's when it has an accepted access to one of their communes' services, or a
pot of one of them (money the commune already holds for it). The agent sees its general pot's
balance, but of that pot's history only what no commune did (top-ups) or what their communes did:
a meal paid at another commune is that commune's business.

This sub-app is a dashboard screen above the domain apps (as shop/dashboard/bookings/ is), so it
reads the families' accesses from reservations; the wallet itself stays below."""

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum

from accounts.selectors import communes_of, parents
from reservations.models import AccessStatus, ServiceAccess

from ..models import POT_KINDS, AccountKind, Leg
from ..selectors import adjustable_pots, visible_pots


def families_for_agent(agent) -> QuerySet:
    """The parents whose wallet `agent` may open: every parent for an administrator."""
    families = parents()
    if agent.is_superuser:
        return families
    communes = communes_of(agent)
    accesses = ServiceAccess.objects.filter(
        account=OuterRef("pk"), status=AccessStatus.ACCEPTED, commune__in=communes
    )
    return families.filter(
        Exists(accesses) | Exists(adjustable_pots(agent).filter(owner=OuterRef("pk")))
    )


def search_families(agent, search: str = "") -> QuerySet:
    """The agent's families whose name or e-mail contains each word of `search`, with their
    `visible_pots` prefetched."""
    families = families_for_agent(agent)
    for word in search.split():
        families = families.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return families.prefetch_related(
        Prefetch("wallet_accounts", queryset=visible_pots(agent), to_attr="visible_pots")
    ).order_by("last_name", "first_name", "pk")


def movements_for_agent(agent, family) -> QuerySet:
    """The family's pot history as `agent` may read it, newest first, one row per (transfer,
    pot) as wallet.selectors.movements_of gives it: the legs on their communes' service pots,
    and the legs on the general pot that belong to no commune or to one of theirs."""
    legs = Leg.objects.filter(account__owner=family, account__kind__in=POT_KINDS)
    if not agent.is_superuser:
        communes = communes_of(agent)
        legs = legs.filter(
            Q(account__kind=AccountKind.SERVICE_POT, account__commune__in=communes)
            | Q(account__kind=AccountKind.GENERAL_POT)
            & (Q(commune__isnull=True) | Q(commune__in=communes))
        )
    return (
        legs.values("transfer_id", "account_id")
        .annotate(total=Sum("amount"), moved_at=Max("transfer__created_at"))
        .exclude(total=0)
        .order_by("-moved_at", "-transfer_id", "account_id")
    )
