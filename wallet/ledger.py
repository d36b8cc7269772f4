"""The only code that writes money.

A transfer locks the parents' pots it touches, in id order (so two transfers never wait on each
other in a cycle), then checks, then writes its legs and the pots' cached balances — all in one
transaction. Database constraints back every check: no zero leg, no pot below zero, one transfer
per idempotency key.

System accounts (card receipts, each service's revenue, refunds, adjustments) are never locked
and keep no cached balance: their legs are inserted, and their balance is the sum of their legs
(`balance_of`). Every checkout of a service credits that service's revenue account: a cached
balance there would be one row that every family's checkout locks and updates, and checkouts
would run one at a time. Nothing refuses a movement on a system account's balance, so there is
nothing to lock it for; wallet/integrity.py checks the pots' caches and the legs.

New balances are computed here from the locked rows and written as exact decimals, never as
`balance + delta` in SQL: SQLite (the embedded default) stores decimals as floating point and
would add them in floating point, drifting by fractions of a cent."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from accounts.roles import ActorRole

from .exceptions import InsufficientFundsError, RefundExceedsPaymentError, UnbalancedTransferError
from .models import POT_KINDS, AccountKind, LedgerAccount, Leg, Transfer, TransferKind
from .regies import platform_regie_of_pot_owner, post_paid_service_ids, regie_ids_of_services
from .rules import ZERO, allocate

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Movement:
    """One leg to write: `amount` (signed) into `account`, attributed to `commune` (régie)."""

    account: LedgerAccount
    amount: Decimal
    commune_id: int | None = None
    regie_id: int | None = None


@dataclass(frozen=True)
class WalletPayment:
    """What the wallet paid of a basket (None: nothing, the pots were empty)."""

    transfer: Transfer | None
    paid: Decimal
    # What it paid of each service (service id → amount); empty when answered again.
    by_service: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Charge:
    """What a basket owes one service of one commune, collected by one régie."""

    service_id: int
    commune_id: int | None
    amount: Decimal
    regie_id: int | None = None


# --- Accounts --------------------------------------------------------------------------------


def general_pot(owner, regie_id: int | None = None) -> LedgerAccount:
    """The owner's general pot, opened in `regie_id` (a platform régie) the first time."""
    lookup = {"kind": AccountKind.GENERAL_POT, "owner": owner}
    account = LedgerAccount.objects.filter(**lookup).first()
    if account:
        return account
    return _get_or_create(lookup, regie_id=regie_id or platform_regie_of_pot_owner(owner).pk)


def service_pot(owner, service_id: int, commune_id: int | None = None) -> LedgerAccount:
    return _get_or_create(
        {"kind": AccountKind.SERVICE_POT, "owner": owner, "service_id": service_id},
        commune_id=commune_id,
        regie_id=regie_ids_of_services([service_id])[service_id],
    )


def system_account(kind: str, *, service_id=None, commune_id=None, regie_id=None) -> LedgerAccount:
    if regie_id is None and service_id is not None:
        regie_id = regie_ids_of_services([service_id])[service_id]
    return _get_or_create(
        {"system_key": system_key(kind, service_id, commune_id, regie_id)},
        kind=kind,
        service_id=service_id,
        commune_id=commune_id,
        regie_id=regie_id,
    )


def system_key(kind: str, service_id=None, commune_id=None, regie_id=None) -> str:
    """One system account per kind and scope. A service's accounts need no régie in their key
    (the service has one régie); card receipts and adjustments are kept per régie."""
    key = ":".join([kind, str(service_id or "-"), str(commune_id or "-")])
    if regie_id is not None and service_id is None:
        key += f":r{regie_id}"
    return key


def _get_or_create(lookup: dict, **defaults) -> LedgerAccount:
    account = LedgerAccount.objects.filter(**lookup).first()
    if account:
        return account
    try:
        with transaction.atomic():
            account = LedgerAccount.objects.create(**lookup, **defaults)
    except IntegrityError:
        # Created meanwhile by a concurrent request: the unique constraints kept one.
        account = LedgerAccount.objects.get(**lookup)
    remember_system_accounts([account])
    return account


