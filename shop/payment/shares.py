"""An order's money split per régie, and the card payment steps that collect it.

A basket may hold services of several régies (cantine de Rosières, garderie d'Aiguilhe …): the
parent checks out once, but each régie's share (`wallet.RegieShare`) is paid and numbered on its
own. The wallet pays what it can of each service first; what is left of the régies that share
one payment backend account is one card payment, one step ("Paiement 1/2 — Régie cantine de
Rosières — 12,00 €"); a share the wallet covers needs no step and is numbered at checkout.

A share stands once paid, whatever happens to the others: a step that fails, or expires
unpaid, cancels only its own shares (their meals released, their wallet part back in the pots
it came from), and the order is paid with what was paid (shop/FORKS.md)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wallet.gateways.limits import AmountOutOfRangeError, check_amount
from wallet.ledger import Charge
from wallet.models import CardPayment, Regie, RegieShare, ShareStatus
from wallet.money import euros
from wallet.regies import regies_by_id
from wallet.rules import ZERO
from wallet.tasks import number_order_shares

from .exceptions import CardAmountTooLarge, CardAmountTooSmall


@dataclass
class ShareAmounts:
    """What the order owes one régie, and how much of it the wallet paid."""

    regie: Regie
    amount: Decimal = ZERO
    wallet_amount: Decimal = ZERO
    service_ids: set = field(default_factory=set)

    @property
    def card_amount(self) -> Decimal:
        return self.amount - self.wallet_amount


@dataclass
class PaymentStep:
    """One card payment: the shares of the régies of one backend account left to the card."""

    number: int
    of: int
    shares: list[ShareAmounts] = field(default_factory=list)
    card_payment: CardPayment | None = None

    @property
    def backend(self):
        return self.shares[0].regie.backend

    @property
    def amount(self) -> Decimal:
        return sum((share.card_amount for share in self.shares), ZERO)

    @property
    def label(self) -> str:
        """ "Paiement 1/2 — Régie cantine de Rosières — 12,00 €" """
        return _("Paiement %(n)s/%(of)s — %(regies)s — %(amount)s") % {
            "n": self.number,
            "of": self.of,
            "regies": ", ".join(share.regie.name for share in self.shares),
            "amount": euros(self.amount),
        }


def split_by_regie(charges: list[Charge], wallet_by_service: dict[int, Decimal]):
    """Each régie's share of the charges (régie id → ShareAmounts), the wallet's payment of each
    service counted in its service's régie. Régies are read in one query."""
    regies = regies_by_id({c.regie_id for c in charges})
    shares: dict[int, ShareAmounts] = {}
    for charge in charges:
        share = shares.setdefault(charge.regie_id, ShareAmounts(regies[charge.regie_id]))
        share.amount += charge.amount
        share.service_ids.add(charge.service_id)
    regie_of_service = {c.service_id: c.regie_id for c in charges}
    for service_id, paid in wallet_by_service.items():
        shares[regie_of_service[service_id]].wallet_amount += paid
    return dict(sorted(shares.items()))


def plan_steps(shares: dict[int, ShareAmounts]) -> list[PaymentStep]:
    """One step per backend account that needs card money, in a stable order (by account)."""
    by_backend = defaultdict(list)
    for share in shares.values():
        if share.card_amount > 0:
            by_backend[share.regie.backend_id].append(share)
    steps = [by_backend[backend_id] for backend_id in sorted(by_backend)]
    return [
        PaymentStep(number=n, of=len(steps), shares=step_shares)
        for n, step_shares in enumerate(steps, start=1)
    ]


def check_step_amounts(steps: list[PaymentStep], wallet_amount: Decimal) -> None:
    """Each step within its backend account's minimum and maximum amounts, or refused with
    what the parent can do about it."""
    for step in steps:
        try:
            check_amount(step.backend, step.amount)
        except AmountOutOfRangeError as error:
            if step.amount < error.minimum:
                raise CardAmountTooSmall(_too_small(step, error.minimum, wallet_amount)) from error
            raise CardAmountTooLarge(
                _(
                    "%(step)s : un paiement par carte auprès de cette régie est d'au plus "
                    "%(maximum)s. Payez une partie avec le porte-monnaie ou en plusieurs paniers."
                )
                % {"step": step.label, "maximum": euros(error.maximum)}
            ) from error


def _too_small(step: PaymentStep, minimum: Decimal, wallet_amount: Decimal) -> str:
    values = {"rest": euros(step.amount), "minimum": euros(minimum), "step": step.label}
    if wallet_amount:
        return (
            _(
                "Il resterait %(rest)s à payer par carte, or un paiement par carte est d'au moins "
                "%(minimum)s. Rechargez votre porte-monnaie ou payez toute la commande par carte."
            )
            % values
        )
    if step.of > 1:
        return (
            _(
                "%(step)s : un paiement par carte est d'au moins %(minimum)s. Payez cette part "
                "avec le porte-monnaie."
            )
            % values
        )
    return (
        _(
            "Un paiement par carte est d'au moins %(minimum)s : payez cette commande avec le "
            "porte-monnaie."
        )
        % values
    )


def record_shares(order, payer, shares: dict[int, ShareAmounts], steps: list[PaymentStep]):
    """Write the order's shares: those the wallet paid in full are paid, the others pending on
    their step's card payment. Paid shares are numbered once this transaction has committed."""
    payment_of = {
        regie_id: step.card_payment
        for step in steps
        for regie_id in (share.regie.pk for share in step.shares)
    }
    now = timezone.now()
    # The lines the order creator has just written, still loaded on the order: no query.
    lines_of = defaultdict(list)
    for line in order.lines.all():
        lines_of[line.product.parent_id or line.product_id].append(line.pk)
    rows = [
        RegieShare(
            order_number=order.number,
            owner=payer,
            regie=share.regie,
            amount=share.amount,
            wallet_amount=share.wallet_amount,
            card_amount=share.card_amount,
            card_payment=payment_of.get(regie_id),
            order_line_ids=sorted(pk for sid in share.service_ids for pk in lines_of[sid]),
            status=ShareStatus.PAID if share.card_amount == 0 else ShareStatus.PENDING,
            paid_at=now if share.card_amount == 0 else None,
        )
        for regie_id, share in shares.items()
        # A free meal (a 0 € tariff) is booked, but a régie gives no receipt for nothing.
        if share.amount > 0
    ]
    created = RegieShare.objects.bulk_create(rows)
    if any(row.status == ShareStatus.PAID for row in rows):
        _number_after_commit(order.number)
    return created


def mark_paid(share: RegieShare, now) -> None:
    """A share's card part succeeded: paid now, numbered once this transaction commits."""
    share.status = ShareStatus.PAID
    share.paid_at = now
    share.save(update_fields=["status", "paid_at"])
    _number_after_commit(share.order_number)


def mark_cancelled(share: RegieShare, now) -> None:
    share.status = ShareStatus.CANCELLED
    share.cancelled_at = now
    share.save(update_fields=["status", "cancelled_at"])


def _number_after_commit(order_number: str) -> None:
    # A task: in production the worker numbers, the checkout's answer does not wait for it.
    transaction.on_commit(partial(number_order_shares.delay, order_number))
