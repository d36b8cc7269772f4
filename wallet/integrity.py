"""The ledger's invariants, checked against what is written: every transfer has at least two
legs summing to zero, and to zero within each régie it touches (every leg has its régie), every
pot's cached balance equals the sum of its legs, and no order line (a booked meal) was refunded
more than it was paid. System accounts cache no balance: theirs is the sum of their legs
(wallet/ledger.py), so only the pots' caches are compared.

Four aggregate queries whatever the size of the ledger; wallet.tasks runs them on a schedule
and raises the alarm. Amounts are compared to the cent: SQLite (the embedded default) adds
decimals in floating point, whose last digits are noise, not money."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, Round

from .models import POT_KINDS, LedgerAccount, Leg, Transfer, TransferKind
from .rules import ZERO

_MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class UnbalancedTransfer:
    transfer_id: int
    total: Decimal
    legs: int


@dataclass(frozen=True)
class BalanceMismatch:
    account_id: int
    kind: str
    owner_id: int | None
    cached: Decimal
    computed: Decimal


@dataclass(frozen=True)
class OverRefundedLine:
    """An order line (one booked meal) whose refunds put back more than it was paid."""

    order_line_id: int
    order_number: str
    paid: Decimal
    refunded: Decimal
    refunds: int


@dataclass(frozen=True)
class UnbalancedRegie:
    """A transfer whose legs of one régie (None: legs with no régie) do not sum to zero: every
    amount belongs to a régie, and a transfer moves money within each régie it touches (what
    the general pot pays for a service is in the service's régie, DESIGN.md)."""

    transfer_id: int
    regie_id: int | None
    total: Decimal


@dataclass(frozen=True)
class IntegrityReport:
    unbalanced_transfers: list[UnbalancedTransfer] = field(default_factory=list)
    balance_mismatches: list[BalanceMismatch] = field(default_factory=list)
    over_refunded_lines: list[OverRefundedLine] = field(default_factory=list)
    unbalanced_regies: list[UnbalancedRegie] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.unbalanced_transfers
            and not self.balance_mismatches
            and not self.over_refunded_lines
            and not self.unbalanced_regies
        )

    @property
    def counts(self) -> dict[str, int]:
        return {
            "unbalanced_transfers": len(self.unbalanced_transfers),
            "balance_mismatches": len(self.balance_mismatches),
            "over_refunded_lines": len(self.over_refunded_lines),
            "unbalanced_regies": len(self.unbalanced_regies),
        }

    def describe(self) -> str:
        """A plain-text account of every problem, for the log and the administrators' e-mail."""
        if self.ok:
            return "Ledger integrity: no problem found."
        lines = [
            f"Ledger integrity: {len(self.unbalanced_transfers)} unbalanced transfer(s), "
            f"{len(self.balance_mismatches)} account(s) whose cached balance is wrong, "
            f"{len(self.over_refunded_lines)} order line(s) refunded more than they were paid, "
            f"{len(self.unbalanced_regies)} transfer part(s) unbalanced within a régie."
        ]
        for problem in self.unbalanced_transfers:
            lines.append(
                f"- transfer {problem.transfer_id}: {problem.legs} leg(s) summing to "
                f"{problem.total} instead of 0"
            )
        for problem in self.balance_mismatches:
            lines.append(
                f"- account {problem.account_id} ({problem.kind}, owner {problem.owner_id}): "
                f"cached balance {problem.cached}, sum of its legs {problem.computed}"
            )
        for problem in self.over_refunded_lines:
            lines.append(
                f"- order line {problem.order_line_id} (order {problem.order_number}): "
                f"paid {problem.paid}, refunded {problem.refunded} in {problem.refunds} refund(s)"
            )
        for problem in self.unbalanced_regies:
            regie = problem.regie_id or "none"
            lines.append(
                f"- transfer {problem.transfer_id}: its legs of régie {regie} sum to "
                f"{problem.total}" + ("" if problem.regie_id else " (legs with no régie)")
            )
        return "\n".join(lines)


def check_ledger() -> IntegrityReport:
    """Read the ledger and report what breaks its invariants; changes nothing."""
    return IntegrityReport(
        unbalanced_transfers=_unbalanced_transfers(),
        balance_mismatches=_balance_mismatches(),
        over_refunded_lines=_over_refunded_lines(),
        unbalanced_regies=_unbalanced_regies(),
    )


def _unbalanced_transfers() -> list[UnbalancedTransfer]:
    transfers = (
        Transfer.objects.annotate(
            total=Coalesce(Sum("legs__amount"), Value(ZERO), output_field=_MONEY),
            leg_count=Count("legs"),
            total_in_cents=Round("total", 2),
        )
        .filter(~Q(total_in_cents=0) | Q(leg_count__lt=2))
        .order_by("pk")
        .values_list("pk", "total", "leg_count")
    )
    return [UnbalancedTransfer(pk, total, legs) for pk, total, legs in transfers]


def _unbalanced_regies() -> list[UnbalancedRegie]:
    parts = (
        Leg.objects.values("transfer_id", "regie_id")
        .annotate(total=Sum("amount"), total_in_cents=Round(Sum("amount"), 2))
        .filter(~Q(total_in_cents=0) | Q(regie_id__isnull=True))
        .order_by("transfer_id", "regie_id")
        .values_list("transfer_id", "regie_id", "total")
    )
    return [UnbalancedRegie(*part) for part in parts]


def _balance_mismatches() -> list[BalanceMismatch]:
    accounts = (
        LedgerAccount.objects.filter(kind__in=POT_KINDS)
        .annotate(
            computed=Coalesce(Sum("legs__amount"), Value(ZERO), output_field=_MONEY),
            cached_in_cents=Round("balance", 2),
            computed_in_cents=Round("computed", 2),
        )
        .exclude(cached_in_cents=F("computed_in_cents"))
        .order_by("pk")
        .values_list("pk", "kind", "owner_id", "balance", "computed")
    )
    return [BalanceMismatch(*row) for row in accounts]


def _over_refunded_lines() -> list[OverRefundedLine]:
    lines = (
        Transfer.objects.filter(kind=TransferKind.REFUND, order_line__isnull=False)
        .values("order_line")
        .annotate(
            refunded=Round(
                Coalesce(
                    Sum("legs__amount", filter=Q(legs__account__kind__in=POT_KINDS)),
                    Value(ZERO),
                    output_field=_MONEY,
                ),
                2,
            ),
            paid=Max("order_line__line_price_incl_tax"),
            number=Max("order_line__order__number"),
            refunds=Count("pk", distinct=True),
        )
        .filter(refunded__gt=F("paid"))
        .order_by("order_line")
        .values_list("order_line", "number", "paid", "refunded", "refunds")
    )
    return [OverRefundedLine(*row) for row in lines]