# --- Transfers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Legs that depend on the balances of `pots`: `legs(locked)` is called once those pots are
    locked, with them by id, and returns the movements to write (none: nothing to move)."""

    pots: list[LedgerAccount]
    legs: Callable[[dict[int, LedgerAccount]], list[Movement]]
    # The caller read `pots` with select_for_update in this transaction, by id: not again.
    locked: bool = False


def transfer(
    movements: Iterable[Movement] | Plan,
    *,
    kind: str,
    reason: str,
    idempotency_key: str,
    reference: str = "",
    actor=None,
    actor_role: str = ActorRole.SYSTEM,
    order_line_id: int | None = None,
    check: Callable[[], None] | None = None,
    key_is_new: bool = False,
) -> Transfer | None:
    """Write one balanced transfer, or return the one already written under this key.

    `movements` are the legs, or a `Plan` computing them from the pots it locks (None is
    returned when it has nothing to move). `check` runs once the pots are locked, before
    anything is written: it raises to refuse.

    `key_is_new`: the caller holds a lock serialising every use of this key and knows nothing
    was written under it (the checkout: the basket's row, no order placed for it). Then the key
    is not looked up, nor a savepoint taken to catch a concurrent writer: the key's unique
    index still refuses a second transfer, aborting the caller's transaction."""
    fields = {
        "kind": kind,
        "reason": reason,
        "idempotency_key": idempotency_key,
        "reference": reference,
        "actor": actor,
        "actor_role": actor_role,
        "order_line_id": order_line_id,
    }
    if key_is_new:
        with transaction.atomic(savepoint=False):
            return _lock_check_and_write(movements, check, fields)
    existing = Transfer.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return _lock_check_and_write(movements, check, fields)
    except IntegrityError:
        # A concurrent call with the same key won the race: the unique key kept its transfer.
        existing = Transfer.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
        raise


def _lock_check_and_write(movements, check, fields: dict) -> Transfer | None:
    if isinstance(movements, Plan):
        if movements.locked:
            locked = {pot.pk: pot for pot in movements.pots}
        else:
            locked = _lock_pots(movements.pots)
        movements = movements.legs(locked)
        if not movements:
            return None
        _check_pots_locked(movements, locked)
    else:
        movements = list(movements)
        locked = _lock_pots(m.account for m in movements)
    _check_balanced(movements)
    _check_pots_stay_positive(movements, locked)
    if check:
        check()
    return _write(movements, locked, **fields)


def balance_of(account: LedgerAccount) -> Decimal:
    """What an account holds: a pot's cached balance, or the sum of a system account's legs."""
    if account.kind in POT_KINDS:
        return account.balance
    total = account.legs.aggregate(total=Sum("amount"))["total"]
    return (total or ZERO).quantize(CENT)


def _check_balanced(movements: list[Movement]) -> None:
    if len(movements) < 2:
        raise UnbalancedTransferError("A transfer has at least two legs.")
    if any(m.amount == 0 or m.amount != m.amount.quantize(CENT) for m in movements):
        raise UnbalancedTransferError("Legs are non-zero amounts in cents.")
    if sum((m.amount for m in movements), ZERO) != 0:
        raise UnbalancedTransferError("The legs of a transfer must sum to zero.")


def _lock_pots(accounts: Iterable[LedgerAccount]) -> dict[int, LedgerAccount]:
    """Lock the pots among `accounts`, in id order: the one lock order of every money path."""
    pot_ids = {account.pk for account in accounts if account.kind in POT_KINDS}
    if not pot_ids:
        return {}
    pots = LedgerAccount.objects.select_for_update().filter(pk__in=pot_ids).order_by("pk")
    return {pot.pk: pot for pot in pots}


def _check_pots_locked(movements: list[Movement], locked: dict) -> None:
    # A plan's legs may only move the pots it locked: locking another one now would take the
    # locks out of id order.
    if any(m.account.kind in POT_KINDS and m.account.pk not in locked for m in movements):
        raise UnbalancedTransferError("A plan moves a pot it did not lock.")


def _pot_changes(movements: list[Movement]) -> dict[int, Decimal]:
    change = defaultdict(lambda: ZERO)
    for movement in movements:
        if movement.account.kind in POT_KINDS:
            change[movement.account.pk] += movement.amount
    return change


def _check_pots_stay_positive(movements, locked) -> None:
    missing = ZERO
    for account_id, delta in _pot_changes(movements).items():
        if locked[account_id].balance + delta < 0:
            missing += -(locked[account_id].balance + delta)
    if missing:
        raise InsufficientFundsError(missing)


def _write(
    movements,
    locked,
    *,
    kind,
    reason,
    idempotency_key,
    reference,
    actor,
    actor_role,
    order_line_id=None,
) -> Transfer:
    """Write the transfer, its legs and the new balances of the `locked` pots."""
    record = Transfer.objects.create(
        kind=kind,
        reason=reason[:255],
        idempotency_key=idempotency_key,
        reference=reference,
        actor=actor,
        actor_role=actor_role,
        order_line_id=order_line_id,
    )
    Leg.objects.bulk_create(
        Leg(
            transfer=record,
            account=m.account,
            amount=m.amount,
            commune_id=m.commune_id,
            regie_id=m.regie_id,
        )
        for m in movements
    )
    for account_id, delta in _pot_changes(movements).items():
        if delta:
            pot = locked[account_id]
            # The row is locked: its balance cannot move before this transaction ends.
            pot.balance = (pot.balance + delta).quantize(CENT)
            LedgerAccount.objects.filter(pk=account_id).update(balance=pot.balance)
    return record


# --- Use cases -------------------------------------------------------------------------------


def credit_top_up(
    owner, amount: Decimal, *, reference: str, idempotency_key: str, regie_id: int | None = None
) -> Transfer:
    """Card money received (the gateway said so) goes into the owner's general pot, received
    by `regie_id` (the platform régie holding that pot by default)."""
    # The pot is opened in its territory's platform régie, whichever régie received the card
    # money (a late card payment's, say): that régie then owes it to the pot's.
    pot = general_pot(owner)
    regie_id = regie_id or pot.regie_id
    receipts = system_account(AccountKind.CARD_RECEIPTS, regie_id=regie_id)
    return transfer(
        [
            Movement(receipts, -amount, None, regie_id),
            Movement(pot, amount, None, regie_id),
        ],
        kind=TransferKind.TOP_UP,
        reason="Rechargement du porte-monnaie",
        reference=reference,
        idempotency_key=idempotency_key,
        actor=owner,
        actor_role=ActorRole.PARENT,
    )


def pay_from_wallet(
    owner,
    charges: list[Charge],
    *,
    reference: str,
    idempotency_key: str,
    actor=None,
    actor_role: str = ActorRole.PARENT,
    allow_partial: bool = False,
    key_is_new: bool = False,
    kind: str = TransferKind.PURCHASE,
    reason: str | None = None,
) -> WalletPayment:
    """Pay each service's charge from its pot first, then from the general pot; `actor` (the
    owner by default) is who paid: the parent, or an agent booking for them. `kind` and
    `reason`: an order's purchase by default, an invoice's payment (pay_invoice_from_wallet).

    With `allow_partial` (wallet + card) the wallet pays what it can and the card the rest;
    otherwise a shortfall refuses the whole payment and changes nothing. Replaying the same
    idempotency key returns the first payment (`key_is_new`: see transfer)."""
    # The pots are locked as they are read: inside a transaction. A refusal rolls back only
    # this payment, except for a checkout (`key_is_new`), whose whole transaction it aborts.
    with transaction.atomic(savepoint=not key_is_new):
        return _pay_from_pots(
            owner,
            charges,
            reference=reference,
            idempotency_key=idempotency_key,
            actor=actor,
            actor_role=actor_role,
            allow_partial=allow_partial,
            key_is_new=key_is_new,
            kind=kind,
            reason=reason or f"Paiement de la commande {reference}",
        )


def _pay_from_pots(
    owner,
    charges,
    *,
    reference,
    idempotency_key,
    actor,
    actor_role,
    allow_partial,
    key_is_new,
    kind=TransferKind.PURCHASE,
    reason="",
) -> WalletPayment:
    per_service = _sum_by_service(charges)
    communes = {c.service_id: c.commune_id for c in charges}
    regies = _regies_of(charges)
    general, pots = _locked_pots_paying(owner, list(communes))
    revenues = _revenue_accounts(communes)
    allocated = []

    def legs(locked):
        # Computed from the balances read under the pots' locks.
        allocation = allocate(
            per_service,
            {sid: locked[pot.pk].balance for sid, pot in pots.items()},
            locked[general.pk].balance if general else ZERO,
        )
        if allocation.shortfall and not allow_partial:
            raise InsufficientFundsError(allocation.shortfall)
        allocated.append(allocation)
        return _payment_legs(allocation, general, pots, communes, regies, revenues)

    record = transfer(
        Plan(
            sorted((p for p in (general, *pots.values()) if p is not None), key=lambda p: p.pk),
            legs,
            locked=True,
        ),
        kind=kind,
        reason=reason,
        idempotency_key=idempotency_key,
        reference=reference,
        actor=actor or owner,
        actor_role=actor_role,
        key_is_new=key_is_new,
    )
    if not allocated:  # the payment made earlier under this key, answered again
        return WalletPayment(record, _paid_from_pots(record))
    allocation = allocated[0]
    by_service = {
        sid: allocation.from_service_pot.get(sid, ZERO) + allocation.from_general_pot.get(sid, ZERO)
        for sid in per_service
    }
    return WalletPayment(
        record, allocation.wallet_total, {sid: paid for sid, paid in by_service.items() if paid}
    )


def _locked_pots_paying(owner, service_ids: list[int]):
    """The owner's general pot (None if never opened) and the pots of these services that
    exist, read and locked in one statement, in id order (the one lock order of every money
    path). A pot never opened holds nothing: it pays nothing, and is not opened for a payment."""
    pots, general = {}, None
    for account in (
        LedgerAccount.objects.select_for_update()
        .filter(
            Q(owner=owner, kind=AccountKind.GENERAL_POT)
            | Q(owner=owner, kind=AccountKind.SERVICE_POT, service_id__in=service_ids)
        )
        .order_by("pk")
    ):
        if account.kind == AccountKind.GENERAL_POT:
            general = account
        else:
            pots[account.service_id] = account
    return general, pots


SYSTEM_ACCOUNTS_CACHE_SECONDS = 60 * 60


def _revenue_accounts(communes: dict[int, int]) -> dict[str, LedgerAccount]:
    """The services' revenue accounts that exist, by system key, from the cache: a system
    account, once created, is never changed nor deleted (its balance is the sum of its legs),
    so every checkout need not read it again. Revenue accounts are never locked."""
    keys = [system_key(AccountKind.SERVICE_REVENUE, sid, c) for sid, c in communes.items()]
    cached = cache.get_many([_cache_key(key) for key in keys])
    found = {key: cached[_cache_key(key)] for key in keys if _cache_key(key) in cached}
    missing = [key for key in keys if key not in found]
    if missing:
        read = list(LedgerAccount.objects.filter(system_key__in=missing))
        remember_system_accounts(read)
        found.update((account.system_key, account) for account in read)
    return found


def remember_system_accounts(accounts: list[LedgerAccount]) -> None:
    """Cache system accounts once the transaction that read or created them commits: only then
    are they sure to exist (a rolled-back creation must not stay cached)."""
    entries = {_cache_key(a.system_key): a for a in accounts if a.system_key}
    if entries:
        transaction.on_commit(partial(cache.set_many, entries, SYSTEM_ACCOUNTS_CACHE_SECONDS))


def _cache_key(key: str) -> str:
    return f"wallet:system-account:{key}"


def _regies_of(charges: list[Charge]) -> dict[int, int]:
    """Each charged service's régie: as the charge says, else the service's (cached)."""
    given = {c.service_id: c.regie_id for c in charges if c.regie_id is not None}
    missing = [c.service_id for c in charges if c.service_id not in given]
    return {**regie_ids_of_services(missing), **given} if missing else given


def _payment_legs(allocation, general, pots, communes, regies, revenues) -> list[Movement]:
    """The pots' debits and each service's revenue, one leg per (account, commune, régie):
    every leg in the service's régie, the general pot's too (what the platform régie then
    owes the service's régie)."""
    movements = []
    for sid, amount in allocation.from_service_pot.items():
        movements.append(Movement(pots[sid], -amount, communes[sid], regies[sid]))
    for sid, amount in allocation.from_general_pot.items():
        movements.append(Movement(general, -amount, communes[sid], regies[sid]))
    for sid in communes:
        paid = allocation.from_service_pot.get(sid, ZERO) + allocation.from_general_pot.get(
            sid, ZERO
        )
        if paid:
            key = system_key(AccountKind.SERVICE_REVENUE, sid, communes[sid])
            revenue = revenues.get(key) or system_account(
                AccountKind.SERVICE_REVENUE,
                service_id=sid,
                commune_id=communes[sid],
                regie_id=regies[sid],
            )
            movements.append(Movement(revenue, paid, communes[sid], regies[sid]))
    return _merge(movements)


def record_card_receipt(
    charges: list[Charge],
    *,
    regie_id: int,
    reference: str,
    idempotency_key: str,
    actor=None,
    actor_role: str = ActorRole.PARENT,
) -> Transfer:
    """The card part of an order, received by `regie_id`'s backend: card receipts of that
    régie to each service's revenue. Written when the gateway reports the payment succeeded."""
    return record_receipt(
        charges,
        receipts_kind=AccountKind.CARD_RECEIPTS,
        kind=TransferKind.CARD_PURCHASE,
        reason=f"Paiement par carte de la commande {reference}",
        regie_id=regie_id,
        reference=reference,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_role=actor_role,
    )


RECEIPT_KINDS = (
    AccountKind.CARD_RECEIPTS,
    AccountKind.COUNTER_RECEIPTS,
    AccountKind.DIRECT_DEBIT_RECEIPTS,
)


def record_receipt(
    charges: list[Charge],
    *,
    receipts_kind: str,
    kind: str,
    reason: str,
    regie_id: int,
    reference: str,
    idempotency_key: str,
    actor=None,
    actor_role: str = ActorRole.PARENT,
) -> Transfer:
    """Money `regie_id` received outside the wallet (by card, at its counter, by direct debit:
    `receipts_kind`) for its services: that régie's receipts account to each service's
    revenue, every leg in the régie."""
    if receipts_kind not in RECEIPT_KINDS:
        raise UnbalancedTransferError("Money is received on a receipts account.")
    regies = _regies_of(charges)
    if any(regies[c.service_id] != regie_id for c in charges):
        raise UnbalancedTransferError("A receipt pays the services of its own régie only.")
    total = sum((c.amount for c in charges), ZERO)
    movements = [Movement(system_account(receipts_kind, regie_id=regie_id), -total, None, regie_id)]
    for charge in charges:
        revenue = system_account(
            AccountKind.SERVICE_REVENUE,
            service_id=charge.service_id,
            commune_id=charge.commune_id,
            regie_id=regie_id,
        )
        movements.append(Movement(revenue, charge.amount, charge.commune_id, regie_id))
    return transfer(
        _merge(movements),
        kind=kind,
        reason=reason,
        idempotency_key=idempotency_key,
        reference=reference,
        actor=actor,
        actor_role=actor_role,
    )


def pay_invoice_from_wallet(
    owner,
    charges: list[Charge],
    *,
    reference: str,
    idempotency_key: str,
    actor=None,
    actor_role: str = ActorRole.PARENT,
) -> WalletPayment:
    """An invoice of post-paid services paid in full from the owner's pots (each service's pot
    first, then the general pot), or refused (InsufficientFundsError) with nothing written."""
    return pay_from_wallet(
        owner,
        charges,
        reference=reference,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_role=actor_role,
        kind=TransferKind.INVOICE_PAYMENT,
        reason=f"Paiement de la facture {reference}",
    )


def refund_to_service_pot(
    owner,
    *,
    service_id: int,
    commune_id: int | None,
    amount: Decimal,
    reason: str,
    reference: str,
    idempotency_key: str,
    actor=None,
    actor_role: str = ActorRole.PARENT,
    order_line_id: int | None = None,
) -> Transfer:
    """A cancelled booking's price goes back to the pot of its service, whatever paid for it.

    Given the `order_line_id` that paid for it, the refunds of that line never exceed what the
    line was paid (RefundExceedsPaymentError, nothing written): checked under the lock of the
    pot, which every refund of that line credits."""
    check = None
    if order_line_id is not None:

        def check():
            _check_refund_within_payment(order_line_id, amount)

    regie_id = regie_ids_of_services([service_id])[service_id]
    return transfer(
        [
            Movement(
                system_account(AccountKind.REFUNDS, service_id=service_id, commune_id=commune_id),
                -amount,
                commune_id,
                regie_id,
            ),
            Movement(service_pot(owner, service_id, commune_id), amount, commune_id, regie_id),
        ],
        kind=TransferKind.REFUND,
        reason=reason,
        reference=reference,
        idempotency_key=idempotency_key,
        actor=actor or owner,
        actor_role=actor_role,
        order_line_id=order_line_id,
        check=check,
    )


def paid_for_order_line(order_line_id: int) -> Decimal:
    """What an order line was paid: its price after discounts (Oscar's `line_price_incl_tax`),
    nothing for a post-paid service's line (its meal is paid on the month's invoice)."""
    line_model = Transfer._meta.get_field("order_line").related_model
    price, parent_id, product_id = line_model.objects.values_list(
        "line_price_incl_tax", "product__parent_id", "product_id"
    ).get(pk=order_line_id)
    if post_paid_service_ids([parent_id or product_id]):
        return ZERO
    return price


def refunded_for_order_line(order_line_id: int) -> Decimal:
    """What the refunds of an order line have put back into pots so far."""
    total = Leg.objects.filter(
        transfer__order_line_id=order_line_id,
        transfer__kind=TransferKind.REFUND,
        account__kind__in=POT_KINDS,
    ).aggregate(total=Sum("amount"))["total"]
    return (total or ZERO).quantize(CENT)


def _check_refund_within_payment(order_line_id: int, amount: Decimal) -> None:
    paid = paid_for_order_line(order_line_id)
    already = refunded_for_order_line(order_line_id)
    if already + amount > paid:
        raise RefundExceedsPaymentError(paid=paid, already_refunded=already, amount=amount)


def reverse_transfer(
    original: Transfer,
    *,
    reason: str,
    idempotency_key: str,
    actor=None,
    actor_role: str = ActorRole.SYSTEM,
    regie_ids: set[int] | None = None,
    kind: str = TransferKind.REFUND,
) -> Transfer | None:
    """Undo a transfer with its mirror image: every leg negated, on the same account and commune
    (`kind`: a refund, or a rejected direct debit).

    The money goes back exactly where it came from (an order whose card part failed returns each
    euro to the pot that paid it). With `regie_ids`, only the legs of those régies are undone:
    a purchase's legs balance per régie, so one régie's share of an order can be given back
    alone (None when that share moved nothing). Replaying the same key returns the first
    reversal."""
    legs = original.legs.select_related("account").order_by("pk")
    if regie_ids is not None:
        legs = [leg for leg in legs if leg.regie_id in regie_ids]
        if not legs:
            return None
    return transfer(
        [Movement(leg.account, -leg.amount, leg.commune_id, leg.regie_id) for leg in legs],
        kind=kind,
        reason=reason,
        reference=original.reference,
        idempotency_key=idempotency_key,
        actor=actor,
        actor_role=actor_role,
    )


def adjust_pot(
    pot: LedgerAccount, amount: Decimal, *, reason: str, agent, idempotency_key: str
) -> Transfer:
    """An agent credits (amount > 0) or debits (amount < 0) a parent's pot, with a reason."""
    regie_id = pot.regie_id
    if regie_id is None:
        regie_id = (
            regie_ids_of_services([pot.service_id])[pot.service_id]
            if pot.service_id
            else platform_regie_of_pot_owner(pot.owner).pk
        )
    adjustments = system_account(
        AccountKind.ADJUSTMENTS, commune_id=pot.commune_id, regie_id=regie_id
    )
    return transfer(
        [
            Movement(adjustments, -amount, pot.commune_id, regie_id),
            Movement(pot, amount, pot.commune_id, regie_id),
        ],
        kind=TransferKind.ADJUSTMENT,
        reason=reason,
        reference=f"ajustement:{pot.pk}",
        idempotency_key=idempotency_key,
        actor=agent,
        actor_role=ActorRole.AGENT,
    )


def _sum_by_service(charges: list[Charge]) -> dict[int, Decimal]:
    totals = defaultdict(lambda: ZERO)
    for charge in charges:
        totals[charge.service_id] += charge.amount
    return dict(totals)


def _merge(movements: list[Movement]) -> list[Movement]:
    """One leg per (account, commune): a pot paying several lines writes one leg."""
    merged = defaultdict(lambda: ZERO)
    accounts = {}
    for m in movements:
        merged[(m.account.pk, m.commune_id, m.regie_id)] += m.amount
        accounts[m.account.pk] = m.account
    return [
        Movement(accounts[account_id], amount, commune_id, regie_id)
        for (account_id, commune_id, regie_id), amount in merged.items()
        if amount
    ]


def _paid_from_pots(record: Transfer | None) -> Decimal:
    if record is None:
        return ZERO
    return -sum(
        (leg.amount for leg in record.legs.filter(account__kind__in=POT_KINDS, amount__lt=0)),
        ZERO,
    )
