"""What a régie's régisseur reads and signs: the daily journal, the period reconciliation and
the inter-régie statement. Read queries only, a fixed number of them whatever the movements.

Periods are local days (Europe/Paris) from `start` to `end` included; a movement belongs to the
day of its `Transfer.created_at`, a card payment to the day of its `settled_at`, a régie share's
parts to the days they happened (below).

What counts for régie R is every ledger leg whose `Leg.regie` is R, classified by its account
and its transfer:

- card receipts: −Σ legs on CARD_RECEIPTS accounts: of top-ups (TOP_UP transfers: a platform
  régie's, or a services régie's card charged after its order's share was given up, which
  credits the general pot), and of orders (the card part, written by
  wallet.ledger.record_card_receipt when the step succeeds);
- wallet spending: −Σ pot legs of PURCHASE transfers, the general pot and the services' pots
  apart; reversals: +Σ pot legs of REFUND transfers that have no leg on a REFUNDS account (the
  mirror of a purchase, written when an order's card step fails or expires), netted from it;
- refunds: −Σ legs on REFUNDS accounts (cancelled bookings' prices credited to service pots);
- adjustments: −Σ legs on ADJUSTMENTS accounts (what agents credited, net of what they debited);
- top-ups credited: +Σ pot legs of TOP_UP transfers;
- booked revenue: Σ legs on SERVICE_REVENUE accounts (net of reversals); net revenue is booked
  revenue − refunds.

The reconciliation's checks, each with its two figures:

(a1) every transfer balances within R: no transfer whose legs of R do not sum to zero (the
     figures: Σ credits and Σ debits of R's legs);
(a2) R's accounts hold the inter-régie position: Σ legs on the accounts R holds
     (`LedgerAccount.regie`) equals what the general pots of other régies spent for R minus
     what R's general pots spent for other régies. The general pot belongs to the platform
     régie P while its spending leg carries the service's régie S: that leg is the one place
     where money crosses régies, and what P owes S (the inter-régie statement);
(b)  the ledger's card receipts of R equal what the gateways said: the SUCCEEDED card payments
     settled in the period, a top-up's for its régie, an order step's split by its paid shares'
     card parts (one step pays every régie of one backend account: `CardPayment.regie` is then
     empty), a step charged after its shares were given up for its first share's régie (the
     money went to the general pot through that régie's card receipts);
(c1) card receipts of orders + wallet spending net of reversals = booked revenue;
(c2) card receipts of top-ups = top-ups credited to general pots;
(d)  booked revenue = what R's shares (RegieShare) say was collected in the period: each
     share's wallet part on the day it was created (the checkout debits the pots in the same
     transaction), its card part on the day it was paid (`paid_at`: its card payment
     succeeded), minus the wallet part of a share cancelled in the period (its step failed or
     expired: the wallet part went back to the pots). This is exact for split orders, whose
     two parts may fall on different days, and for shares still pending at the end of the
     period (their wallet part is booked, their card part not yet). Skipped, and said so,
     while R has no share at all (orders placed before shares existed).

A payment settled a few milliseconds before midnight whose ledger transfer is written just
after it counts on two days: that day's (b) or (d) shows the difference, and the two days
together balance.

Invoices of post-paid services (billing/, which this module does not import) are paid by
INVOICE_PAYMENT transfers (from the pots, by card, at the counter), DIRECT_DEBIT transfers
(a SEPA collection) and DIRECT_DEBIT_REJECT ones (its reversal): their legs are counted apart
(invoice card, wallet, counter and debit receipts, and invoiced revenue), check (e) says
receipts = invoiced revenue, and (c1) and (d) stay the orders' checks. Their card receipts
count in (b) with the others: the gateways report invoice payments like top-ups (no share).

The inter-régie statement: for each (P = the general pot's `LedgerAccount.regie`, S =
`Leg.regie`) with P ≠ S, the general pots' debits for S minus what went back to them through S
(reversals, and a late card payment S credited to a general pot), i.e. what P owes S. Its total
equals the services régies' general-pot spending net of reversals, less those late payments."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from .models import (
    POT_KINDS,
    AccountKind,
    CardPayment,
    CardPaymentPurpose,
    CardPaymentStatus,
    Leg,
    Regie,
    RegieKind,
    RegieShare,
    ShareStatus,
    TransferKind,
)

PARIS = ZoneInfo("Europe/Paris")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


# --- Periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def day(cls, day: date) -> "Period":
        return cls(day, day)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=PARIS)

    @property
    def until(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=PARIS)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.since <= moment < self.until

    def q(self, lookup: str) -> Q:
        return Q(**{f"{lookup}__gte": self.since, f"{lookup}__lt": self.until})


def local_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


# --- Classification --------------------------------------------------------------------------


class Nature:
    """What a journal row is (its label is shown and exported)."""

    CARD_TOP_UP = "card_top_up"
    # A services régie's card charged after its order's share was given up: the money went to
    # the family's general pot.
    CARD_TO_WALLET = "card_to_wallet"
    CARD_ORDER = "card_order"
    GENERAL_POT = "general_pot"
    SERVICE_POT = "service_pot"
    REVERSAL = "reversal"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    INVOICE_CARD = "invoice_card"
    INVOICE_WALLET = "invoice_wallet"
    INVOICE_COUNTER = "invoice_counter"
    DIRECT_DEBIT = "direct_debit"
    DEBIT_REJECT = "debit_reject"

    LABELS = {
        CARD_TOP_UP: _("Rechargement par carte"),
        CARD_TO_WALLET: _("Paiement par carte tardif, versé au porte-monnaie"),
        CARD_ORDER: _("Paiement par carte"),
        GENERAL_POT: _("Porte-monnaie tous services"),
        SERVICE_POT: _("Porte-monnaie du service"),
        REVERSAL: _("Paiement porte-monnaie rendu (commande annulée)"),
        REFUND: _("Remboursement d'une annulation"),
        ADJUSTMENT: _("Ajustement par un agent"),
        INVOICE_CARD: _("Facture payée en ligne"),
        INVOICE_WALLET: _("Facture payée par le porte-monnaie"),
        INVOICE_COUNTER: _("Facture payée au guichet"),
        DIRECT_DEBIT: _("Prélèvement SEPA d'une facture"),
        DEBIT_REJECT: _("Rejet d'un prélèvement SEPA"),
    }


INVOICE_TRANSFER_KINDS = (
    TransferKind.INVOICE_PAYMENT,
    TransferKind.DIRECT_DEBIT,
    TransferKind.DIRECT_DEBIT_REJECT,
)


WALLET_METHOD = "wallet"
METHOD_LABELS = {
    "offline": _("Carte (passerelle de test)"),
    "stripe": _("Carte bancaire (Stripe)"),
    "payfip_ws": _("PayFiP"),
    "paybox": _("Carte bancaire (Paybox)"),
    "systempayv2": _("Carte bancaire (Systempay)"),
    WALLET_METHOD: _("Porte-monnaie"),
}


def method_label(code: str) -> str:
    return str(METHOD_LABELS.get(code, code or _("Carte bancaire")))


@dataclass
class Totals:
    """A régie's figures over a day or a period (see the module docstring)."""

    card_top_ups: Decimal = ZERO
    card_orders: Decimal = ZERO
    general_pot_spending: Decimal = ZERO
    service_pot_spending: Decimal = ZERO
    general_pot_reversals: Decimal = ZERO
    service_pot_reversals: Decimal = ZERO
    refunds: Decimal = ZERO
    adjustments: Decimal = ZERO
    top_ups_credited: Decimal = ZERO
    booked_revenue: Decimal = ZERO
    # Invoices of post-paid services: what paid them, and the revenue they credited.
    invoice_card: Decimal = ZERO
    invoice_general_pot: Decimal = ZERO
    invoice_service_pot: Decimal = ZERO
    invoice_counter: Decimal = ZERO
    invoice_debits: Decimal = ZERO
    invoiced_revenue: Decimal = ZERO
    # Card receipts per backend kind (gateway code when there is no backend).
    card_by_method: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))

    @property
    def card_receipts(self) -> Decimal:
        return self.card_top_ups + self.card_orders + self.invoice_card

    @property
    def invoice_receipts(self) -> Decimal:
        return (
            self.invoice_card
            + self.invoice_general_pot
            + self.invoice_service_pot
            + self.invoice_counter
            + self.invoice_debits
        )

    @property
    def reversals(self) -> Decimal:
        return self.general_pot_reversals + self.service_pot_reversals

    @property
    def general_pot_net(self) -> Decimal:
        return self.general_pot_spending - self.general_pot_reversals

    @property
    def service_pot_net(self) -> Decimal:
        return self.service_pot_spending - self.service_pot_reversals

    @property
    def wallet_spending(self) -> Decimal:
        """Wallet spending net of reversals."""
        return self.general_pot_net + self.service_pot_net

    @property
    def net_revenue(self) -> Decimal:
        return self.booked_revenue - self.refunds

    def by_method(self) -> list[tuple[str, Decimal]]:
        """(label, amount) per payment method: each card backend, then the wallet."""
        rows = [
            (method_label(code), amount) for code, amount in sorted(self.card_by_method.items())
        ]
        if self.wallet_spending:
            rows.append((method_label(WALLET_METHOD), self.wallet_spending))
        return rows

    def lines(self) -> list[tuple[str, Decimal]]:
        """The figures as the screen and the export list them."""
        return [
            (_("Encaissements par carte"), self.card_receipts),
            (_("dont rechargements du porte-monnaie"), self.card_top_ups),
            (_("dont paiements de commandes"), self.card_orders),
            (_("Dépenses du porte-monnaie tous services"), self.general_pot_spending),
            (_("Dépenses des porte-monnaie des services"), self.service_pot_spending),
            (_("Paiements porte-monnaie rendus (commandes annulées)"), self.reversals),
            (_("Dépenses du porte-monnaie, nettes"), self.wallet_spending),
            (_("Remboursements (annulations)"), self.refunds),
            (_("Ajustements des agents"), self.adjustments),
            (_("Rechargements crédités"), self.top_ups_credited),
            (_("Recettes réservées"), self.booked_revenue),
            (_("Recettes nettes des remboursements"), self.net_revenue),
            (_("Factures payées"), self.invoice_receipts),
            (_("dont en ligne"), self.invoice_card),
            (_("dont par le porte-monnaie"), self.invoice_general_pot + self.invoice_service_pot),
            (_("dont au guichet"), self.invoice_counter),
            (_("dont par prélèvement (net des rejets)"), self.invoice_debits),
            (_("Recettes facturées"), self.invoiced_revenue),
        ]

    def add(self, account_kind, transfer_kind, is_refund, amount: Decimal) -> None:
        """Count one leg (or a sum of legs of the same class) of the régie."""
        if transfer_kind in INVOICE_TRANSFER_KINDS:
            self._add_invoice_leg(account_kind, amount)
        elif account_kind == AccountKind.CARD_RECEIPTS:
            if transfer_kind == TransferKind.TOP_UP:
                self.card_top_ups -= amount
            else:
                self.card_orders -= amount
        elif account_kind == AccountKind.SERVICE_REVENUE:
            self.booked_revenue += amount
        elif account_kind == AccountKind.REFUNDS:
            self.refunds -= amount
        elif account_kind == AccountKind.ADJUSTMENTS:
            self.adjustments -= amount
        elif account_kind in POT_KINDS:
            general = account_kind == AccountKind.GENERAL_POT
            if transfer_kind == TransferKind.TOP_UP:
                self.top_ups_credited += amount
            elif transfer_kind == TransferKind.PURCHASE:
                if general:
                    self.general_pot_spending -= amount
                else:
                    self.service_pot_spending -= amount
            elif transfer_kind == TransferKind.REFUND and not is_refund:
                if general:
                    self.general_pot_reversals += amount
                else:
                    self.service_pot_reversals += amount
            # A refund's or an adjustment's pot leg is the counterpart of the REFUNDS or
            # ADJUSTMENTS leg counted above.

    def _add_invoice_leg(self, account_kind, amount: Decimal) -> None:
        if account_kind == AccountKind.CARD_RECEIPTS:
            self.invoice_card -= amount
        elif account_kind == AccountKind.COUNTER_RECEIPTS:
            self.invoice_counter -= amount
        elif account_kind == AccountKind.DIRECT_DEBIT_RECEIPTS:
            self.invoice_debits -= amount
        elif account_kind == AccountKind.SERVICE_REVENUE:
            self.invoiced_revenue += amount
        elif account_kind == AccountKind.GENERAL_POT:
            self.invoice_general_pot -= amount
        elif account_kind == AccountKind.SERVICE_POT:
            self.invoice_service_pot -= amount


