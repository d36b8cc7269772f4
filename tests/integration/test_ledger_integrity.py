"""wallet.tasks.check_ledger_integrity: a clean ledger reports nothing; a leg, a cached balance or
a refund above what a booking was paid, written behind the ledger's back, is found, logged at
ERROR level and e-mailed to the administrators."""

import logging
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from oscar.core.loading import get_model

from reservations.bookings import cancel_booking
from tests.booking_factories import MEAL_DAY, make_canteen
from tests.factories import ParentFactory, PartnerFactory
from tests.functional.test_bookings_api import book_and_pay
from tests.reservations_factories import BeneficiaryFactory
from tests.shop_data import make_service
from wallet import integrity, ledger
from wallet.models import AccountKind, LedgerAccount, Leg, Regie, Transfer, TransferKind
from wallet.tasks import check_ledger_integrity

Line = get_model("order", "Line")

pytestmark = pytest.mark.django_db

CLEAN = {
    "unbalanced_transfers": 0,
    "balance_mismatches": 0,
    "over_refunded_lines": 0,
    "unbalanced_regies": 0,
}


@pytest.fixture(autouse=True)
def admins(settings):
    settings.ADMINS = [("Exploitation", "exploitation@portail.example.org")]


@pytest.fixture
def canteen():
    commune = PartnerFactory(name="Saint-Marcel-en-Dombes")
    service, _ = make_service(commune, "Cantine de Saint-Marcel", {"Repas": "3.50"})
    return service, commune


@pytest.fixture
def parent(canteen):
    """A parent with some history: a top-up, a payment, a refund, an agent's adjustment."""
    service, commune = canteen
    parent = ParentFactory()
    ledger.credit_top_up(parent, Decimal("25.00"), reference="t", idempotency_key="top-up")
    ledger.pay_from_wallet(
        parent,
        [ledger.Charge(service.pk, commune.pk, Decimal("7.00"))],
        reference="ORDER-1",
        idempotency_key="order-1",
    )
    ledger.refund_to_service_pot(
        parent,
        service_id=service.pk,
        commune_id=commune.pk,
        amount=Decimal("3.50"),
        reason="Annulation",
        reference="booking-1",
        idempotency_key="refund-1",
    )
    pot = ledger.service_pot(parent, service.pk, commune.pk)
    ledger.adjust_pot(pot, Decimal("-1.00"), reason="Correction", agent=None, idempotency_key="a")
    return parent


def test_a_clean_ledger_reports_nothing_and_emails_no_one(
    parent, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.ERROR, logger="wallet.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            counts = check_ledger_integrity.delay().get()

    assert counts == CLEAN
    assert integrity.check_ledger().ok
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert mail.outbox == []


def test_the_check_costs_four_queries_whatever_the_size_of_the_ledger(
    parent, django_assert_num_queries
):
    with django_assert_num_queries(4):
        integrity.check_ledger()


def test_a_leg_written_behind_the_ledgers_back_is_found_logged_and_emailed_to_the_admins(
    parent, caplog, django_capture_on_commit_callbacks
):
    record = Transfer.objects.get(idempotency_key="top-up")
    pot = LedgerAccount.objects.get(owner=parent, kind=AccountKind.GENERAL_POT)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO wallet_leg (transfer_id, account_id, amount) VALUES (%s, %s, %s)",
            [record.pk, pot.pk, Decimal("10.00")],
        )

    with caplog.at_level(logging.ERROR, logger="wallet.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            counts = check_ledger_integrity()

    # The transfer no longer sums to zero, and the pot's cached balance misses the 10 €.
    # The leg has no régie either: every amount belongs to one.
    assert counts == {
        "unbalanced_transfers": 1,
        "balance_mismatches": 1,
        "over_refunded_lines": 0,
        "unbalanced_regies": 1,
    }
    report = integrity.check_ledger()
    assert [(p.transfer_id, p.total, p.legs) for p in report.unbalanced_transfers] == [
        (record.pk, Decimal("10.00"), 3)
    ]
    assert [(p.account_id, p.cached, p.computed) for p in report.balance_mismatches] == [
        (pot.pk, Decimal("18.00"), Decimal("28.00"))
    ]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert f"transfer {record.pk}: 3 leg(s) summing to 10.00" in errors[0].getMessage()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["exploitation@portail.example.org"]
    assert "grand livre" in message.subject
    assert f"account {pot.pk}" in message.body
    assert "cached balance 18.00, sum of its legs 28.00" in message.body


def test_a_cached_balance_changed_behind_the_ledgers_back_is_found(parent):
    pot = LedgerAccount.objects.get(owner=parent, kind=AccountKind.GENERAL_POT)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wallet_ledgeraccount SET balance = balance + 100 WHERE id = %s", [pot.pk]
        )

    report = integrity.check_ledger()

    assert report.counts == {
        "unbalanced_transfers": 0,
        "balance_mismatches": 1,
        "over_refunded_lines": 0,
        "unbalanced_regies": 0,
    }
    assert report.balance_mismatches[0].account_id == pot.pk


