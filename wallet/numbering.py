"""Receipt and invoice numbers: per régie, kind and year (the year it was paid or issued, in
Europe/Paris), gapless, allocated under a row lock. Receipts and invoices have a sequence each
(`CounterKind`): one document counter per régie and kind.

Taking numbers increments the counter row of (régie, year) in one UPDATE … RETURNING, which
locks that row until the caller's transaction ends: a number is only used if that transaction
commits, and a rollback gives it back, so the sequence has no gap. Concurrent allocations for
one régie wait on each other for the rest of their transaction; other régies' never do. Paid
shares are numbered in a short transaction of their own, after the checkout that paid them
(`number_paid_shares`), so no checkout holds a counter."""

from collections import defaultdict

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import CounterKind, Regie, RegieCounter, RegieShare, ShareStatus


def allocate_number(regie: Regie, year: int) -> str:
    """The next number of `regie` for `year`, e.g. "CAN-2026-000042". Inside a transaction."""
    return regie.format_number(year, _take(regie.pk, year, 1))


def allocate_numbers(regie: Regie, year: int, count: int, kind: str) -> list[str]:
    """`count` consecutive numbers of `regie`'s `kind` sequence for `year` (an invoice's are
    prefixed "F": "FAC-CAN-2026-000042" never reads as a receipt's). Inside a transaction."""
    if count <= 0:
        return []
    last = _take(regie.pk, year, count, kind)
    prefix = "FAC-" if kind == CounterKind.INVOICE else ""
    return [prefix + regie.format_number(year, n) for n in range(last - count + 1, last + 1)]


def number_paid_shares(order_number: str | None = None) -> int:
    """Give each paid share without a number (of one order, or all of them) its régie's next
    number: run after the checkout or settlement that paid them has committed. The periodic
    sweep (wallet.tasks) numbers any share a crash left behind. Returns how many."""
    with transaction.atomic():
        shares = RegieShare.objects.select_for_update(of=("self",)).filter(
            status=ShareStatus.PAID, number__isnull=True
        )
        if order_number is not None:
            shares = shares.filter(order_number=order_number)
        groups = defaultdict(list)
        for share in shares.select_related("regie").order_by("regie_id", "pk"):
            share.year = timezone.localdate(share.paid_at).year
            groups[share.regie_id, share.year].append(share)
        # By régie id: the one order in which counters are locked.
        for (regie_id, year), group in sorted(groups.items()):
            last = _take(regie_id, year, len(group))
            for n, share in enumerate(group, start=last - len(group) + 1):
                share.number = share.regie.format_number(year, n)
        numbered = [share for group in groups.values() for share in group]
        RegieShare.objects.bulk_update(numbered, ["year", "number"])
    return len(numbered)


def _take(regie_id: int, year: int, count: int, kind: str = CounterKind.RECEIPT) -> int:
    """Take `count` numbers of (régie, kind, year); returns the last one taken."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Receipt numbers are taken inside the transaction that uses them.")
    last = _increment(regie_id, year, count, kind)
    if last is not None:
        return last
    try:
        with transaction.atomic():
            RegieCounter.objects.create(regie_id=regie_id, kind=kind, year=year, last=0)
    except IntegrityError:
        pass  # created meanwhile by a concurrent allocation: its row is the one to increment
    return _increment(regie_id, year, count, kind)


def _increment(regie_id: int, year: int, count: int, kind: str) -> int | None:
    quote = connection.ops.quote_name
    table, last = quote(RegieCounter._meta.db_table), quote("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + %s WHERE {quote('regie_id')} = %s "
            f"AND {quote('kind')} = %s AND {quote('year')} = %s RETURNING {last}",
            [count, regie_id, str(kind), year],
        )
        row = cursor.fetchone()
    return row[0] if row else None