def _has_refunds_leg():
    return Exists(
        Leg.objects.filter(transfer=OuterRef("transfer"), account__kind=AccountKind.REFUNDS)
    )


# --- The daily journal -----------------------------------------------------------------------


@dataclass
class Row:
    """One line of the journal: one nature of one transfer of the régie."""

    at: datetime
    nature: str
    reference: str
    receipt_number: str
    share_id: int | None  # the régie's share of the order (its receipt), if any
    family: str
    method: str
    amount: Decimal
    actor: str
    actor_role: str
    transfer_id: int

    @property
    def nature_label(self) -> str:
        return str(Nature.LABELS[self.nature])

    @property
    def local_at(self) -> datetime:
        return self.at.astimezone(PARIS)


@dataclass
class Day:
    day: date
    rows: list[Row] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    def by_nature(self) -> list[tuple[str, list[Row], Decimal]]:
        """The rows grouped by nature, in the order of Nature.LABELS, with their sum."""
        groups = defaultdict(list)
        for row in self.rows:
            groups[row.nature].append(row)
        return [
            (str(label), groups[nature], sum((r.amount for r in groups[nature]), ZERO))
            for nature, label in Nature.LABELS.items()
            if groups[nature]
        ]


@dataclass
class Journal:
    regie: Regie
    period: Period
    days: list[Day]
    totals: Totals

    @property
    def rows(self) -> list[Row]:
        return [row for day in self.days for row in day.rows]


