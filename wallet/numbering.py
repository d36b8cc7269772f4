"""Receipt numbers: per régie and year, gapless, allocated under a row lock.

The counter row of (régie, year) is locked until the caller's transaction ends: a number is
only used if that transaction commits, and a rollback gives it back, so the sequence has no
gap. Concurrent allocations for one régie wait on each other (only for the rest of their
transaction: callers allocate last); other régies' never do."""

from django.db import IntegrityError, transaction

from .models import Regie, RegieCounter


def allocate_number(regie: Regie, year: int) -> str:
    """The next number of `regie` for `year`, e.g. "CAN-2026-000042". Inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A receipt number is allocated inside the transaction that uses it.")
    counter = _locked_counter(regie, year)
    counter.last += 1
    RegieCounter.objects.filter(pk=counter.pk).update(last=counter.last)
    return regie.format_number(year, counter.last)


def _locked_counter(regie: Regie, year: int) -> RegieCounter:
    locked = RegieCounter.objects.select_for_update()
    counter = locked.filter(regie=regie, year=year).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            RegieCounter.objects.create(regie=regie, year=year, last=0)
    except IntegrityError:
        pass  # created meanwhile by a concurrent allocation: its row is the one to lock
    return locked.get(regie=regie, year=year)