def test_a_transfer_left_with_a_single_leg_is_found(parent):
    record = Transfer.objects.get(idempotency_key="refund-1")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM wallet_leg WHERE transfer_id = %s", [record.pk])
        cursor.execute(
            "INSERT INTO wallet_leg (transfer_id, account_id, amount) "
            "SELECT %s, id, 0.01 FROM wallet_ledgeraccount WHERE owner_id = %s LIMIT 1",
            [record.pk, parent.pk],
        )

    report = integrity.check_ledger()

    assert record.pk in [problem.transfer_id for problem in report.unbalanced_transfers]


# --- Refunds above what was paid -------------------------------------------------------------


@pytest.fixture
def paid_meal(client):
    """A meal booked and paid 3.30 through the real checkout: a booking with its order line."""
    canteen = make_canteen()
    parent = ParentFactory()
    lea = BeneficiaryFactory(account=parent, first_name="Léa")
    (booking,) = book_and_pay(client, parent, canteen[1], [(lea, MEAL_DAY)])
    return booking


def refund_behind_the_ledgers_back(booking, amount: str, key: str) -> Transfer:
    """A refund of the booking's order line written without the ledger's check (as a bug, a
    script or a restored backup would): a transfer, its two legs and the pot's balance (a system
    account caches none)."""
    refunds = ledger.system_account(
        AccountKind.REFUNDS, service_id=booking.service_id, commune_id=booking.commune_id
    )
    pot = ledger.service_pot(booking.account, booking.service_id, booking.commune_id)
    record = Transfer.objects.create(
        kind=TransferKind.REFUND,
        reason="Annulation",
        reference=booking.order_number,
        idempotency_key=key,
        actor_role="system",
        order_line_id=booking.order_line_id,
    )
    Leg.objects.bulk_create(
        [
            Leg(transfer=record, account=refunds, amount=-Decimal(amount), regie=pot.regie),
            Leg(transfer=record, account=pot, amount=Decimal(amount), regie=pot.regie),
        ]
    )
    LedgerAccount.objects.filter(pk=pot.pk).update(balance=pot.balance + Decimal(amount))
    return record


def test_a_normal_cancellation_is_not_reported(paid_meal):
    cancel_booking(paid_meal, by=paid_meal.account, role="parent", now=timezone.now())

    report = integrity.check_ledger()

    assert report.ok, report.describe()
    assert report.counts == CLEAN


def test_a_booking_refunded_twice_is_reported(paid_meal):
    cancel_booking(paid_meal, by=paid_meal.account, role="parent", now=timezone.now())
    refund_behind_the_ledgers_back(paid_meal, "3.30", "refund-again")

    report = integrity.check_ledger()

    assert report.counts == {**CLEAN, "over_refunded_lines": 1}
    (problem,) = report.over_refunded_lines
    assert (problem.order_line_id, problem.order_number) == (
        paid_meal.order_line_id,
        paid_meal.order_number,
    )
    assert (problem.paid, problem.refunded, problem.refunds) == (
        Decimal("3.30"),
        Decimal("6.60"),
        2,
    )
    assert (
        f"order line {paid_meal.order_line_id} (order {paid_meal.order_number}): paid 3.30, "
        "refunded 6.60 in 2 refund(s)"
    ) in report.describe()


def test_a_booking_refunded_more_than_it_was_paid_is_reported_and_emailed(
    paid_meal, django_capture_on_commit_callbacks
):
    # A line recorded at 0.00 (a quantity of 0) whose meal was refunded its full price anyway.
    Line.objects.filter(pk=paid_meal.order_line_id).update(quantity=0, line_price_incl_tax=0)
    refund_behind_the_ledgers_back(paid_meal, "3.30", "refund-unpaid")

    with django_capture_on_commit_callbacks(execute=True):
        counts = check_ledger_integrity()

    assert counts == {**CLEAN, "over_refunded_lines": 1}
    assert "1 order line(s) refunded more than they were paid" in mail.outbox[0].body
    assert "paid 0.00, refunded 3.30 in 1 refund(s)" in mail.outbox[0].body


def test_a_leg_moved_to_another_regie_behind_the_ledgers_back_is_found(parent):
    record = Transfer.objects.get(idempotency_key="top-up")
    leg = record.legs.order_by("pk").first()
    other = Regie.objects.create(
        name="Autre régie", code="autre", backend=leg.regie.backend, commune=PartnerFactory()
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE wallet_leg SET regie_id = %s WHERE id = %s", [other.pk, leg.pk])

    report = integrity.check_ledger()

    assert report.counts == {**CLEAN, "unbalanced_regies": 2}
    assert {(p.transfer_id, p.regie_id) for p in report.unbalanced_regies} == {
        (record.pk, other.pk),
        (record.pk, leg.regie_id),
    }
    assert report.unbalanced_transfers == []  # the transfer itself still sums to zero