def journal(regie: Regie, period: Period) -> Journal:
    """Every movement of `regie` in `period`, by day: rows and totals. Three queries."""
    legs = list(
        Leg.objects.filter(period.q("transfer__created_at"), regie=regie)
        .annotate(is_refund=_has_refunds_leg())
        .select_related("transfer", "transfer__actor", "account", "account__owner")
        .order_by("transfer__created_at", "transfer_id", "pk")
    )
    by_transfer: dict[int, list[Leg]] = {}
    for leg in legs:
        by_transfer.setdefault(leg.transfer_id, []).append(leg)
    payments = _card_payments(regie, by_transfer)
    shares = _shares(regie, by_transfer)

    days = {day: Day(day) for day in period.days()}
    totals = Totals()
    for transfer_legs in by_transfer.values():
        transfer = transfer_legs[0].transfer
        day = days[local_day(transfer.created_at)]
        payment = payments.get(("transfer", transfer.pk)) or payments.get(
            ("order", transfer.reference)
        )
        method = _method_of(payment) if payment else ""
        for leg in transfer_legs:
            for target in (day.totals, totals):
                target.add(leg.account.kind, transfer.kind, leg.is_refund, leg.amount)
                if leg.account.kind == AccountKind.CARD_RECEIPTS:
                    target.card_by_method[method] -= leg.amount
        day.rows.extend(
            _rows(regie, transfer, transfer_legs, payment, shares.get(transfer.reference))
        )
    return Journal(regie, period, list(days.values()), totals)


