"""Read queries of the wallet, scoped to whoever asks: a parent reads their own pots, an agent
the pots of their communes' services plus the general pots (read-only, they serve every commune).

The wallet is the bottom layer: the communes (Oscar partners), the services (parent products)
and the accounts are reached through `get_model` and the user model, never our other apps."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from accounts.selectors import communes_of

from .models import POT_KINDS, AccountKind, LedgerAccount, Leg, Transfer
from .rules import ZERO

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

PLATFORM_NAME = "Portail Famille"


def pot_name(pot: LedgerAccount) -> str:
    """A service pot is named after its service ("Cantine de Saint-Marcel-en-Dombes"); the
    general pot is "Tous services"."""
    if pot.kind == AccountKind.SERVICE_POT and pot.service_id:
        return pot.service.title
    return _("Tous services")


def _pots_ordered(queryset: QuerySet) -> QuerySet:
    """Service pots by service name, then the general pot, as the parent's statement lists them."""
    general_last = Case(
        When(kind=AccountKind.GENERAL_POT, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return queryset.select_related("service", "commune").order_by(
        general_last, "service__title", "pk"
    )


# --- The parent's statement ------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    pots: list[LedgerAccount]

    @property
    def total(self) -> Decimal:
        return sum((pot.balance for pot in self.pots), ZERO)


def statement_of(owner) -> Statement:
    """The owner's pots with what they hold, in one query. A pot opened but never moved (the
    payments of earlier versions opened the pot of each service they paid) is left out."""
    pots = LedgerAccount.objects.filter(owner=owner, kind__in=POT_KINDS).filter(
        ~Q(balance=0) | Exists(Leg.objects.filter(account=OuterRef("pk")))
    )
    return Statement(pots=list(_pots_ordered(pots)))


def pots_of(owner) -> QuerySet:
    """Every pot of the owner, to check that a pot asked for is theirs."""
    return LedgerAccount.objects.filter(owner=owner, kind__in=POT_KINDS)


@dataclass(frozen=True)
class PotMovement:
    """What one transfer did to one pot (its legs on that pot summed): a line of the history."""

    transfer: Transfer
    pot: LedgerAccount
    amount: Decimal

    @property
    def date(self) -> datetime:
        return self.transfer.created_at

    @property
    def pot_name(self) -> str:
        return pot_name(self.pot)

    @property
    def by_owner(self) -> bool:
        return self.transfer.actor_id is not None and self.transfer.actor_id == self.pot.owner_id

    @property
    def actor_name(self) -> str:
        """Who moved the money, as an agent reads it: the person's name, or the platform."""
        actor = self.transfer.actor
        if self.transfer.actor_role == ActorRole.SYSTEM or actor is None:
            return PLATFORM_NAME
        return actor.get_full_name() or actor.email

    @property
    def who_for_owner(self) -> str:
        """Who moved the money, as the pot's owner reads it: "Vous", "L'agent de Rosières" (an
        agent booking or adjusting for the family), or the platform."""
        if self.transfer.actor_role == ActorRole.AGENT:
            return capfirst(agent_for_family(self.transfer.actor))
        if self.by_owner and self.transfer.actor_role == ActorRole.PARENT:
            return _("Vous")
        return self.actor_name


def agent_for_family(agent) -> str:
    """An agent who acted for a family, as the family reads it: "l'agent de Rosières" (the
    agent's commune), or "un agent" when the agent has none or several. Their communes are read
    from `agent.partners`: prefetch them for a list."""
    communes = [] if agent is None or agent.is_superuser else list(agent.partners.all())
    if len(communes) != 1:
        return _("un agent")
    name = communes[0].name
    if name[:1].lower() in "aàâeéèêiîoôuûy":
        return _("l'agent d'%(commune)s") % {"commune": name}
    return _("l'agent de %(commune)s") % {"commune": name}


def movements_of(owner, *, pot_ids=None) -> QuerySet:
    """The owner's pot history, newest first, one row per (transfer, pot): a payment split over
    two communes writes two legs on the general pot, which the parent reads as one line.

    Rows are dicts (transfer_id, account_id, total); `hydrate_movements` turns a page of them
    into `PotMovement`s in two queries, so a page costs the same whatever its length."""
    legs = Leg.objects.filter(account__owner=owner, account__kind__in=POT_KINDS)
    if pot_ids is not None:
        legs = legs.filter(account_id__in=pot_ids)
    return (
        legs.values("transfer_id", "account_id")
        .annotate(total=Sum("amount"), moved_at=Max("transfer__created_at"))
        .exclude(total=0)
        .order_by("-moved_at", "-transfer_id", "account_id")
    )


def hydrate_movements(rows) -> list[PotMovement]:
    rows = list(rows)
    # The actors' communes too: an agent is shown by their commune ("l'agent de Rosières").
    transfers = (
        Transfer.objects.select_related("actor")
        .prefetch_related("actor__partners")
        .in_bulk({row["transfer_id"] for row in rows})
    )
    pots = LedgerAccount.objects.select_related("service", "commune").in_bulk(
        {row["account_id"] for row in rows}
    )
    return [
        PotMovement(transfers[row["transfer_id"]], pots[row["account_id"]], row["total"])
        for row in rows
    ]


# --- Agents ----------------------------------------------------------------------------------


def adjustment_recorded(idempotency_key: str) -> bool:
    """Whether a transfer was already written under this key (a form submitted twice)."""
    return Transfer.objects.filter(idempotency_key=idempotency_key).exists()


def visible_pots(agent) -> QuerySet:
    """Pots an agent may look at: their communes' service pots, and every general pot."""
    pots = LedgerAccount.objects.filter(kind__in=POT_KINDS)
    if not agent.is_superuser:
        pots = pots.filter(
            Q(kind=AccountKind.GENERAL_POT)
            | Q(kind=AccountKind.SERVICE_POT, commune__in=communes_of(agent))
        )
    return _pots_ordered(pots)


def adjustable_pots(agent) -> QuerySet:
    """Pots an agent may credit or debit: their communes' service pots. The general pot serves
    every commune, so only an administrator adjusts it."""
    pots = LedgerAccount.objects.filter(kind__in=POT_KINDS)
    if not agent.is_superuser:
        pots = pots.filter(kind=AccountKind.SERVICE_POT, commune__in=communes_of(agent))
    return _pots_ordered(pots)


def services_for_agent(agent) -> QuerySet:
    """The services (parent products) of the agent's communes, each annotated with `commune_id`:
    the commune whose stock records price its options."""
    commune = (
        StockRecord.objects.filter(product__parent=OuterRef("pk"))
        .order_by("pk")
        .values("partner_id")[:1]
    )
    return (
        Product.objects.filter(structure=Product.PARENT)
        .annotate(commune_id=Subquery(commune))
        .filter(commune_id__in=communes_of(agent).values("pk"))
        .order_by("title", "pk")
    )


def parents() -> QuerySet:
    """Accounts that may hold a wallet: neither staff nor agents of a commune."""
    return get_user_model().objects.filter(
        is_staff=False, is_superuser=False, partners__isnull=True
    )


def parents_for_agent(agent, search: str = "") -> QuerySet:
    """Parents whose wallet an agent looks for, with `visible_pots` prefetched.

    Without a search, the families holding a pot of the agent's communes' services; with one,
    every parent whose name or e-mail contains each word, so that an agent can find a family
    new to their commune and credit it."""
    accounts = parents()
    words = search.split()
    if words:
        for word in words:
            accounts = accounts.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
    else:
        accounts = accounts.filter(Exists(adjustable_pots(agent).filter(owner=OuterRef("pk"))))
    return accounts.prefetch_related(
        Prefetch("wallet_accounts", queryset=visible_pots(agent), to_attr="visible_pots")
    ).order_by("last_name", "first_name", "pk")
