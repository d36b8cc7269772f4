"""Receipt numbers per régie and year: gapless and concurrency-safe (wallet/numbering.py). Real
threads on PostgreSQL, each in its own transaction."""

import random
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from tests.factories import ParentFactory, PartnerFactory
from wallet.models import (
    BackendKind,
    PaymentBackendAccount,
    Regie,
    RegieCounter,
    RegieShare,
    ShareStatus,
)
from wallet.numbering import allocate_number, number_paid_shares

THREADS = 20


def make_regie(code: str) -> Regie:
    backend = PaymentBackendAccount.objects.get_or_create(
        name="Passerelle de test", kind=BackendKind.OFFLINE
    )[0]
    return Regie.objects.create(
        name=f"Régie {code}",
        code=code,
        commune=PartnerFactory(),
        backend=backend,
        numbering_format=code.upper() + "-{yyyy}-{n:06d}",
    )


def paid_share(regie, order_number: str, paid_at: datetime, owner=None) -> RegieShare:
    return RegieShare.objects.create(
        order_number=order_number,
        owner=owner or ParentFactory(),
        regie=regie,
        amount=Decimal("3.30"),
        wallet_amount=Decimal("3.30"),
        status=ShareStatus.PAID,
        paid_at=paid_at,
    )


def in_threads(count: int, work) -> list:
    """`work(i)` in `count` threads started together; each result, or the error raised."""
    barrier = threading.Barrier(count, timeout=60)
    results = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the result is what the test checks
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_threads_get_twenty_consecutive_numbers():
    regie = make_regie("can")

    def allocate(_index):
        with transaction.atomic():
            number = allocate_number(regie, 2026)
            # Still in the transaction that holds the counter: the others must wait.
            time.sleep(random.uniform(0, 0.02))  # noqa: S311 - jitter, not security
            return number

    numbers = in_threads(THREADS, allocate)

    assert sorted(numbers) == [f"CAN-2026-{n:06d}" for n in range(1, THREADS + 1)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_orders_numbered_at_once_take_consecutive_numbers_and_none_twice():
    regie = make_regie("gar")
    paid_at = datetime(2026, 6, 1, 10, tzinfo=UTC)
    owner = ParentFactory()
    for n in range(THREADS):
        paid_share(regie, f"1000{n:02d}", paid_at, owner)

    # Each order's own numbering, and the periodic sweep over all, at the same moment.
    counts = in_threads(THREADS + 1, lambda i: number_paid_shares(f"1000{i:02d}" if i else None))

    assert sum(counts) == THREADS, counts
    numbers = sorted(RegieShare.objects.values_list("number", flat=True))
    assert numbers == [f"GAR-2026-{n:06d}" for n in range(1, THREADS + 1)]
    assert RegieCounter.objects.get(regie=regie, year=2026).last == THREADS


@pytest.mark.django_db
def test_a_number_taken_in_a_transaction_that_rolls_back_is_given_again():
    regie = make_regie("can")
    with transaction.atomic():
        assert allocate_number(regie, 2026) == "CAN-2026-000001"

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        assert allocate_number(regie, 2026) == "CAN-2026-000002"
        raise Abort

    with transaction.atomic():
        assert allocate_number(regie, 2026) == "CAN-2026-000002"


@pytest.mark.django_db
def test_each_regie_and_each_year_has_its_own_sequence():
    cantine, garderie = make_regie("can"), make_regie("gar")
    with transaction.atomic():
        taken = [
            allocate_number(cantine, 2026),
            allocate_number(garderie, 2026),
            allocate_number(cantine, 2026),
            allocate_number(cantine, 2027),
            allocate_number(garderie, 2026),
        ]
    assert taken == [
        "CAN-2026-000001",
        "GAR-2026-000001",
        "CAN-2026-000002",
        "CAN-2027-000001",
        "GAR-2026-000002",
    ]


@pytest.mark.django_db
def test_a_share_is_numbered_in_the_year_it_was_paid_in_paris():
    regie = make_regie("can")
    # 31/12/2026 23:30 UTC is already 01/01/2027 00:30 in Paris.
    december = paid_share(regie, "1", datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    new_year = paid_share(regie, "2", datetime(2026, 12, 31, 23, 30, tzinfo=UTC))

    assert number_paid_shares() == 2

    december.refresh_from_db()
    new_year.refresh_from_db()
    assert (december.year, december.number) == (2026, "CAN-2026-000001")
    assert (new_year.year, new_year.number) == (2027, "CAN-2027-000001")
    # Numbered once: the sweep finds nothing more to do.
    assert number_paid_shares() == 0


@pytest.mark.django_db
def test_a_regie_refuses_a_numbering_format_without_year_or_rank():
    from django.core.exceptions import ValidationError

    regie = make_regie("can")
    for pattern in ("CAN-{n:06d}", "CAN-{yyyy}", "CAN-{inconnu}-{n}"):
        regie.numbering_format = pattern
        with pytest.raises(ValidationError) as refused:
            regie.clean()
        assert "numbering_format" in refused.value.message_dict
    regie.numbering_format = "CAN-{yyyy}-{n:06d}"
    regie.clean()