def _card_payments(regie, by_transfer) -> dict:
    """The card payments behind the card receipts: a top-up's by its transfer; an order's card
    part by its order number (Transfer.reference), as the step of the régie's backend account
    (a step pays the shares of every régie of one account, so it may name no régie); a card
    charged after its share was given up, credited to the pot, likewise. One query, none
    without receipts."""
    top_ups, orders = [], []
    for transfer_id, legs in by_transfer.items():
        if any(leg.account.kind == AccountKind.CARD_RECEIPTS for leg in legs):
            transfer = legs[0].transfer
            if transfer.kind == TransferKind.TOP_UP:
                top_ups.append(transfer_id)
            if transfer.reference:
                orders.append(transfer.reference)
    if not (top_ups or orders):
        return {}
    found = {}
    for payment in (
        CardPayment.objects.filter(
            Q(transfer_id__in=top_ups)
            | Q(
                purpose__in=[CardPaymentPurpose.ORDER, CardPaymentPurpose.INVOICE],
                order_number__in=orders,
            )
            & (Q(regie=regie) | Q(regie__isnull=True, backend_id=regie.backend_id))
        )
        .select_related("backend", "owner")
        .order_by("pk")
    ):
        if payment.transfer_id:
            found[("transfer", payment.transfer_id)] = payment
        if payment.purpose in (CardPaymentPurpose.ORDER, CardPaymentPurpose.INVOICE):
            key = ("order", payment.order_number)
            # The succeeded one, if the order's step was tried more than once.
            if key not in found or payment.status == CardPaymentStatus.SUCCEEDED:
                found[key] = payment
    return found


def _shares(regie, by_transfer) -> dict:
    references = {legs[0].transfer.reference for legs in by_transfer.values()} - {""}
    if not references:
        return {}
    return {
        share.order_number: share
        for share in RegieShare.objects.filter(
            regie=regie, order_number__in=references
        ).select_related("owner")
    }


def _method_of(payment: CardPayment) -> str:
    return payment.backend.kind if payment.backend_id else payment.gateway


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _rows(regie, transfer, legs, payment, share) -> list[Row]:
    sums = defaultdict(lambda: ZERO)
    owner = None
    is_refund = legs[0].is_refund
    for leg in legs:
        sums[leg.account.kind] += leg.amount
        if leg.account.owner_id and owner is None:
            owner = leg.account.owner
    if owner is None:
        owner = payment.owner if payment else (share.owner if share else None)
    kind = transfer.kind
    if kind in INVOICE_TRANSFER_KINDS:
        amounts = _invoice_amounts(kind, sums, payment)
    else:
        amounts = _order_amounts(regie, kind, sums, payment, is_refund)
    return [
        Row(
            at=transfer.created_at,
            nature=nature,
            reference=transfer.reference,
            receipt_number=(share.number or "") if share else "",
            share_id=share.pk if share else None,
            family=_name(owner),
            method=method_label(method),
            amount=amount,
            actor=_name(transfer.actor),
            actor_role=transfer.get_actor_role_display(),
            transfer_id=transfer.pk,
        )
        for nature, amount, method in amounts
        if amount
    ]


def _order_amounts(regie, kind, sums, payment, is_refund) -> list[tuple[str, Decimal, str]]:
    """A top-up's, an order's, a refund's or an adjustment's (nature, amount, method) rows."""
    amounts = []
    if sums[AccountKind.CARD_RECEIPTS]:
        nature = Nature.CARD_ORDER
        if kind == TransferKind.TOP_UP:
            nature = Nature.CARD_TOP_UP if regie.is_platform else Nature.CARD_TO_WALLET
        amounts.append(
            (nature, -sums[AccountKind.CARD_RECEIPTS], _method_of(payment) if payment else "")
        )
    if kind == TransferKind.PURCHASE:
        amounts.append((Nature.GENERAL_POT, -sums[AccountKind.GENERAL_POT], WALLET_METHOD))
        amounts.append((Nature.SERVICE_POT, -sums[AccountKind.SERVICE_POT], WALLET_METHOD))
    elif kind == TransferKind.REFUND and is_refund:
        amounts.append((Nature.REFUND, -sums[AccountKind.REFUNDS], WALLET_METHOD))
    elif kind == TransferKind.REFUND:
        reversed_ = sums[AccountKind.GENERAL_POT] + sums[AccountKind.SERVICE_POT]
        amounts.append((Nature.REVERSAL, reversed_, WALLET_METHOD))
    elif kind == TransferKind.ADJUSTMENT:
        amounts.append((Nature.ADJUSTMENT, -sums[AccountKind.ADJUSTMENTS], WALLET_METHOD))
    return amounts


def _invoice_amounts(kind, sums, payment) -> list[tuple[str, Decimal, str]]:
    """An invoice's payment, collection or reject as (nature, amount, method) rows."""
    if kind == TransferKind.DIRECT_DEBIT:
        return [(Nature.DIRECT_DEBIT, -sums[AccountKind.DIRECT_DEBIT_RECEIPTS], "")]
    if kind == TransferKind.DIRECT_DEBIT_REJECT:
        return [(Nature.DEBIT_REJECT, -sums[AccountKind.DIRECT_DEBIT_RECEIPTS], "")]
    pots = sums[AccountKind.GENERAL_POT] + sums[AccountKind.SERVICE_POT]
    return [
        (
            Nature.INVOICE_CARD,
            -sums[AccountKind.CARD_RECEIPTS],
            _method_of(payment) if payment else "",
        ),
        (Nature.INVOICE_WALLET, -pots, WALLET_METHOD),
        (Nature.INVOICE_COUNTER, -sums[AccountKind.COUNTER_RECEIPTS], ""),
    ]


# --- The reconciliation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    left_label: str
    left: Decimal
    right_label: str
    right: Decimal
    skipped: str = ""  # why the check was not made
    detail: str = ""
    broken: bool = False  # broken whatever the figures (an unbalanced transfer)

    @property
    def ok(self) -> bool:
        return bool(self.skipped) or (self.left == self.right and not self.broken)

    @property
    def difference(self) -> Decimal:
        return self.left - self.right


@dataclass
class Reconciliation:
    regie: Regie
    period: Period
    totals: Totals
    checks: list[Check]
    unbalanced_transfers: list[int]
    # What the gateways said, per payment method: (label, amount).
    gateway_by_method: list = field(default_factory=list)

    @property
    def balances(self) -> bool:
        return all(check.ok for check in self.checks)


def period_totals(regie: Regie, period: Period) -> tuple[Totals, Decimal, Decimal]:
    """The régie's totals over the period from grouped sums (one query), with Σ of its
    positive legs and of its negative legs."""
    totals = Totals()
    credits = debits = ZERO
    groups = (
        Leg.objects.filter(period.q("transfer__created_at"), regie=regie)
        .annotate(is_refund=_has_refunds_leg())
        .values("account__kind", "transfer__kind", "is_refund")
        .annotate(
            total=Sum("amount"),
            credit=Sum("amount", filter=Q(amount__gt=0)),
            debit=Sum("amount", filter=Q(amount__lt=0)),
        )
        .order_by()
    )
    for group in groups:
        totals.add(
            group["account__kind"], group["transfer__kind"], group["is_refund"], group["total"]
        )
        credits += group["credit"] or ZERO
        debits -= group["debit"] or ZERO
    return totals, credits, debits


def _card_receipts_by_method(regie: Regie, period: Period) -> dict:
    """What the gateways said `regie` received in the period, per backend kind: the card
    payments that succeeded, settled in the period, counted for the régie as settlement
    credits them. A top-up (no share): all of it, for its régie. An order's step: the card
    part of each of its paid shares, for the share's régie (one step pays the shares of all
    the régies of its backend account). A step that succeeded after its shares were given up
    (the card charged as the order expired): all of it, for its first share's régie, whose
    card receipts credit the general pot (shop.payment.processing.credit_late_card_payment).
    Three queries."""
    succeeded = CardPayment.objects.filter(
        period.q("settled_at"), status=CardPaymentStatus.SUCCEEDED
    )
    found = defaultdict(lambda: ZERO)
    top_ups = (
        succeeded.filter(regie=regie)
        .exclude(Exists(RegieShare.objects.filter(card_payment=OuterRef("pk"))))
        .values("backend__kind", "gateway")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in top_ups:
        found[row["backend__kind"] or row["gateway"]] += row["total"]
    paid_shares = (
        RegieShare.objects.filter(
            period.q("card_payment__settled_at"),
            regie=regie,
            status=ShareStatus.PAID,
            card_payment__status=CardPaymentStatus.SUCCEEDED,
        )
        .values("card_payment__backend__kind", "card_payment__gateway")
        .annotate(total=Sum("card_amount"))
        .order_by()
    )
    for row in paid_shares:
        found[row["card_payment__backend__kind"] or row["card_payment__gateway"]] += row["total"]
    late = (
        succeeded.annotate(
            first_regie=Min("shares__regie"),
            paid=Count("shares", filter=Q(shares__status=ShareStatus.PAID)),
        )
        .filter(first_regie=regie.pk, paid=0)
        .values_list("backend__kind", "gateway", "amount")
    )
    for kind, gateway, amount in late:
        found[kind or gateway] += amount
    return found


def inter_regie_position(regie: Regie, period: Period) -> tuple[Decimal, Decimal]:
    """(what other régies' general pots spent for `regie`, what its general pots spent for
    other régies), net of reversals, in the period."""
    owed_to = owed_by = ZERO
    for row in (
        _crossing_legs(period)
        .filter(Q(regie=regie) | Q(account__regie=regie))
        .values("regie", "account__regie")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        if row["regie"] == regie.pk:
            owed_to -= row["total"]
        else:
            owed_by -= row["total"]
    return owed_to, owed_by


def _crossing_legs(period: Period):
    """The general pots' legs whose régie is not the pot's: spending for another régie's
    services and its reversals."""
    return Leg.objects.filter(
        period.q("transfer__created_at"), account__kind=AccountKind.GENERAL_POT
    ).exclude(regie=F("account__regie"))


def reconcile(regie: Regie, period: Period) -> Reconciliation:
    """The period's checks for `regie` (module docstring), in eight queries."""
    totals, credits, debits = period_totals(regie, period)
    unbalanced = list(
        Leg.objects.filter(period.q("transfer__created_at"), regie=regie)
        .values("transfer_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transfer_id")
        .values_list("transfer_id", flat=True)
    )
    held = (
        Leg.objects.filter(period.q("transfer__created_at"), account__regie=regie).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    owed_to, owed_by = inter_regie_position(regie, period)
    gateway = _card_receipts_by_method(regie, period)
    gateway_total = sum(gateway.values(), ZERO)
    checks = [
        Check(
            "a1",
            _("Chaque mouvement s'équilibre dans la régie"),
            _("Crédits"),
            credits,
            _("Débits"),
            debits,
            detail=(
                _("Mouvements déséquilibrés : %(ids)s")
                % {"ids": ", ".join(f"n° {pk}" for pk in unbalanced)}
                if unbalanced
                else ""
            ),
            broken=bool(unbalanced),
        ),
        Check(
            "a2",
            _("Les comptes de la régie portent sa position inter-régies"),
            _("Solde des comptes de la régie sur la période"),
            held,
            _("Dû par d'autres régies − dû à d'autres régies"),
            owed_to - owed_by,
        ),
        Check(
            "b",
            _("Encaissements par carte : grand livre et passerelles de paiement"),
            _("Encaissements par carte (grand livre)"),
            totals.card_receipts,
            _("Paiements réussis (passerelles)"),
            gateway_total,
        ),
        Check(
            "c1",
            _("Carte + porte-monnaie = recettes réservées"),
            _("Cartes (commandes) + porte-monnaie net"),
            totals.card_orders + totals.wallet_spending,
            _("Recettes réservées"),
            totals.booked_revenue,
        ),
        Check(
            "c2",
            _("Rechargements encaissés = rechargements crédités"),
            _("Rechargements encaissés par carte"),
            totals.card_top_ups,
            _("Rechargements crédités aux porte-monnaie"),
            totals.top_ups_credited,
        ),
        _shares_check(regie, period, totals.booked_revenue),
        Check(
            "e",
            _("Factures : paiements reçus = recettes facturées"),
            _("Paiements de factures (carte, porte-monnaie, guichet, prélèvements)"),
            totals.invoice_receipts,
            _("Recettes facturées"),
            totals.invoiced_revenue,
        ),
    ]
    by_method = [(method_label(code), amount) for code, amount in sorted(gateway.items())]
    return Reconciliation(regie, period, totals, checks, unbalanced, by_method)


def _shares_check(regie: Regie, period: Period, booked: Decimal) -> Check:
    figures = RegieShare.objects.filter(regie=regie).aggregate(
        count=Count("pk"),
        wallet=Sum("wallet_amount", filter=period.q("created_at")),
        card=Sum("card_amount", filter=period.q("paid_at") & Q(status=ShareStatus.PAID)),
        returned=Sum(
            "wallet_amount", filter=period.q("cancelled_at") & Q(status=ShareStatus.CANCELLED)
        ),
    )
    collected = (figures["wallet"] or ZERO) + (figures["card"] or ZERO)
    collected -= figures["returned"] or ZERO
    return Check(
        "d",
        _("Recettes réservées = parts des commandes de la régie"),
        _("Recettes réservées (grand livre)"),
        booked,
        _(
            "Parts payées (porte-monnaie à la commande, carte au paiement, "
            "moins les parts annulées)"
        ),
        collected,
        skipped=""
        if figures["count"]
        else _(
            "Contrôle non fait : la régie n'a encore aucune part de commande (commandes "
            "antérieures au partage par régie)."
        ),
    )


# --- The inter-régie statement ---------------------------------------------------------------


@dataclass(frozen=True)
class OwedLine:
    platform: Regie
    regie: Regie
    spent: Decimal  # the general pots' debits for the régie's services
    # Their reversals, and a card the régie took and credited to a general pot (a card charged
    # after its order's share was given up): then the régie owes the platform régie.
    returned: Decimal

    @property
    def owed(self) -> Decimal:
        return self.spent - self.returned


@dataclass
class Statement:
    period: Period
    lines: list[OwedLine]
    # Of the services régies, from their own figures: the general pots' spending for them net
    # of reversals, less the cards they took and credited to a general pot (a late payment).
    general_pot_spending: Decimal

    @property
    def total(self) -> Decimal:
        return sum((line.owed for line in self.lines), ZERO)

    @property
    def balances(self) -> bool:
        return self.total == self.general_pot_spending


def inter_regie_statement(period: Period, regies=None) -> Statement:
    """What each platform régie owes each services régie for the period, in three queries;
    with `regies` (ids), only the lines where one of them owes or is owed."""
    legs = _crossing_legs(period)
    spending = Leg.objects.filter(
        period.q("transfer__created_at"),
        account__kind=AccountKind.GENERAL_POT,
        regie__kind=RegieKind.SERVICES,
    ).annotate(is_refund=_has_refunds_leg())
    if regies is not None:
        regies = list(regies)
        legs = legs.filter(Q(regie__in=regies) | Q(account__regie__in=regies))
        spending = spending.filter(Q(regie__in=regies) | Q(account__regie__in=regies))
    amounts = defaultdict(lambda: [ZERO, ZERO])
    for row in (
        legs.values("account__regie", "regie")
        .annotate(
            spent=Sum("amount", filter=Q(amount__lt=0)),
            returned=Sum("amount", filter=Q(amount__gt=0)),
        )
        .order_by()
    ):
        pair = amounts[(row["account__regie"], row["regie"])]
        pair[0] -= row["spent"] or ZERO
        pair[1] += row["returned"] or ZERO
    named = Regie.objects.in_bulk({pk for pair in amounts for pk in pair if pk})
    lines = [
        OwedLine(named[p], named[s], spent, returned)
        for (p, s), (spent, returned) in amounts.items()
        if p and s
    ]
    lines.sort(key=lambda line: (line.platform.name, line.regie.name, line.regie.pk))
    general = Totals()
    for row in (
        spending.values("account__kind", "transfer__kind", "is_refund")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        general.add(row["account__kind"], row["transfer__kind"], row["is_refund"], row["total"])
    return Statement(
        period,
        lines,
        general.general_pot_net + general.invoice_general_pot - general.top_ups_credited,
    )
